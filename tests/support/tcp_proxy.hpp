#pragma once
// A TCP proxy between test clients and a server, on its own thread, that can
// misbehave on command: cut connections after some bytes, cut them all now,
// stall (stop reading from the server, so the server's send buffer and then
// its outbox fill up), or pass the server's bytes on only slowly.

#include <atomic>
#include <cstddef>
#include <memory>

namespace parley::test {

class TcpProxy {
 public:
  explicit TcpProxy(unsigned short target_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  unsigned short port() const;
  // Connections opened from now on are reset once they carried this many
  // bytes from the server (0: never).
  void cut_after(std::size_t bytes) { cut_after_ = bytes; }
  // Resets every open connection now.
  void cut_all();
  // While on, nothing is read from the server.
  void stall(bool on) { stalled_ = on; }
  // Server-to-client bytes per second on every connection (0: unlimited).
  void slow_reader(std::size_t bytes_per_second) { bytes_per_second_ = bytes_per_second; }
  std::size_t connections_cut() const { return cut_; }

 private:
  struct Impl;
  struct Link;
  std::atomic<std::size_t> cut_after_{0};
  std::atomic<bool> stalled_{false};
  std::atomic<std::size_t> bytes_per_second_{0};
  std::atomic<std::size_t> cut_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::test
