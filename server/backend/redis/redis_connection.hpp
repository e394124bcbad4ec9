#pragma once
// One Redis connection on an Asio executor (hiredis async, see asio_adapter).
// It reconnects by itself with jittered exponential backoff, checks health
// with PING, and re-subscribes its channels after every reconnect. A command
// issued while disconnected fails at once with Errc::not_connected (posted,
// never inline); one in flight when the connection drops fails with
// Errc::connection_lost. Every callback runs on the executor.
//
// A connection that subscribes uses SUBSCRIBE mode and can run no other
// command: keep one connection for commands and one for subscriptions.

#include "backend/redis/reply.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

struct redisAsyncContext;

namespace parley::backend::redis {

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 6379;
  int database = 0;
  // AUTH on every connect when set: a password (requirepass), or an ACL user and its password.
  std::string username;
  std::string password;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds health_interval{1000};  // PING this often; no answer by the next one: reconnect
};

// Parses redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (user and password
// percent-decoded). Throws std::invalid_argument with a reason that never
// repeats the password. rediss:// (TLS) is refused with a clear reason.
ConnectionOptions parse_redis_url(const std::string& url);

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Callback = std::function<void(std::error_code, const Reply&)>;
  using MessageHandler = std::function<void(const std::string& channel, const std::string& payload)>;

  RedisConnection(boost::asio::any_io_executor executor, ConnectionOptions options);
  ~RedisConnection();

  void start();
  void stop();
  bool connected() const { return connected_; }
  const boost::asio::any_io_executor& executor() const { return executor_; }

  void command(std::vector<std::string> args, Callback callback);
  // Calls `handler` for every message on `channel`, across reconnects.
  void subscribe(const std::string& channel, MessageHandler handler);

  // Connection state changes, for metrics and for callers that must resync.
  std::function<void()> on_connected;
  std::function<void(const std::string& reason)> on_disconnected;

 private:
  struct Pending;
  void connect();
  void on_connect_result(int status);
  void on_disconnect(int status);
  void schedule_reconnect();
  void schedule_health_check();
  void select_database_then_ready();
  void ready();
  void send_subscribe(const std::string& channel);
  void drop(const std::string& reason);

  static void on_reply(redisAsyncContext* context, void* reply, void* privdata);
  static void on_message(redisAsyncContext* context, void* reply, void* privdata);

  boost::asio::any_io_executor executor_;
  ConnectionOptions options_;
  redisAsyncContext* context_ = nullptr;
  bool connected_ = false;
  bool ever_ready_ = false;  // a later ready() is a reconnect (metrics)
  bool running_ = false;
  int attempt_ = 0;
  std::uint64_t pings_unanswered_ = 0;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer health_timer_;
  std::map<std::string, std::unique_ptr<MessageHandler>> subscriptions_;
};

}  // namespace parley::backend::redis
