#pragma once
// Accepts TCP connections and spreads them round-robin over the shards; a
// connection then stays on its shard's thread for life.

#include "net/beast.hpp"
#include "net/server_context.hpp"

#include <memory>
#include <vector>

namespace parley::net {

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Throws on bind failure: it happens at start-up only.
  Listener(asio::io_context& accept_context, std::vector<asio::any_io_executor> shards, tcp::endpoint endpoint,
           ServerContext& context);
  void run();
  void stop();
  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

 private:
  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);

  tcp::acceptor acceptor_;
  std::vector<asio::any_io_executor> shards_;
  std::size_t next_shard_ = 0;
  ServerContext& context_;
};

}  // namespace parley::net
