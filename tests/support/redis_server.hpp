#pragma once
// A real redis-server for tests: own free port, own temporary directory,
// stopped (and the directory removed) at the end. Readiness is the server's
// own "Ready to accept connections" line, not a sleep.

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

namespace parley::test {

class RedisServer {
 public:
  explicit RedisServer(std::vector<std::string> extra_args = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  unsigned short port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
  void kill_hard();  // SIGKILL, as a crash
  void pause();      // SIGSTOP: the socket stays open, nothing answers
  void resume();     // SIGCONT
  void start();      // (re)start on the same port and directory
  // One command over a fresh connection: a string or integer reply as one
  // element, an array's elements, nothing for nil. Throws on an error reply.
  std::vector<std::string> command(const std::vector<std::string>& args) const;

 private:
  void wait_exit();
  std::filesystem::path dir_;
  std::vector<std::string> extra_args_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
  std::thread drain_;
};

// A port that was free a moment ago (bind to 0, read, close).
unsigned short free_port();

}  // namespace parley::test
