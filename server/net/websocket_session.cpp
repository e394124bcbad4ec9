#include "net/websocket_session.hpp"
#include "log/log.hpp"

#include "metrics/metrics.hpp"

#include <chrono>
#include <iostream>

namespace parley::net {
namespace {

// Forwards the service's calls to a session that may already be gone.
template <class Stream>
class SessionOutlet final : public chat::Outlet {
 public:
  explicit SessionOutlet(std::weak_ptr<WebSocketSession<Stream>> session) : session_(std::move(session)) {}
  void deliver(protocol::SharedBytes frame) override {
    if (auto session = session_.lock()) session->deliver(std::move(frame));
  }
  void close(std::uint16_t code, std::string reason) override {
    if (auto session = session_.lock()) session->request_close(code, std::move(reason));
  }

 private:
  std::weak_ptr<WebSocketSession<Stream>> session_;
};

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

template <class Stream>
WebSocketSession<Stream>::WebSocketSession(Stream&& stream, ServerContext& context, ConnectionSlot slot)
    : ws_(std::move(stream)),
      context_(context),
      slot_(std::move(slot)),
      outbox_(context.limits.outbox_frames, context.limits.outbox_bytes),
      limiter_(context.limits.messages_per_second, context.limits.message_burst),
      close_timer_(ws_.get_executor()) {}

template <class Stream>
WebSocketSession<Stream>::~WebSocketSession() {
  if (!attached_) return;
  metrics::process().connection_closed(metrics::Connection::websocket);
  asio::post(context_.hub, [&service = context_.service, id = id_] { service.detach(id); });
}

template <class Stream>
void WebSocketSession<Stream>::run(http::request<http::string_body> request) {
  // Limits are set where the stream is created, before any frame is read.
  beast::get_lowest_layer(ws_).expires_never();
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = context_.limits.handshake_timeout;
  timeouts.idle_timeout = context_.limits.idle_timeout;
  timeouts.keep_alive_pings = true;  // a ping at half the idle time; a live peer's pong keeps it open
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "parley"); }));
  ws_.read_message_max(context_.limits.max_frame_bytes);
  ws_.binary(true);
  ws_.async_accept(request, beast::bind_front_handler(&WebSocketSession::on_accept, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_accept(error_code ec) {
  if (ec) return fail(ec, "accept");
  id_ = context_.next_session_id.fetch_add(1);
  attached_ = true;
  metrics::process().connection_opened(metrics::Connection::websocket);
  auto outlet = std::make_shared<SessionOutlet<Stream>>(this->weak_from_this());
  asio::post(context_.hub, [&service = context_.service, id = id_, outlet, address = slot_.address()] {
    service.attach(id, outlet, address);
  });
  do_read();
}

template <class Stream>
void WebSocketSession<Stream>::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::on_read, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_read(error_code ec, std::size_t) {
  if (ec) return fail(ec, "read");
  const bool go_on = handle_message();
  buffer_.consume(buffer_.size());
  if (go_on && !closing_) do_read();
}

template <class Stream>
bool WebSocketSession<Stream>::handle_message() {
  auto error = [this](v1::ErrorCode code, std::string message, std::uint32_t request_id = 0) {
    send_now(protocol::encode(protocol::make_error(request_id, code, std::move(message))));
    return true;
  };
  if (!ws_.got_binary()) return error(v1::ERROR_CODE_MALFORMED_FRAME, "send binary protobuf frames, not text");
  if (!limiter_.try_take(steady_ms()))
    return error(v1::ERROR_CODE_RATE_LIMITED, "too many frames; slow down");
  const auto data = buffer_.cdata();
  auto decoded = protocol::decode_client_frame(
      std::string_view(static_cast<const char*>(data.data()), data.size()));
  if (!decoded.frame) return error(decoded.error, decoded.detail, decoded.request_id);
  if (decoded.frame->has_hello()) {
    check_hello(std::move(*decoded.frame));
    return false;
  }
  to_service(std::move(*decoded.frame));
  return true;
}

// Tokens are checked here, so the service only ever sees what the server
// itself vouches for (Hello.verified); the token goes no further.
template <class Stream>
void WebSocketSession<Stream>::check_hello(v1::ClientFrame frame) {
  auto& hello = *frame.mutable_hello();
  if (hello.has_verified()) {
    send_now(protocol::encode(protocol::make_error(frame.request_id(), v1::ERROR_CODE_FORBIDDEN,
                                                   "hello.verified is set by the server, never by a client")));
    return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error), "forged identity");
  }
  auto resume = [self = this->shared_from_this()](v1::ClientFrame checked) {
    asio::post(self->ws_.get_executor(), [self, checked = std::move(checked)]() mutable {
      self->to_service(std::move(checked));
      if (!self->closing_) self->do_read();
    });
  };
  if (hello.role() == v1::ROLE_VISITOR) {
    hello.clear_session_token();
    if (!hello.identity_token().empty()) {
      auto checked = context_.identities.verify(hello.identity_token(), wall_ms());
      if (!checked.identity) {
        send_now(protocol::encode(protocol::make_error(frame.request_id(), v1::ERROR_CODE_AUTH_FAILED,
                                                       std::move(checked.refusal))));
        return begin_close(static_cast<std::uint16_t>(websocket::close_code::policy_error), "bad identity token");
      }
      *hello.mutable_verified() = std::move(*checked.identity);
      hello.clear_identity_token();
    }
    return resume(std::move(frame));
  }
  if (hello.session_token().empty()) return resume(std::move(frame));
  const std::string token = hello.session_token();
  hello.clear_session_token();
  context_.staff_auth.verify(token, [frame = std::move(frame), resume](std::optional<v1::VerifiedIdentity> who) mutable {
    if (who) *frame.mutable_hello()->mutable_verified() = std::move(*who);
    resume(std::move(frame));
  });
}

template <class Stream>
void WebSocketSession<Stream>::to_service(v1::ClientFrame frame) {
  asio::post(context_.hub, [&service = context_.service, id = id_, frame = std::move(frame)] {
    service.handle(id, frame);
  });
}

template <class Stream>
void WebSocketSession<Stream>::deliver(protocol::SharedBytes frame) {
  asio::post(ws_.get_executor(), [self = this->shared_from_this(), frame = std::move(frame)]() mutable {
    self->send_now(std::move(frame));
  });
}

template <class Stream>
void WebSocketSession<Stream>::request_close(std::uint16_t code, std::string reason) {
  asio::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)]() mutable {
    self->begin_close(code, std::move(reason));
  });
}

template <class Stream>
void WebSocketSession<Stream>::send_now(protocol::SharedBytes frame) {
  if (closing_) return;
  if (!outbox_.push(std::move(frame))) {
    context_.slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
    metrics::process().outbox_overflow();
    return begin_close(static_cast<std::uint16_t>(websocket::close_code::try_again_later),
                       "slow consumer: outgoing queue full; reconnect and resume");
  }
  metrics::process().websocket_message_sent();
  if (!writing_) do_write();
}

template <class Stream>
void WebSocketSession<Stream>::do_write() {
  writing_ = true;
  ws_.async_write(asio::buffer(*outbox_.front()),
                  beast::bind_front_handler(&WebSocketSession::on_write, this->shared_from_this()));
}

template <class Stream>
void WebSocketSession<Stream>::on_write(error_code ec, std::size_t) {
  writing_ = false;
  if (ec) return fail(ec, "write");
  outbox_.pop();
  if (!outbox_.empty()) return do_write();
  if (closing_) do_close();
}

// Stops taking frames, lets the write in flight finish, then sends the close
// frame. A peer that does not read at all is cut off by the close timer.
template <class Stream>
void WebSocketSession<Stream>::begin_close(std::uint16_t code, std::string reason) {
  if (closing_) return;
  closing_ = true;
  metrics::process().websocket_closed(code);
  close_reason_.code = code;
  close_reason_.reason = reason;
  outbox_.drop_all_but_front();
  close_timer_.expires_after(context_.limits.close_timeout);
  close_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
    if (ec) return;
    error_code ignored;
    beast::get_lowest_layer(self->ws_).socket().close(ignored);
  });
  if (!writing_) do_close();
}

template <class Stream>
void WebSocketSession<Stream>::do_close() {
  if (close_sent_ || !ws_.is_open()) return;
  close_sent_ = true;
  ws_.async_close(close_reason_, [self = this->shared_from_this()](error_code ec) {
    self->close_timer_.cancel();
    if (ec) self->fail(ec, "close");
  });
}

template <class Stream>
void WebSocketSession<Stream>::fail(error_code ec, const char* what) {
  close_timer_.cancel();
  if (ec == asio::error::operation_aborted || ec == websocket::error::closed || ec == beast::error::timeout ||
      ec == asio::error::eof || ec == asio::error::connection_reset || ec == asio::error::not_connected ||
      ec == asio::error::broken_pipe)
    return;
  if (ec == websocket::error::message_too_big) return;  // Beast already closed with 1009
  log::warn("websocket", "connection failed", {{"during", what}, {"error", ec.message()}});
}

template class WebSocketSession<plain_stream>;
template class WebSocketSession<tls_stream>;

}  // namespace parley::net
