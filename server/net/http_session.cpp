#include "net/http_session.hpp"
#include "log/log.hpp"

#include "metrics/metrics.hpp"
#include "net/static_files.hpp"
#include "util/random.hpp"
#include "util/version.hpp"
#include "net/websocket_session.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace parley::net {

constexpr std::size_t max_request_body = 16 * 1024;

namespace {
std::int64_t wall_now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}
}  // namespace

http::response<http::string_body> api_response(const http::request<http::string_body>& req, http::status status,
                                               std::string_view content_type, std::string body) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "parley");
  res.set(http::field::content_type, content_type);
  res.set(http::field::cache_control, "no-store");
  for (const auto& [name, value] : api_headers()) res.set(name, value);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http::response<http::string_body> json_response(const http::request<http::string_body>& req, http::status status,
                                                const boost::json::object& body) {
  return api_response(req, status, "application/json", boost::json::serialize(body));
}

http::response<http::string_body> error_response(const http::request<http::string_body>& req, http::status status,
                                                 std::string_view code, std::string_view message) {
  return json_response(req, status, {{"error", code}, {"message", message}});
}

template <class Stream>
HttpSession<Stream>::HttpSession(Stream&& stream, ServerContext& context, ConnectionSlot slot)
    : stream_(std::move(stream)), context_(context), slot_(std::move(slot)) {
  metrics::process().connection_opened(metrics::Connection::http);
}

template <class Stream>
HttpSession<Stream>::~HttpSession() {
  metrics::process().connection_closed(metrics::Connection::http);
}

template <class Stream>
void HttpSession<Stream>::run() {
  if constexpr (is_tls<Stream>) {
    beast::get_lowest_layer(stream_).expires_after(context_.limits.handshake_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            beast::bind_front_handler(&HttpSession::on_handshake, this->shared_from_this()));
  } else {
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::do_read, this->shared_from_this()));
  }
}

template <class Stream>
void HttpSession<Stream>::on_handshake(error_code ec) {
  if (ec) return;  // not TLS, a bad client hello, a timeout: nothing to answer
  do_read();
}

template <class Stream>
void HttpSession<Stream>::shutdown() {
  if constexpr (is_tls<Stream>) {
    beast::get_lowest_layer(stream_).expires_after(context_.limits.close_timeout);
    stream_.async_shutdown([self = this->shared_from_this()](error_code) {});
  } else {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
}

template <class Stream>
void HttpSession<Stream>::do_read() {
  parser_.emplace();
  parser_->body_limit(max_request_body);
  parser_->header_limit(8 * 1024);
  beast::get_lowest_layer(stream_).expires_after(context_.limits.handshake_timeout);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::on_read, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::on_read(error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) return shutdown();
  if (ec) {
    if (ec != beast::error::timeout && ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
        ec != http::error::body_limit && ec != http::error::header_limit && ec != http::error::bad_target &&
        ec != http::error::bad_method && ec != http::error::bad_version)
      log::warn("http", "reading a request failed", {{"error", ec.message()}});
    return;
  }
  auto req = parser_->release();
  const std::string_view target = req.target();
  const std::string_view path = target.substr(0, target.find('?'));
  route_ = metrics::route_of(path);
  request_id_ = util::random_token("", 8);
  request_started_ = std::chrono::steady_clock::now();
  method_ = std::string(req.method_string());

  if (websocket::is_upgrade(req)) {
    if (path != "/ws") return write(error_response(req, http::status::not_found, "not_found", "WebSocket endpoint is /ws"));
    if (!origin_allowed(req[http::field::origin], req[http::field::host], context_.allowed_origins))
      return write(error_response(req, http::status::forbidden, "origin_not_allowed",
                                  "this page's origin may not open a chat here; see --allowed-origin"));
    // A direct client already holds its slot; behind a trusted proxy the
    // client it names is counted now.
    if (!slot_) slot_ = context_.connections.try_open(client_address(req));
    if (!slot_)
      return write(error_response(req, http::status::too_many_requests, "too_many_connections",
                                  "too many open connections from your network"));
    beast::get_lowest_layer(stream_).expires_never();
    std::make_shared<WebSocketSession<Stream>>(std::move(stream_), context_, std::move(slot_))->run(std::move(req));
    return;
  }
  if (path.starts_with("/api/")) return handle_api(std::move(req), std::string(path));
  if (path == "/help" || path.starts_with("/help/")) return handle_help(std::move(req), std::string(path));
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return write(error_response(req, http::status::method_not_allowed, "method_not_allowed", "only GET and HEAD"));
  if (path == "/healthz") return reply_health(std::move(req));
  if (path == "/metrics") return reply_metrics(std::move(req));
  if (path == "/ws")
    return write(error_response(req, http::status::upgrade_required, "upgrade_required", "open a WebSocket here"));

  auto file = resolve_static(context_.static_dir, target);
  if (!file) return write(error_response(req, http::status::not_found, "not_found", "no such page"));
  http::file_body::value_type body;
  body.open(file->c_str(), beast::file_mode::scan, ec);
  if (ec) return write(error_response(req, http::status::not_found, "not_found", "no such page"));
  const auto size = body.size();
  const auto headers = static_file_headers(*file, context_.allowed_origins);
  if (req.method() == http::verb::head) {
    http::response<http::empty_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "parley");
    res.set(http::field::content_type, mime_type(*file));
    for (const auto& [name, value] : headers) res.set(name, value);
    res.content_length(size);
    res.keep_alive(req.keep_alive());
    return write(std::move(res));
  }
  http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                      std::make_tuple(http::status::ok, req.version())};
  res.set(http::field::server, "parley");
  res.set(http::field::content_type, mime_type(*file));
  for (const auto& [name, value] : headers) res.set(name, value);
  res.content_length(size);
  res.keep_alive(req.keep_alive());
  write(std::move(res));
}

template <class Stream>
std::string HttpSession<Stream>::client_address(const http::request<http::string_body>& req) const {
  error_code ec;
  const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  if (ec) return "unknown";
  return address_key(client_of(peer.address(), req["X-Real-IP"], context_.trusted_proxies));
}

template <class Stream>
void HttpSession<Stream>::reply_from_shard(std::function<void()> reply) {
  asio::post(stream_.get_executor(), [self = this->shared_from_this(), reply = std::move(reply)] { reply(); });
}

// The counters live on the hub thread: ask there, answer back on this shard.
template <class Stream>
void HttpSession<Stream>::reply_health(http::request<http::string_body> req) {
  asio::post(context_.hub, [self = this->shared_from_this(), req = std::move(req)]() mutable {
    const auto stats = self->context_.service.stats();
    asio::post(self->stream_.get_executor(), [self, req = std::move(req), stats] {
      boost::json::object body{{"status", "ok"},
                        {"version", parley::version},
                        {"sessions", stats.sessions},
                        {"visitors", stats.visitors},
                        {"open_conversations", stats.open_conversations},
                        {"queued_tier1", stats.queued_tier1},
                        {"queued_tier2", stats.queued_tier2},
                        {"agents_online", stats.agents_online},
                        {"secrets_masked", stats.secrets_masked},
                        {"slow_consumer_closes", self->context_.slow_consumer_closes.load(std::memory_order_relaxed)}};
      // A cluster node: whether it runs the chats (the counts above are the
      // cluster's then) or forwards to the node that does.
      if (stats.cluster_role) body["cluster_role"] = *stats.cluster_role;
      self->write(json_response(req, http::status::ok, std::move(body)));
    });
  });
}

// Prometheus scrapes from this machine (no proxy in between: a request that
// came through one names its client) or anywhere with the token.
template <class Stream>
void HttpSession<Stream>::reply_metrics(http::request<http::string_body> req) {
  error_code ec;
  const auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
  auto address = peer.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped())
    address = asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6());
  const bool proxied = req.count("X-Real-IP") > 0 || req.count("X-Forwarded-For") > 0 || req.count(http::field::forwarded) > 0;
  const bool local = !ec && !proxied && address.is_loopback();
  const std::string_view authorization = req[http::field::authorization];
  const bool token = !context_.metrics_token.empty() && authorization.starts_with("Bearer ") &&
                     util::secure_equals(authorization.substr(7), context_.metrics_token);
  if (!local && !token)
    return write(error_response(req, http::status::forbidden, "forbidden",
                                "metrics are for this machine, or for a scraper with the token of --metrics-token-file"));
  // The hub's gauges (queues, sessions) are read there, the text made here.
  asio::post(context_.hub, [self = this->shared_from_this(), req = std::move(req)]() mutable {
    metrics::process().service(self->context_.service.stats(), wall_now_ms());
    if (auto hours = self->context_.hours.load()) metrics::process().hours(*hours, wall_now_ms());
    asio::post(self->stream_.get_executor(), [self, req = std::move(req)] {
      http::response<http::string_body> res{http::status::ok, req.version()};
      res.set(http::field::server, "parley");
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.set(http::field::cache_control, "no-store");
      res.keep_alive(req.keep_alive());
      if (req.method() != http::verb::head) res.body() = metrics::process().exposition();
      res.prepare_payload();
      self->write(std::move(res));
    });
  });
}

template <class Stream>
template <class Response>
void HttpSession<Stream>::write(Response&& response) {
  using R = std::decay_t<Response>;
  metrics::process().http_request(route_, response.result_int());
  if (!request_id_.empty()) {
    response.set("X-Request-Id", request_id_);
    const auto status = response.result_int();
    // An internal error is worth a warning; a 503 (no records here, the store
    // busy) is an answer, and the store says what is wrong in its own lines.
    const bool failed = status == 500;
    if (failed || log::enabled(log::Level::debug)) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - request_started_).count();
      log::write(failed ? log::Level::warn : log::Level::debug, "http", failed ? "request failed" : "request",
                 {{"request", request_id_}, {"method", method_}, {"route", route_}, {"status", status}, {"ms", ms}});
    }
  }
  auto owned = std::make_shared<R>(std::forward<Response>(response));
  response_ = owned;
  http::async_write(stream_, *owned,
                    beast::bind_front_handler(&HttpSession::on_write, this->shared_from_this(), owned->keep_alive()));
}

template <class Stream>
void HttpSession<Stream>::on_write(bool keep_alive, error_code ec, std::size_t) {
  response_.reset();
  if (ec) return;
  if (!keep_alive) return shutdown();
  do_read();
}

}  // namespace parley::net

namespace parley::net {
// net/staff_api.cpp writes JSON responses too.
template void HttpSession<plain_stream>::write(http::response<http::string_body>&&);
template void HttpSession<tls_stream>::write(http::response<http::string_body>&&);
template class HttpSession<plain_stream>;
template class HttpSession<tls_stream>;
}  // namespace parley::net
