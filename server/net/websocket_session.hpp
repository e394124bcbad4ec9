#pragma once
// One WebSocket connection. Runs on its shard's io_context (one thread, so no
// strand); lives as long as an async operation holds shared_from_this().
// Incoming frames are decoded here and posted to the chat service; outgoing
// frames arrive through deliver() from the service's thread and are posted back.

#include "net/beast.hpp"
#include "net/outbox.hpp"
#include "util/token_bucket.hpp"
#include "net/server_context.hpp"

#include <memory>
#include <string>

namespace parley::net {

// Compiled for plain and TLS streams in websocket_session.cpp.
template <class Stream>
class WebSocketSession : public std::enable_shared_from_this<WebSocketSession<Stream>> {
 public:
  // `slot` is this connection's count against its client's address (which is
  // also the address new chats are limited by); released when the session ends.
  WebSocketSession(Stream&& stream, ServerContext& context, ConnectionSlot slot);
  ~WebSocketSession();

  // Accepts the upgrade request that the HTTP session already read.
  void run(http::request<http::string_body> request);

  // Thread-safe: queue a frame / ask for a close. Both post to the session.
  void deliver(protocol::SharedBytes frame);
  void request_close(std::uint16_t code, std::string reason);

 private:
  void on_accept(error_code ec);
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  // False while the frame waits for something (a token check): reading pauses
  // so that frames reach the service in the order they were sent.
  bool handle_message();
  void check_hello(v1::ClientFrame frame);
  void to_service(v1::ClientFrame frame);
  void send_now(protocol::SharedBytes frame);
  void do_write();
  void on_write(error_code ec, std::size_t bytes);
  void begin_close(std::uint16_t code, std::string reason);
  void do_close();
  void fail(error_code ec, const char* what);

  websocket::stream<Stream> ws_;
  ServerContext& context_;
  ConnectionSlot slot_;
  beast::flat_buffer buffer_;
  Outbox outbox_;
  util::TokenBucket limiter_;
  chat::SessionId id_ = 0;
  bool attached_ = false;
  bool writing_ = false;
  bool closing_ = false;
  bool close_sent_ = false;
  websocket::close_reason close_reason_;
  asio::steady_timer close_timer_;
};

}  // namespace parley::net
