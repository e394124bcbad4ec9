#include "support/redis_server.hpp"

#include "support/ready_line.hpp"

#include <hiredis/hiredis.h>

#include <csignal>
#include <cstdio>
#include <stdexcept>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

namespace parley::test {

unsigned short free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

RedisServer::RedisServer(std::vector<std::string> extra_args) : extra_args_(std::move(extra_args)) {
  char pattern[] = "/tmp/parley-redis-XXXXXX";
  if (!::mkdtemp(pattern)) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  port_ = free_port();
  start();
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGTERM);
  }
  wait_exit();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void RedisServer::start() {
  std::vector<std::string> args{"redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                                "--dir", dir_.string(), "--save", "", "--appendonly", "no", "--daemonize", "no"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  int output = -1;
  pid_ = spawn_test_server(std::move(args), output);
  // One thread reads the log: it reports readiness, then keeps the pipe drained.
  if (!wait_for_ready_line(output, "Ready to accept connections", std::chrono::seconds(20), drain_)) {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
    wait_exit();  // joins the output reader, so the exception does not end the test binary
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
  }
}

void RedisServer::kill_hard() {
  if (pid_ > 0) ::kill(pid_, SIGKILL);
  wait_exit();
}

void RedisServer::pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void RedisServer::wait_exit() {
  if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  if (drain_.joinable()) drain_.join();
}

std::vector<std::string> RedisServer::command(const std::vector<std::string>& args) const {
  redisContext* context = redisConnect("127.0.0.1", port_);
  if (!context || context->err) {
    if (context) redisFree(context);
    throw std::runtime_error("cannot connect to the test redis-server");
  }
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(argv.size()), argv.data(), lengths.data()));
  std::vector<std::string> result;
  std::string error;
  auto add = [&](const redisReply* r) {
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS) result.emplace_back(r->str, r->len);
    else if (r->type == REDIS_REPLY_INTEGER) result.push_back(std::to_string(r->integer));
    else if (r->type == REDIS_REPLY_ERROR) error.assign(r->str, r->len);
  };
  if (!reply) error = "no reply";
  else if (reply->type == REDIS_REPLY_ARRAY)
    for (size_t i = 0; i < reply->elements; ++i) add(reply->element[i]);
  else add(reply);
  if (reply) freeReplyObject(reply);
  redisFree(context);
  if (!error.empty()) throw std::runtime_error("redis: " + error);
  return result;
}

}  // namespace parley::test
