#include "net/listener.hpp"
#include "log/log.hpp"

#include "net/http_session.hpp"

#include <iostream>

namespace parley::net {

Listener::Listener(asio::io_context& accept_context, std::vector<asio::any_io_executor> shards,
                   tcp::endpoint endpoint, ServerContext& context)
    : acceptor_(accept_context), shards_(std::move(shards)), context_(context), retry_timer_(accept_context) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(asio::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void Listener::run() { do_accept(); }

void Listener::stop() {
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_timer_.cancel();
  });
}

void Listener::do_accept() {
  auto& shard = shards_[next_shard_++ % shards_.size()];
  acceptor_.async_accept(shard, beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) return back_off(ec);
  backoff_ = std::chrono::milliseconds(0);
  socket.set_option(tcp::no_delay(true), ec);
  const auto peer = socket.remote_endpoint(ec);
  if (ec) return do_accept();  // already gone
  ConnectionSlot slot;
  if (!context_.trusted_proxies.contains(peer.address())) {
    slot = context_.connections.try_open(address_key(peer.address()));
    if (!slot) {
      refuse(socket);
      return do_accept();
    }
  }
  if (context_.tls)
    std::make_shared<HttpSession<tls_stream>>(tls_stream(std::move(socket), *context_.tls), context_, std::move(slot))
        ->run();
  else
    std::make_shared<HttpSession<plain_stream>>(plain_stream(std::move(socket)), context_, std::move(slot))->run();
  do_accept();
}

void Listener::back_off(error_code ec) {
  using namespace std::chrono;
  const auto now = steady_clock::now();
  if (now - last_logged_ >= seconds(10)) {
    log::error("net", "accepting connections failed; pausing accepts",
               {{"error", ec.message()}, {"more_since_last_line", unlogged_errors_}});
    last_logged_ = now;
    unlogged_errors_ = 0;
  } else {
    ++unlogged_errors_;
  }
  backoff_ = std::clamp(backoff_ * 2, milliseconds(10), milliseconds(1000));
  retry_timer_.expires_after(backoff_);
  retry_timer_.async_wait([self = shared_from_this()](error_code wait_ec) {
    if (!wait_ec && self->acceptor_.is_open()) self->do_accept();
  });
}

// Best effort and never blocking: a plain client reads why; a TLS client sees
// the connection end (it cannot read plain text, and a handshake would cost
// what the limit is there to save).
void Listener::refuse(tcp::socket& socket) {
  error_code ec;
  if (!context_.tls) {
    static const std::string response = [] {
      const std::string body =
          R"({"error":"too_many_connections","message":"too many open connections from your network"})";
      return "HTTP/1.1 429 Too Many Requests\r\nServer: parley\r\nContent-Type: application/json\r\n"
             "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n"
             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }();
    socket.non_blocking(true, ec);
    socket.write_some(asio::buffer(response), ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }
  socket.close(ec);
}

}  // namespace parley::net
