#pragma once
// One plain HTTP connection: /healthz, static files, and the /ws upgrade,
// after which the socket moves to a WebSocketSession. Runs on its shard.

#include "net/beast.hpp"
#include "net/server_context.hpp"

#include <memory>
#include <optional>

namespace parley::net {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, ServerContext& context);
  void run();

 private:
  void do_read();
  void on_read(error_code ec, std::size_t bytes);
  void reply_health(http::request<http::string_body> req);
  template <class Response>
  void write(Response&& response);
  void on_write(bool keep_alive, error_code ec, std::size_t bytes);

  beast::tcp_stream stream_;
  ServerContext& context_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<void> response_;  // keeps the response alive while it is written
};

}  // namespace parley::net
