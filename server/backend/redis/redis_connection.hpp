#pragma once
// One Redis connection on an Asio executor. Asio owns the socket (plain TCP,
// or TLS for rediss://); hiredis is used only to format commands and to parse
// replies (its reader), so the same code serves both and TLS needs nothing
// hiredis 0.14 lacks. The connection reconnects by itself with jittered
// exponential backoff, checks health with PING, and re-subscribes its channels
// after every reconnect. A command issued while disconnected fails at once
// with Errc::not_connected (posted, never inline); one in flight when the
// connection drops fails with Errc::connection_lost. Every callback runs on
// the executor.
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

namespace boost::asio::ssl {
class context;
}

namespace parley::backend::redis {

struct ConnectionOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 6379;
  int database = 0;
  // AUTH on every connect when set: a password (requirepass), or an ACL user and its password.
  std::string username;
  std::string password;
  // rediss://: TLS, the server's certificate checked against the CA file (or
  // the system's trusted CAs) and the host name; a client certificate when the
  // server asks for one (tls-auth-clients yes).
  bool tls = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  std::chrono::milliseconds health_interval{1000};  // PING this often; no answer by the next one: reconnect
};

// Parses redis[s]://[[USER]:PASSWORD@]HOST[:PORT][/DB] (user and password
// percent-decoded). Throws std::invalid_argument with a reason that never
// repeats the password.
ConnectionOptions parse_redis_url(const std::string& url);

// The TLS client context of `options` (tls must be set). Throws
// std::runtime_error naming the file that cannot be loaded, so a bad CA or
// key is a configuration error at start, not a reconnect loop.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const ConnectionOptions& options);

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
 public:
  using Callback = std::function<void(std::error_code, const Reply&)>;
  using MessageHandler = std::function<void(const std::string& channel, const std::string& payload)>;

  RedisConnection(boost::asio::any_io_executor executor, ConnectionOptions options);
  ~RedisConnection();

  void start();
  // Lets the commands already sent finish, then closes; new ones are refused.
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
  struct Link;
  void connect();
  void handshake(const std::shared_ptr<Link>& link);
  void authenticate_then_ready(const std::shared_ptr<Link>& link);
  void ready();
  void send(const std::shared_ptr<Link>& link, const std::vector<std::string>& args, Callback callback);
  void flush(const std::shared_ptr<Link>& link);
  void read(const std::shared_ptr<Link>& link);
  bool deliver(const std::shared_ptr<Link>& link, Reply reply);
  void send_subscribe(const std::string& channel);
  void drop(const std::string& reason);
  void close_link(std::error_code pending_error);
  void schedule_reconnect();
  void schedule_health_check();

  boost::asio::any_io_executor executor_;
  ConnectionOptions options_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<Link> link_;  // the current connection attempt; completions of an older one are ignored
  bool connected_ = false;
  bool ever_ready_ = false;  // a later ready() is a reconnect (metrics)
  bool running_ = false;
  bool draining_ = false;    // stopped: close once the last reply is in
  int attempt_ = 0;
  std::uint64_t pings_unanswered_ = 0;
  std::string last_failure_;  // logged once until it changes
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer health_timer_;
  std::map<std::string, std::unique_ptr<MessageHandler>, std::less<>> subscriptions_;
};

}  // namespace parley::backend::redis
