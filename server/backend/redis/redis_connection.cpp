#include "backend/redis/redis_connection.hpp"
#include "log/log.hpp"

#include "metrics/metrics.hpp"

#include "backend/redis/asio_adapter.hpp"

#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <cctype>
#include <iostream>
#include <random>
#include <stdexcept>

namespace parley::backend::redis {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "redis"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::not_connected: return "not connected to Redis";
      case Errc::connection_lost: return "Redis connection lost before the reply";
      case Errc::server_error: return "Redis returned an error";
      case Errc::timeout: return "Redis did not answer in time";
      case Errc::stopped: return "Redis connection stopped";
    }
    return "unknown Redis error";
  }
};

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.type = Reply::Type::string; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.type = Reply::Type::status; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_ERROR: out.type = Reply::Type::error; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.type = Reply::Type::integer; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: out.type = Reply::Type::nil; break;
  }
  return out;
}

// hiredis' connect/disconnect callbacks carry no user pointer: the owner is
// kept in the context's spare `data` field.
RedisConnection* owner(const redisAsyncContext* context) { return static_cast<RedisConnection*>(context->data); }

}  // namespace

const std::error_category& error_category() {
  static const Category category;
  return category;
}

namespace {
std::string percent_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}
}  // namespace

ConnectionOptions parse_redis_url(const std::string& url) {
  const std::string scheme = "redis://";
  if (url.rfind("rediss://", 0) == 0)
    throw std::invalid_argument("rediss:// (TLS) is not supported yet; use redis:// on a private network or loopback");
  if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]");
  ConnectionOptions options;
  std::string rest = url.substr(scheme.size());
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    const std::string credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = credentials.find(':');
    if (colon == std::string::npos) throw std::invalid_argument("credentials must be USER:PASSWORD@ or :PASSWORD@");
    options.username = percent_decode(credentials.substr(0, colon));
    options.password = percent_decode(credentials.substr(colon + 1));
    if (options.password.empty()) throw std::invalid_argument("the password after ':' is empty");
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    const std::string db = rest.substr(slash + 1);
    rest.resize(slash);
    if (!db.empty()) {
      std::size_t used = 0;
      int value = -1;
      try { value = std::stoi(db, &used); } catch (const std::exception&) {}
      if (value < 0 || value > 15 || used != db.size()) throw std::invalid_argument("database must be 0..15, got \"" + db + "\"");
      options.database = value;
    }
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    const std::string port = rest.substr(colon + 1);
    std::size_t used = 0;
    long value = -1;
    try { value = std::stol(port, &used); } catch (const std::exception&) {}
    if (value < 1 || value > 65535 || used != port.size()) throw std::invalid_argument("port must be 1..65535, got \"" + port + "\"");
    options.port = static_cast<unsigned short>(value);
    rest.resize(colon);
  }
  if (rest.empty()) throw std::invalid_argument("missing host");
  options.host = rest;
  return options;
}

struct RedisConnection::Pending {
  Callback callback;
};

RedisConnection::RedisConnection(boost::asio::any_io_executor executor, ConnectionOptions options)
    : executor_(executor),
      options_(std::move(options)),
      reconnect_timer_(executor),
      connect_timer_(executor),
      health_timer_(executor) {}

RedisConnection::~RedisConnection() {
  running_ = false;
  if (context_) {
    context_->data = nullptr;
    redisAsyncFree(context_);  // fails pending commands with connection_lost
  }
}

void RedisConnection::start() {
  if (running_) return;
  running_ = true;
  connect();
}

void RedisConnection::stop() {
  running_ = false;
  reconnect_timer_.cancel();
  connect_timer_.cancel();
  health_timer_.cancel();
  if (context_) redisAsyncDisconnect(context_);  // lets queued commands finish, then on_disconnect
}

void RedisConnection::connect() {
  if (!running_) return;
  redisAsyncContext* context = redisAsyncConnect(options_.host.c_str(), options_.port);
  if (!context) return schedule_reconnect();
  if (context->err) {
    redisAsyncFree(context);
    return schedule_reconnect();
  }
  context->data = this;
  attach_asio(context, executor_);
  redisAsyncSetConnectCallback(context, [](const redisAsyncContext* c, int status) {
    if (auto* self = owner(c)) self->on_connect_result(status);
  });
  redisAsyncSetDisconnectCallback(context, [](const redisAsyncContext* c, int status) {
    if (auto* self = owner(c)) self->on_disconnect(status);
  });
  context_ = context;
  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([weak = weak_from_this(), context](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->context_ != context || self->connected_) return;
    self->drop("connect timeout");
  });
}

// Frees the current context (failing what is pending) and reconnects later.
void RedisConnection::drop(const std::string& reason) {
  redisAsyncContext* context = context_;
  const bool was_connected = connected_;
  context_ = nullptr;
  connected_ = false;
  if (context) {
    context->data = nullptr;  // no callbacks into us from the free below
    redisAsyncFree(context);
  }
  if (was_connected && on_disconnected) on_disconnected(reason);
  schedule_reconnect();
}

void RedisConnection::on_connect_result(int status) {
  if (status != REDIS_OK) {
    connect_timer_.cancel();
    // hiredis frees the context right after this callback.
    context_ = nullptr;
    return schedule_reconnect();
  }
  select_database_then_ready();
}

// A TCP connect can succeed while the server cannot answer (a stopped process
// still has a listen backlog): only an answer to SELECT/PING makes us ready,
// and the connect timer runs until then. With credentials, AUTH goes first on
// the same pipeline; if Redis refuses it, the SELECT/PING after it fails too
// and the connection is retried with backoff (the refusal is logged, without
// the password).
void RedisConnection::select_database_then_ready() {
  if (!options_.password.empty()) {
    std::vector<const char*> argv{"AUTH"};
    std::vector<size_t> lens{4};
    if (!options_.username.empty()) {
      argv.push_back(options_.username.c_str());
      lens.push_back(options_.username.size());
    }
    argv.push_back(options_.password.c_str());
    lens.push_back(options_.password.size());
    auto* auth = new Pending{[](std::error_code ec, const Reply& reply) {
      if (ec) log::error("redis", "AUTH refused", {{"error", reply.str.empty() ? ec.message() : reply.str}});
    }};
    if (redisAsyncCommandArgv(context_, &RedisConnection::on_reply, auth, static_cast<int>(argv.size()), argv.data(),
                              lens.data()) != REDIS_OK)
      delete auth;
  }
  const std::string db = std::to_string(options_.database);
  const bool select = options_.database != 0;
  const char* argv[] = {select ? "SELECT" : "PING", db.c_str()};
  const size_t lens[] = {select ? 6u : 4u, db.size()};
  auto* pending = new Pending{[weak = weak_from_this()](std::error_code ec, const Reply&) {
                                auto self = weak.lock();
                                if (!self || ec) return;  // a failed SELECT: the timer drops and retries
                                self->connect_timer_.cancel();
                                self->ready();
                              }};
  if (redisAsyncCommandArgv(context_, &RedisConnection::on_reply, pending, select ? 2 : 1, argv, lens) != REDIS_OK)
    delete pending;
}

void RedisConnection::ready() {
  if (ever_ready_) metrics::process().redis_reconnect();
  ever_ready_ = true;
  connected_ = true;
  attempt_ = 0;
  pings_unanswered_ = 0;
  for (const auto& [channel, handler] : subscriptions_) send_subscribe(channel);
  if (subscriptions_.empty()) schedule_health_check();
  if (on_connected) on_connected();
}

void RedisConnection::on_disconnect(int) {
  // hiredis frees the context right after this callback.
  context_ = nullptr;
  const bool was_connected = connected_;
  connected_ = false;
  health_timer_.cancel();
  if (was_connected && on_disconnected) on_disconnected(running_ ? "connection lost" : "stopped");
  schedule_reconnect();
}

void RedisConnection::schedule_reconnect() {
  if (!running_) return;
  static thread_local std::mt19937 random{std::random_device{}()};
  const auto ceiling = std::min(options_.backoff_max, options_.backoff_min * (1 << std::min(attempt_++, 10)));
  std::uniform_int_distribution<long> jitter(ceiling.count() / 2, ceiling.count());
  reconnect_timer_.expires_after(std::chrono::milliseconds(jitter(random)));
  reconnect_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    if (auto self = weak.lock(); self && !ec) self->connect();
  });
}

// A PING that is still unanswered when the next one is due means the server
// or the path to it is gone even if the socket looks open.
void RedisConnection::schedule_health_check() {
  health_timer_.expires_after(options_.health_interval);
  health_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || !self->connected_ || !self->subscriptions_.empty()) return;
    if (self->pings_unanswered_ > 0) return self->drop("health check timed out");
    ++self->pings_unanswered_;
    self->command({"PING"}, [weak](std::error_code, const Reply&) {
      if (auto s = weak.lock()) s->pings_unanswered_ = 0;
    });
    self->schedule_health_check();
  });
}

void RedisConnection::command(std::vector<std::string> args, Callback callback) {
  callback = [started = std::chrono::steady_clock::now(), callback = std::move(callback)](std::error_code ec, const Reply& reply) {
    metrics::process().redis_round_trip(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    callback(ec, reply);
  };
  if (!connected_ || !context_) {
    boost::asio::post(executor_, [callback = std::move(callback)] {
      callback(make_error_code(Errc::not_connected), Reply{});
    });
    return;
  }
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* pending = new Pending{std::move(callback)};
  if (redisAsyncCommandArgv(context_, &RedisConnection::on_reply, pending, static_cast<int>(argv.size()), argv.data(),
                            lens.data()) != REDIS_OK) {
    auto cb = std::move(pending->callback);
    delete pending;
    boost::asio::post(executor_, [cb = std::move(cb)] { cb(make_error_code(Errc::not_connected), Reply{}); });
  }
}

void RedisConnection::on_reply(redisAsyncContext*, void* reply, void* privdata) {
  std::unique_ptr<Pending> pending(static_cast<Pending*>(privdata));
  if (!reply) return pending->callback(make_error_code(Errc::connection_lost), Reply{});
  Reply converted = convert(static_cast<redisReply*>(reply));
  const auto ec = converted.is_error() ? make_error_code(Errc::server_error) : std::error_code{};
  pending->callback(ec, converted);
}

void RedisConnection::subscribe(const std::string& channel, MessageHandler handler) {
  health_timer_.cancel();  // PING is not allowed in subscribe mode (RESP2)
  auto& slot = subscriptions_[channel];
  const bool fresh = !slot;
  slot = std::make_unique<MessageHandler>(std::move(handler));
  if (fresh && connected_) send_subscribe(channel);
}

void RedisConnection::send_subscribe(const std::string& channel) {
  const char* argv[] = {"SUBSCRIBE", channel.c_str()};
  const size_t lens[] = {9, channel.size()};
  // The handler outlives the subscription: it is owned by subscriptions_.
  redisAsyncCommandArgv(context_, &RedisConnection::on_message, subscriptions_.at(channel).get(), 2, argv, lens);
}

void RedisConnection::on_message(redisAsyncContext*, void* reply, void* privdata) {
  auto* r = static_cast<redisReply*>(reply);
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
  if (std::string_view(r->element[0]->str, r->element[0]->len) != "message") return;
  const auto& handler = *static_cast<MessageHandler*>(privdata);
  handler(std::string(r->element[1]->str, r->element[1]->len), std::string(r->element[2]->str, r->element[2]->len));
}

}  // namespace parley::backend::redis
