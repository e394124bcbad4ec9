#include "backend/redis/redis_connection.hpp"

#include "log/log.hpp"
#include "metrics/metrics.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <hiredis/hiredis.h>

#include <array>
#include <cctype>
#include <deque>
#include <optional>
#include <random>
#include <stdexcept>

namespace parley::backend::redis {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "redis"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::not_connected: return "not connected to Redis";
      case Errc::connection_lost: return "Redis connection lost before the reply";
      case Errc::server_error: return "Redis returned an error";
      case Errc::timeout: return "Redis did not answer in time";
      case Errc::stopped: return "Redis connection stopped";
    }
    return "unknown Redis error";
  }
};

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::string; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::status; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::error; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.type = Reply::Type::nil; break;
  }
  return out;
}

std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

bool is_ip_address(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

ConnectionOptions parse_redis_url(const std::string& url) {
  ConnectionOptions options;
  std::string rest;
  if (url.rfind("rediss://", 0) == 0) {
    options.tls = true;
    rest = url.substr(9);
  } else if (url.rfind("redis://", 0) == 0) {
    rest = url.substr(8);
  } else {
    throw std::invalid_argument("expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (rediss:// for TLS)");
  }
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    const std::string credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string::npos) throw std::invalid_argument("credentials must be USER:PASSWORD@ or :PASSWORD@");
    options.username = percent_decode(credentials.substr(0, colon));
    options.password = percent_decode(credentials.substr(colon + 1));
    if (options.password.empty()) throw std::invalid_argument("the password after ':' is empty");
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    const std::string db = rest.substr(slash + 1);
    rest.resize(slash);
    if (!db.empty()) {
      std::size_t used = 0;
      int value = -1;
      try { value = std::stoi(db, &used); } catch (const std::exception&) {}
      if (value < 0 || value > 15 || used != db.size()) throw std::invalid_argument("database must be 0..15, got \"" + db + "\"");
      options.database = value;
    }
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    std::size_t used = 0;
    long value = -1;
    try { value = std::stol(port, &used); } catch (const std::exception&) {}
    if (value < 1 || value > 65535 || used != port.size()) throw std::invalid_argument("port must be 1..65535, got \"" + port + "\"");
    options.port = static_cast<unsigned short>(value);
    rest.resize(colon);
  }
  if (rest.empty()) throw std::invalid_argument("missing host");
  options.host = rest;
  return options;
}

std::shared_ptr<ssl::context> make_tls_context(const ConnectionOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  context->set_verify_mode(ssl::verify_peer);
  auto load = [](const std::string& what, const std::string& file, auto&& action) {
    try {
      action();
    } catch (const boost::system::system_error& e) {
      throw std::runtime_error(what + " " + file + ": cannot be loaded (" + e.code().message() + ")");
    }
  };
  if (options.tls_ca_file.empty()) context->set_default_verify_paths();
  else load("CA file", options.tls_ca_file, [&] { context->load_verify_file(options.tls_ca_file); });
  if (options.tls_cert_file.empty() != options.tls_key_file.empty())
    throw std::runtime_error("a client certificate needs its key, and a key its certificate");
  if (!options.tls_cert_file.empty()) {
    load("certificate", options.tls_cert_file, [&] { context->use_certificate_chain_file(options.tls_cert_file); });
    load("key", options.tls_key_file, [&] { context->use_private_key_file(options.tls_key_file, ssl::context::pem); });
  }
  return context;
}

// One connection attempt and, once it is up, the connection: the socket (with
// TLS on it for rediss://), the reply reader, the bytes to write, and the
// callbacks of the commands sent, in the order Redis answers them.
struct RedisConnection::Link {
  Link(const asio::any_io_executor& executor, ssl::context* tls) : resolver(executor), socket(executor) {
    if (tls) stream.emplace(socket, *tls);
  }
  ~Link() { redisReaderFree(reader); }

  template <class Operation>
  void with_stream(Operation&& operation) {
    if (stream) operation(*stream);
    else operation(socket);
  }

  tcp::resolver resolver;
  tcp::socket socket;
  std::optional<ssl::stream<tcp::socket&>> stream;
  redisReader* reader = redisReaderCreate();
  std::string out;      // commands not yet handed to the socket
  std::string writing;  // the write in flight
  bool write_in_flight = false;
  bool subscribed = false;  // replies may now be pushed messages
  std::deque<Callback> pending;
  std::array<char, 64 * 1024> in;
};

RedisConnection::RedisConnection(boost::asio::any_io_executor executor, ConnectionOptions options)
    : executor_(executor),
      options_(std::move(options)),
      tls_(options_.tls ? make_tls_context(options_) : nullptr),
      reconnect_timer_(executor),
      connect_timer_(executor),
      health_timer_(executor) {}

RedisConnection::~RedisConnection() {
  running_ = false;
  close_link(make_error_code(Errc::connection_lost));
}

void RedisConnection::start() {
  if (running_) return;
  running_ = true;
  draining_ = false;
  connect();
}

void RedisConnection::stop() {
  running_ = false;
  connected_ = false;
  reconnect_timer_.cancel();
  connect_timer_.cancel();
  health_timer_.cancel();
  if (link_ && !link_->pending.empty()) draining_ = true;
  else close_link(make_error_code(Errc::stopped));
}

void RedisConnection::connect() {
  if (!running_) return;
  auto link = std::make_shared<Link>(executor_, tls_.get());
  link_ = link;
  std::weak_ptr<RedisConnection> weak = weak_from_this();
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([weak, link](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->link_ != link || self->connected_) return;
    self->drop("connect timeout");
  });
  link->resolver.async_resolve(
      options_.host, std::to_string(options_.port),
      [weak, link](boost::system::error_code ec, const tcp::resolver::results_type& endpoints) {
        auto self = weak.lock();
        if (!self || self->link_ != link) return;
        if (ec) return self->drop("cannot resolve the host: " + ec.message());
        asio::async_connect(link->socket, endpoints, [weak, link](boost::system::error_code error, const tcp::endpoint&) {
          auto owner = weak.lock();
          if (!owner || owner->link_ != link) return;
          if (error) return owner->drop("cannot connect: " + error.message());
          link->socket.set_option(tcp::no_delay(true), error);
          owner->handshake(link);
        });
      });
}

// TLS: the server's certificate must chain to the CA and name the host (an IP
// address in the URL must be in the certificate's IP addresses).
void RedisConnection::handshake(const std::shared_ptr<Link>& link) {
  if (!link->stream) return authenticate_then_ready(link);
  if (!is_ip_address(options_.host)) SSL_set_tlsext_host_name(link->stream->native_handle(), options_.host.c_str());
  link->stream->set_verify_mode(ssl::verify_peer);
  link->stream->set_verify_callback(ssl::host_name_verification(options_.host));
  link->stream->async_handshake(ssl::stream_base::client, [weak = weak_from_this(), link](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!self || self->link_ != link) return;
    if (ec) return self->drop("TLS handshake failed: " + ec.message());
    self->authenticate_then_ready(link);
  });
}

// A TCP connect can succeed while the server cannot answer (a stopped process
// still has a listen backlog): only an answer to SELECT/PING makes us ready,
// and the connect timer runs until then. With credentials, AUTH goes first on
// the same pipeline; if Redis refuses it (or the SELECT), the connection is
// dropped and retried with backoff, the refusal logged without the password.
void RedisConnection::authenticate_then_ready(const std::shared_ptr<Link>& link) {
  read(link);
  if (!options_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!options_.username.empty()) auth.push_back(options_.username);
    auth.push_back(options_.password);
    send(link, auth, [weak = weak_from_this(), link](std::error_code ec, const Reply& reply) {
      auto self = weak.lock();
      if (ec && self && self->link_ == link) self->drop("AUTH refused: " + (reply.str.empty() ? ec.message() : reply.str));
    });
  }
  const bool select = options_.database != 0;
  send(link, select ? std::vector<std::string>{"SELECT", std::to_string(options_.database)} : std::vector<std::string>{"PING"},
       [weak = weak_from_this(), link](std::error_code ec, const Reply& reply) {
         auto self = weak.lock();
         if (!self || self->link_ != link) return;
         if (ec) return self->drop(reply.str.empty() ? ec.message() : reply.str);
         self->ready();
       });
}

void RedisConnection::ready() {
  connect_timer_.cancel();
  if (ever_ready_) metrics::process().redis_reconnect();
  ever_ready_ = true;
  connected_ = true;
  attempt_ = 0;
  pings_unanswered_ = 0;
  last_failure_.clear();
  for (const auto& [channel, handler] : subscriptions_) send_subscribe(channel);
  if (subscriptions_.empty()) schedule_health_check();
  if (on_connected) on_connected();
}

void RedisConnection::send(const std::shared_ptr<Link>& link, const std::vector<std::string>& args, Callback callback) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* formatted = nullptr;
  const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()), argv.data(), lens.data());
  if (length < 0) {
    if (!callback) return;
    asio::post(executor_, [callback = std::move(callback)] { callback(make_error_code(Errc::not_connected), Reply{}); });
    return;
  }
  link->out.append(formatted, static_cast<std::size_t>(length));
  redisFreeCommand(formatted);
  if (callback) link->pending.push_back(std::move(callback));
  flush(link);
}

// One write at a time; what is sent meanwhile goes out with the next one.
void RedisConnection::flush(const std::shared_ptr<Link>& link) {
  if (link->write_in_flight || link->out.empty()) return;
  link->writing.swap(link->out);
  link->out.clear();
  link->write_in_flight = true;
  link->with_stream([&](auto& stream) {
    asio::async_write(stream, asio::buffer(link->writing),
                      [weak = weak_from_this(), link](boost::system::error_code ec, std::size_t) {
                        link->write_in_flight = false;
                        auto self = weak.lock();
                        if (!self || self->link_ != link) return;
                        if (ec) return self->drop("write failed: " + ec.message());
                        link->writing.clear();
                        self->flush(link);
                      });
  });
}

void RedisConnection::read(const std::shared_ptr<Link>& link) {
  link->with_stream([&](auto& stream) {
    stream.async_read_some(asio::buffer(link->in), [weak = weak_from_this(), link](boost::system::error_code ec, std::size_t n) {
      auto self = weak.lock();
      if (!self || self->link_ != link) return;
      if (ec) return self->drop(ec == asio::error::eof ? "closed by Redis" : "read failed: " + ec.message());
      if (redisReaderFeed(link->reader, link->in.data(), n) != REDIS_OK) return self->drop("bad reply from Redis");
      for (;;) {
        void* raw = nullptr;
        if (redisReaderGetReply(link->reader, &raw) != REDIS_OK)
          return self->drop(std::string("bad reply from Redis: ") + link->reader->errstr);
        if (!raw) break;
        Reply reply = convert(static_cast<redisReply*>(raw));
        freeReplyObject(raw);
        if (!self->deliver(link, std::move(reply))) return;
      }
      self->read(link);
    });
  });
}

// Hands one reply to its command (or, once subscribed, a pushed message to its
// channel's handler). False when the link is no longer current afterwards:
// the callback stopped the connection, or it closed.
bool RedisConnection::deliver(const std::shared_ptr<Link>& link, Reply reply) {
  if (link->subscribed && reply.type == Reply::Type::array && !reply.elements.empty() &&
      reply.elements[0].type == Reply::Type::string) {
    const std::string& kind = reply.elements[0].str;
    if (kind == "message" && reply.elements.size() == 3) {
      if (auto it = subscriptions_.find(reply.elements[1].str); it != subscriptions_.end())
        (*it->second)(reply.elements[1].str, reply.elements[2].str);
      return link_ == link;
    }
    if (kind == "subscribe" || kind == "unsubscribe") return true;
  }
  if (link->pending.empty()) {
    drop("a reply nobody asked for");
    return false;
  }
  Callback callback = std::move(link->pending.front());
  link->pending.pop_front();
  callback(reply.is_error() ? make_error_code(Errc::server_error) : std::error_code{}, reply);
  if (link_ != link) return false;
  if (draining_ && link->pending.empty()) {
    close_link(make_error_code(Errc::stopped));
    return false;
  }
  return true;
}

void RedisConnection::close_link(std::error_code pending_error) {
  auto link = std::move(link_);
  link_.reset();
  draining_ = false;
  if (!link) return;
  boost::system::error_code ignored;
  link->resolver.cancel();
  link->socket.close(ignored);
  auto pending = std::move(link->pending);
  link->pending.clear();
  for (auto& callback : pending) callback(pending_error, Reply{});
}

// Closes the current link (failing what is pending) and reconnects later. A
// failure to connect is logged once until it changes or a connect succeeds.
void RedisConnection::drop(const std::string& reason) {
  const bool was_connected = connected_;
  connected_ = false;
  connect_timer_.cancel();
  health_timer_.cancel();
  close_link(make_error_code(Errc::connection_lost));
  if (was_connected) {
    if (on_disconnected) on_disconnected(reason);
  } else if (running_ && reason != last_failure_) {
    last_failure_ = reason;
    log::warn("redis", "cannot connect", {{"host", options_.host}, {"port", options_.port}, {"error", reason}});
  }
  schedule_reconnect();
}

void RedisConnection::schedule_reconnect() {
  if (!running_) return;
  static thread_local std::mt19937 random{std::random_device{}()};
  const auto ceiling = std::min(options_.backoff_max, options_.backoff_min * (1 << std::min(attempt_++, 10)));
  std::uniform_int_distribution<long> jitter(ceiling.count() / 2, ceiling.count());
  reconnect_timer_.expires_after(std::chrono::milliseconds(jitter(random)));
  reconnect_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->connect();
  });
}

// A PING that is still unanswered when the next one is due means the server
// or the path to it is gone even if the socket looks open.
void RedisConnection::schedule_health_check() {
  health_timer_.expires_after(options_.health_interval);
  health_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->connected_ || !self->subscriptions_.empty()) return;
    if (self->pings_unanswered_ > 0) return self->drop("health check timed out");
    ++self->pings_unanswered_;
    self->command({"PING"}, [weak](std::error_code, const Reply&) {
      if (auto s = weak.lock()) s->pings_unanswered_ = 0;
    });
    self->schedule_health_check();
  });
}

void RedisConnection::command(std::vector<std::string> args, Callback callback) {
  callback = [started = std::chrono::steady_clock::now(), callback = std::move(callback)](std::error_code ec, const Reply& reply) {
    metrics::process().redis_round_trip(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    callback(ec, reply);
  };
  if (!connected_ || !link_) {
    asio::post(executor_, [callback = std::move(callback)] { callback(make_error_code(Errc::not_connected), Reply{}); });
    return;
  }
  send(link_, args, std::move(callback));
}

void RedisConnection::subscribe(const std::string& channel, MessageHandler handler) {
  health_timer_.cancel();  // PING is not allowed in subscribe mode (RESP2)
  auto& slot = subscriptions_[channel];
  const bool fresh = !slot;
  slot = std::make_unique<MessageHandler>(std::move(handler));
  if (fresh && connected_) send_subscribe(channel);
}

// Confirmations of SUBSCRIBE are recognised by their shape and take no
// callback; the handler stays owned by subscriptions_.
void RedisConnection::send_subscribe(const std::string& channel) {
  if (!link_) return;
  link_->subscribed = true;
  send(link_, {"SUBSCRIBE", channel}, nullptr);
}

}  // namespace parley::backend::redis
