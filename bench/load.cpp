// parley-bench: a load generator for parley-server over real loopback WebSockets.
//
// Starts the server binary (embedded backend), signs in A agents, opens V visitor
// chats (all assigned), then every visitor sends M messages paced at R per second.
// Reports delivery latency visitor -> agent (p50/p99/max), throughput, and the
// server's resident memory per connection (from /proc). See docs/performance.md.
//
// --churn N instead opens and closes N chats in sequence (--visitors of them at
// a time): each visitor starts a chat, is served, sends --messages messages,
// ends the chat, rates it and leaves. Reports the server's RSS every tenth of
// the run and how long /healthz takes at the end: memory must follow what is
// live, not history.
#include "auth/accounts_file.hpp"
#include "auth/password.hpp"
#include "parley/v1/protocol.pb.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace v1 = parley::v1;
using Clock = std::chrono::steady_clock;

namespace {

// POST /api/login, as the console does; the session token, or exits.
std::string sign_in(const asio::ip::tcp::endpoint& endpoint, const std::string& id, const std::string& password) {
  namespace http = beast::http;
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(endpoint);
  http::request<http::string_body> req{http::verb::post, "/api/login", 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(endpoint.port()));
  req.set(http::field::content_type, "application/json");
  req.body() = R"({"agent_id":")" + id + R"(","password":")" + password + R"("})";
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  const auto& body = res.body();
  const auto at = body.find("\"token\":\"");
  if (res.result() != http::status::ok || at == std::string::npos) {
    std::cerr << "parley-bench: sign-in of " << id << " failed: " << body << "\n";
    std::exit(1);
  }
  return body.substr(at + 9, body.find('"', at + 9) - at - 9);
}

struct Options {
  std::string server = "build/server/parley-server";
  int visitors = 1000;
  int agents = 50;
  int messages = 20;
  double rate = 2.0;  // messages per second per visitor
  int threads = 2;
  std::string redis;  // non-empty: run the server as a cluster node on this Redis (with --database)
  std::string data_dir;  // non-empty: the server keeps its records in SQLite there
  std::string database;  // non-empty: ... or in this PostgreSQL database
  long churn = 0;        // non-zero: open and close this many chats in sequence
  double visitor_timeout = 0;  // non-zero: the server's --visitor-timeout
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// One WebSocket client: a read loop and a write queue, on the bench's io_context.
class Client : public std::enable_shared_from_this<Client> {
 public:
  using Handler = std::function<void(Client&, const v1::ServerFrame&)>;
  Client(asio::io_context& io, Handler handler) : ws_(io), handler_(std::move(handler)) {}

  void connect(const asio::ip::tcp::endpoint& endpoint, std::function<void()> ready) {
    beast::get_lowest_layer(ws_).async_connect(endpoint, [self = shared_from_this(), ready](beast::error_code ec) {
      if (ec) return fail("connect", ec);
      beast::get_lowest_layer(self->ws_).socket().set_option(asio::ip::tcp::no_delay(true));
      self->ws_.binary(true);
      self->ws_.async_handshake("127.0.0.1", "/ws", [self, ready](beast::error_code hec) {
        if (hec) return fail("handshake", hec);
        self->read();
        ready();
      });
    });
  }
  void send(const v1::ClientFrame& frame) {
    queue_.push_back(frame.SerializeAsString());
    if (queue_.size() == 1) write();
  }
  std::string conversation;
  std::string name;
  int sent = 0;
  void close() {
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {});
  }

 private:
  static void fail(const char* what, beast::error_code ec) {
    std::cerr << "parley-bench: " << what << ": " << ec.message() << "\n";
    std::exit(1);
  }
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      v1::ServerFrame frame;
      const auto data = self->buffer_.cdata();
      frame.ParseFromArray(data.data(), static_cast<int>(data.size()));
      self->buffer_.clear();
      self->handler_(*self, frame);
      self->read();
    });
  }
  void write() {
    ws_.async_write(asio::buffer(queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return fail("write", ec);
      self->queue_.pop_front();
      if (!self->queue_.empty()) self->write();
    });
  }
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  Handler handler_;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--server") o.server = value;
    else if (flag == "--visitors") o.visitors = std::stoi(value);
    else if (flag == "--agents") o.agents = std::stoi(value);
    else if (flag == "--messages") o.messages = std::stoi(value);
    else if (flag == "--rate") o.rate = std::stod(value);
    else if (flag == "--threads") o.threads = std::stoi(value);
    else if (flag == "--redis") o.redis = value;
    else if (flag == "--data-dir") o.data_dir = value;
    else if (flag == "--database") o.database = value;
    else if (flag == "--churn") o.churn = std::stol(value);
    else if (flag == "--visitor-timeout") o.visitor_timeout = std::stod(value);
    else {
      std::cerr << "usage: parley-bench [--server PATH] [--visitors N] [--agents N] [--messages N] [--rate PER_S]"
                   " [--threads N] [--redis redis://HOST:PORT] [--data-dir DIR] [--database postgres://...] [--churn N] [--visitor-timeout S]\n";
      std::exit(2);
    }
  }
  return o;
}

}  // namespace

// GET /healthz; the time it took, in ms (and its body in *body).
double healthz_ms(const asio::ip::tcp::endpoint& endpoint, std::string* body = nullptr) {
  namespace http = beast::http;
  const auto start = Clock::now();
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(endpoint);
  http::request<http::string_body> req{http::verb::get, "/healthz", 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  if (body) *body = res.body();
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// A number field of a flat JSON object, or -1.
long json_number(const std::string& body, const std::string& name) {
  const auto at = body.find("\"" + name + "\":");
  return at == std::string::npos ? -1 : std::atol(body.c_str() + at + name.size() + 3);
}

// One visitor's whole story, again and again, `o.visitors` at a time, until
// o.churn chats were closed and rated.
template <class RunUntil>
int run_churn(const Options& o, asio::io_context& io, const asio::ip::tcp::endpoint& endpoint, pid_t pid,
              RunUntil& run_until) {
  long started = 0, finished = 0;
  struct Sample {
    long chats, rss_kib;
    double seconds;
  };
  std::vector<Sample> samples;
  const auto begin = Clock::now();
  const long sample_every = std::max(1L, o.churn / 10);
  std::function<void()> next;
  next = [&] {
    if (started >= o.churn) return;
    const long n = started++;
    auto handler = [&, n](Client& c, const v1::ServerFrame& f) {
      auto send = [&c](std::uint32_t req, auto fill) {
        v1::ClientFrame frame;
        frame.set_request_id(req);
        fill(frame);
        c.send(frame);
      };
      if (f.has_ack() && f.ack().request_id() == 1) c.conversation = f.ack().conversation_id();
      if (f.has_agent_joined() || (f.has_ack() && f.ack().request_id() == 3)) {
        if (c.sent < o.messages) {
          ++c.sent;
          send(3, [&](v1::ClientFrame& m) {
            m.mutable_send_message()->set_conversation_id(c.conversation);
            m.mutable_send_message()->set_client_message_id("m" + std::to_string(c.sent));
            m.mutable_send_message()->set_text(std::to_string(now_us()) + " my withdrawal 0x" + std::to_string(n) + " is still pending, message " +
                                               std::to_string(c.sent));
          });
        } else {
          send(4, [&](v1::ClientFrame& m) { m.mutable_close_chat()->set_conversation_id(c.conversation); });
        }
      }
      if (f.has_ack() && f.ack().request_id() == 4)
        send(5, [&](v1::ClientFrame& m) {
          m.mutable_rate_chat()->set_conversation_id(c.conversation);
          m.mutable_rate_chat()->set_score(5);
        });
      if (f.has_ack() && f.ack().request_id() == 5) {
        c.close();
        if (++finished % sample_every == 0)
          samples.push_back({finished, rss_kib(pid), std::chrono::duration<double>(Clock::now() - begin).count()});
        next();
      }
    };
    auto visitor = std::make_shared<Client>(io, handler);
    visitor->connect(endpoint, [visitor, n] {
      v1::ClientFrame hello;
      hello.mutable_hello()->set_role(v1::ROLE_VISITOR);
      visitor->send(hello);
      v1::ClientFrame start;
      start.set_request_id(1);
      start.mutable_start_chat()->set_category(v1::CATEGORY_WITHDRAWAL);
      start.mutable_start_chat()->set_first_message("0 my withdrawal has not arrived");
      start.mutable_start_chat()->set_client_message_id("c" + std::to_string(n));
      visitor->send(start);
    });
  };
  const long rss_start = rss_kib(pid);
  for (int i = 0; i < o.visitors; ++i) next();
  run_until([&] { return finished >= o.churn; }, std::chrono::seconds(3600));
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::printf("churn              %ld chats opened, served (%d messages each), closed and rated in %.1f s = %.0f chats/s, %d at a time\n",
              finished, o.messages, seconds, finished / seconds, o.visitors);
  std::printf("server RSS         start %ld KiB", rss_start);
  for (const auto& sample : samples) std::printf(", %ldk: %ld", sample.chats / 1000, sample.rss_kib);
  std::printf(" KiB\nchats/s per tenth ");
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const double dt = samples[i].seconds - (i ? samples[i - 1].seconds : 0.0);
    std::printf(" %.0f", static_cast<double>(sample_every) / dt);
  }
  std::printf("\n");
  double worst = 0;
  std::string body;
  for (int i = 0; i < 20; ++i) worst = std::max(worst, healthz_ms(endpoint, &body));
  std::printf("/healthz           slowest of 20 after the run: %.2f ms; visitors remembered: %ld\n", worst,
              json_number(body, "visitors"));
  if (o.visitor_timeout > 0) {
    // Everyone rated and left: after the visitor timeout nobody is remembered.
    const auto until = Clock::now() + std::chrono::milliseconds(static_cast<long>(o.visitor_timeout * 1000) + 1500);
    while (Clock::now() < until) io.run_one_for(std::chrono::milliseconds(100));
    healthz_ms(endpoint, &body);
    std::printf("after the visitor timeout: visitors remembered %ld, RSS %ld KiB\n", json_number(body, "visitors"),
                rss_kib(pid));
  }
  return 0;
}

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const int capacity = std::min(50, (o.visitors + o.agents - 1) / o.agents);
  if (capacity * o.agents < o.visitors) {
    std::cerr << "parley-bench: at most 50 chats per agent; add agents\n";
    return 2;
  }
  // Agents file for this run.
  char dir_pattern[] = "/tmp/parley-bench-XXXXXX";
  const std::string dir = mkdtemp(dir_pattern);
  const std::string agents_file = dir + "/agents.json";
  {
    parley::chat::AccountDirectory accounts;
    const auto hash = parley::auth::hash_password("bench-password", parley::auth::HashCost::minimal);
    for (int i = 0; i < o.agents; ++i) {
      parley::chat::AgentAccount a;
      a.id = "a" + std::to_string(i);
      a.role = v1::ROLE_AGENT;
      a.max_capacity = static_cast<std::uint32_t>(capacity);
      a.password_hash = hash;
      accounts.emplace(a.id, a);
    }
    parley::auth::save_accounts(agents_file, accounts);
  }
  // The server, with limits raised for a load test.
  int out[2];
  if (pipe(out) != 0) return 1;
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    const std::string threads = std::to_string(o.threads);
    std::vector<const char*> args{o.server.c_str(), "--listen", "127.0.0.1:0", "--threads", threads.c_str(),
                                  "--agents", agents_file.c_str(), "--messages-per-second", "1000",
                                  "--login-attempts-per-minute", "10000", "--max-connections-per-ip", "1000000",
                                  "--new-chats-per-ip-per-minute", "1000000", "--max-chat-messages", "1000000",
                                  "--max-chat-kib", "1048576"};
    if (!o.redis.empty()) {
      args.push_back("--redis");
      args.push_back(o.redis.c_str());
    }
    if (!o.data_dir.empty()) {
      args.push_back("--data-dir");
      args.push_back(o.data_dir.c_str());
    }
    if (!o.database.empty()) {
      args.push_back("--database");
      args.push_back(o.database.c_str());
    }
    if (o.redis.empty() && o.data_dir.empty() && o.database.empty()) args.push_back("--memory-only");
    const std::string visitor_timeout = std::to_string(o.visitor_timeout);
    if (o.visitor_timeout > 0) {
      args.push_back("--visitor-timeout");
      args.push_back(visitor_timeout.c_str());
    }
    args.push_back(nullptr);
    execv(args[0], const_cast<char* const*>(args.data()));
    _exit(127);
  }
  close(out[1]);
  FILE* stream = fdopen(out[0], "r");
  char line[512] = {};
  if (!fgets(line, sizeof line, stream)) {
    std::cerr << "parley-bench: server did not start\n";
    return 1;
  }
  const char* at = std::strstr(line, "127.0.0.1:");
  const auto port = static_cast<unsigned short>(std::atoi(at + 10));
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  const long rss_idle = rss_kib(pid);
  // A cluster node runs the chats once it leads (it opens and loads the records first).
  if (!o.redis.empty()) {
    std::string health;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (health.find("\"cluster_role\":\"leader\"") == std::string::npos && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a process we do not control
      healthz_ms(endpoint, &health);
    }
  }

  asio::io_context io;
  std::vector<std::int64_t> latencies;
  latencies.reserve(static_cast<std::size_t>(o.visitors) * o.messages);
  int agents_ready = 0, assigned = 0, acked = 0;
  const int total = o.visitors * o.messages;
  std::vector<std::shared_ptr<Client>> agents, visitors;

  auto agent_handler = [&](Client& client, const v1::ServerFrame& f) {
    if (f.has_ack() && f.ack().request_id() == 2) ++agents_ready;
    if (f.has_welcome()) {
      v1::ClientFrame online;
      online.set_request_id(2);
      online.mutable_set_agent_status()->set_status(v1::AGENT_STATUS_ONLINE);
      client.send(online);
    }
    if (f.has_message() && !f.message().system()) {
      const auto& text = f.message().text();
      latencies.push_back(now_us() - std::stoll(text.substr(0, text.find(' '))));
    }
  };
  auto visitor_handler = [&](Client& client, const v1::ServerFrame& f) {
    if (f.has_ack()) {
      if (f.ack().seq() == 1) client.conversation = f.ack().conversation_id();
      else ++acked;
    }
    if (f.has_agent_joined()) ++assigned;
  };

  auto run_until = [&](auto done, std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (!done() && Clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
    if (!done()) {
      std::cerr << "parley-bench: timed out\n";
      kill(pid, SIGTERM);
      std::exit(1);
    }
  };

  // A cluster node answers only once a leader is elected: probe until a Hello is welcomed.
  // The probe lives on after this loop (its socket keeps reading, and more frames
  // follow the Welcome), so what it sets is owned by it, not by the loop.
  for (auto welcomed = std::make_shared<bool>(false); !*welcomed;) {
    auto probe = std::make_shared<Client>(io, [welcomed](Client&, const v1::ServerFrame& f) { *welcomed |= f.has_welcome(); });
    probe->connect(endpoint, [probe] {
      v1::ClientFrame hello;
      hello.mutable_hello()->set_role(v1::ROLE_VISITOR);
      probe->send(hello);
    });
    const auto until = Clock::now() + std::chrono::milliseconds(500);
    while (!*welcomed && Clock::now() < until) io.run_one_for(std::chrono::milliseconds(50));
  }

  for (int i = 0; i < o.agents; ++i) {
    auto agent = std::make_shared<Client>(io, agent_handler);
    agents.push_back(agent);
    const auto token = sign_in(endpoint, "a" + std::to_string(i), "bench-password");
    agent->connect(endpoint, [agent, i, token] {
      v1::ClientFrame hello;
      hello.mutable_hello()->set_role(v1::ROLE_AGENT);
      hello.mutable_hello()->set_agent_id("a" + std::to_string(i));
      hello.mutable_hello()->set_session_token(token);
      agent->send(hello);
    });
  }
  run_until([&] { return agents_ready == o.agents; }, std::chrono::seconds(30));

  if (o.churn > 0) {
    const int code = run_churn(o, io, endpoint, pid, run_until);
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
    std::remove(agents_file.c_str());
    rmdir(dir.c_str());
    return code;
  }

  const auto connect_start = Clock::now();
  for (int i = 0; i < o.visitors; ++i) {
    auto visitor = std::make_shared<Client>(io, visitor_handler);
    visitors.push_back(visitor);
    visitor->connect(endpoint, [visitor, i] {
      v1::ClientFrame hello;
      hello.mutable_hello()->set_role(v1::ROLE_VISITOR);
      visitor->send(hello);
      v1::ClientFrame start;
      start.set_request_id(1);
      start.mutable_start_chat()->set_category(v1::CATEGORY_DEPOSIT);
      start.mutable_start_chat()->set_first_message("0 load test");
      start.mutable_start_chat()->set_client_message_id("v" + std::to_string(i) + "-0");
      visitor->send(start);
    });
  }
  run_until([&] { return assigned == o.visitors; }, std::chrono::seconds(120));
  const double setup_s = std::chrono::duration<double>(Clock::now() - connect_start).count();
  latencies.clear();
  const long rss_loaded = rss_kib(pid);

  // Paced sending: every visitor sends one message each 1/rate seconds, the
  // visitors spread evenly over that interval (100 slices), as real traffic is.
  asio::steady_timer pace(io);
  const auto interval = std::chrono::microseconds(static_cast<long>(1e6 / o.rate));
  constexpr int slices = 100;
  const auto send_start = Clock::now();
  long tick_index = 0;
  std::function<void()> tick = [&] {
    const int round = static_cast<int>(tick_index / slices);
    const int slice = static_cast<int>(tick_index % slices);
    const int from = o.visitors * slice / slices, to = o.visitors * (slice + 1) / slices;
    for (int i = from; i < to; ++i) {
      auto& v = visitors[static_cast<std::size_t>(i)];
      v1::ClientFrame m;
      m.set_request_id(3);
      m.mutable_send_message()->set_conversation_id(v->conversation);
      m.mutable_send_message()->set_client_message_id("m" + std::to_string(round));
      m.mutable_send_message()->set_text(std::to_string(now_us()) + " my deposit of 1,250 USDT is still pending");
      v->send(m);
    }
    if (++tick_index < static_cast<long>(o.messages) * slices) {
      pace.expires_at(send_start + interval * tick_index / slices);
      pace.async_wait([&](beast::error_code) { tick(); });
    }
  };
  tick();
  run_until([&] { return acked == total && static_cast<int>(latencies.size()) == total; }, std::chrono::seconds(600));
  const double send_s = std::chrono::duration<double>(Clock::now() - send_start).count();
  const long rss_after = rss_kib(pid);

  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) { return latencies[static_cast<std::size_t>(p * (latencies.size() - 1))] / 1000.0; };
  const int connections = o.visitors + o.agents;
  std::printf("connections        %d (%d visitors in chats with %d agents)\n", connections, o.visitors, o.agents);
  std::printf("setup              %.2f s to connect and assign every chat\n", setup_s);
  std::printf("messages           %d in %.2f s = %.0f msg/s delivered (offered %.0f msg/s)\n", total, send_s,
              total / send_s, o.visitors * o.rate);
  std::printf("latency visitor->agent  p50 %.2f ms  p99 %.2f ms  max %.2f ms\n", pct(0.5), pct(0.99), pct(1.0));
  std::printf("server RSS         idle %ld KiB, loaded %ld KiB, after messages %ld KiB\n", rss_idle, rss_loaded, rss_after);
  std::printf("memory per connection  %.1f KiB (loaded - idle) / connections\n",
              static_cast<double>(rss_loaded - rss_idle) / connections);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::remove(agents_file.c_str());
  rmdir(dir.c_str());
  return 0;
}
