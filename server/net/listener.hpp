#pragma once
// Accepts TCP connections and spreads them round-robin over the shards; a
// connection then stays on its shard's thread for life. Runs on shard 0.
//
// Out of descriptors (EMFILE, ENFILE) or kernel memory, accepting again at
// once would spin: the pending connection stays in the backlog and the error
// repeats. The listener waits instead, 10 ms doubling to 1 s while the error
// lasts, and logs it at most once per 10 s with the number of repeats. Idle
// connections are closed by their timeouts, which frees descriptors.
//
// A connection from an address that already has its limit of open
// connections (ServerContext::connections) is answered 429 and closed before
// a session is made for it; a trusted proxy's connections are not counted.

#include "net/beast.hpp"
#include "net/server_context.hpp"

#include <chrono>
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
  void back_off(error_code ec);
  void refuse(tcp::socket& socket);

  tcp::acceptor acceptor_;
  std::vector<asio::any_io_executor> shards_;
  std::size_t next_shard_ = 0;
  ServerContext& context_;
  asio::steady_timer retry_timer_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point last_logged_{};
  std::uint64_t unlogged_errors_ = 0;
};

}  // namespace parley::net
