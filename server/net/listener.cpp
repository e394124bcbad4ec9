#include "net/listener.hpp"

#include "net/http_session.hpp"

#include <iostream>

namespace parley::net {

Listener::Listener(asio::io_context& accept_context, std::vector<asio::any_io_executor> shards,
                   tcp::endpoint endpoint, ServerContext& context)
    : acceptor_(accept_context), shards_(std::move(shards)), context_(context) {
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
  });
}

void Listener::do_accept() {
  auto& shard = shards_[next_shard_++ % shards_.size()];
  acceptor_.async_accept(shard, beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
}

void Listener::on_accept(error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (ec) {
    // EMFILE and friends: keep listening; the next accept may succeed.
    std::cerr << "parley: accept: " << ec.message() << "\n";
  } else {
    socket.set_option(tcp::no_delay(true), ec);
    if (context_.tls)
      std::make_shared<HttpSession<tls_stream>>(tls_stream(std::move(socket), *context_.tls), context_)->run();
    else
      std::make_shared<HttpSession<plain_stream>>(plain_stream(std::move(socket)), context_)->run();
  }
  do_accept();
}

}  // namespace parley::net
