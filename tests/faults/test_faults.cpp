// Faults the system survives: each scenario runs the chat workload through
// one kind of failure and checks that no acknowledged message was lost or
// stored twice, none was delivered twice or out of order, and the clients
// recovered. The figures are printed (docs/reliability.md quotes a run).

#include "faults/workload.hpp"
#include "support/frames.hpp"
#include "support/cluster_stores.hpp"
#include "support/server_process.hpp"
#include "support/tcp_proxy.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

using namespace parley;
using namespace parley::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> node_args(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"--agents", test_data("fault-agents.json"), "--grace-period", "60",
                                "--messages-per-second", "1000", "--new-chats-per-ip-per-minute", "1000"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string password(const std::string& id) { return "fault-password-" + id.substr(1); }

WorkloadOptions options(std::vector<unsigned short> visitor_ports, std::vector<unsigned short> agent_ports) {
  WorkloadOptions o;
  o.visitor_ports = std::move(visitor_ports);
  o.agent_ports = std::move(agent_ports);
  o.agents = {"f1", "f2", "f3", "f4"};
  o.password_of = password;
  o.chats = 8;
  return o;
}

void check(const std::string& scenario, const WorkloadReport& report) {
  std::cout << "[fault] " << scenario << ": " << report.summary() << std::endl;
  if (const char* file = std::getenv("PARLEY_RELIABILITY_REPORT"))
    std::ofstream(file, std::ios::app) << "| " << scenario << " | " << report.messages_sent << " | "
                                       << report.messages_acked << " | " << report.messages_delivered << " | "
                                       << report.lost << " | " << report.stored_twice + report.delivered_twice << " | "
                                       << report.reconnects << " | " << report.longest_wait.count() << " ms |\n";
  INFO(report.summary());
  CHECK(report.lost == 0);
  CHECK(report.stored_twice == 0);
  CHECK(report.delivered_twice == 0);
  CHECK(report.out_of_order == 0);
  CHECK(report.messages_delivered == report.messages_acked);
}

// Open files of a process: to see that connections do not leak descriptors.
std::size_t open_files(int pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) ++n;
  return n;
}

// Under AddressSanitizer freed memory sits in a quarantine (up to 256 MiB)
// and every allocation has shadow memory: the bound is looser there.
#if defined(__SANITIZE_ADDRESS__)
constexpr long rss_budget_kib = 192 * 1024;
#else
constexpr long rss_budget_kib = 32 * 1024;
#endif

long rss_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

// Two nodes on one Redis with an append-only file, and the workload spread
// over them (visitors start on a, agents on b), warmed up with a few rounds.
struct TwoNodes {
  explicit TwoNodes(int warm_up_rounds) {
    chats.open_chats();
    for (int r = 0; r < warm_up_rounds; ++r) chats.round();
  }
  ClusterStores stores{{"--appendonly", "yes", "--appendfsync", "always"}};
  RedisServer& redis = stores.redis;
  std::vector<std::string> args = node_args(stores.flags({"--leader-lease", "2", "--node-ttl", "4"}));
  ServerProcess a{args};  // started first: the leader
  ServerProcess b{args};
  ChatWorkload chats{options({a.port(), b.port()}, {b.port(), a.port()})};
};

}  // namespace

TEST_CASE("connections cut after a few kilobytes, again and again: the chats carry on intact") {
  ServerProcess server(node_args());
  TcpProxy proxy(server.port());
  ChatWorkload chats(options({proxy.port()}, {proxy.port()}));
  chats.open_chats();
  proxy.cut_after(3000);  // every connection from now on dies after 3 KB from the server
  proxy.cut_all();
  for (int r = 0; r < 12; ++r) chats.round();
  auto report = chats.finish();
  CHECK(proxy.connections_cut() >= 10);
  CHECK(report.reconnects >= 10);
  check("TCP connections cut after 3 KB, repeatedly", report);
}

TEST_CASE("a reader slowed to a trickle and a stalled path: messages wait, nothing is lost") {
  ServerProcess server(node_args());
  TcpProxy agents(server.port());
  ChatWorkload chats(options({server.port()}, {agents.port()}));
  chats.open_chats();
  agents.slow_reader(4096);
  for (int r = 0; r < 4; ++r) chats.round();
  agents.slow_reader(0);
  // A path that stops delivering for 5 s: the agent notices the silence and
  // keeps reconnecting until it flows again.
  std::thread unstall;
  chats.round([&](std::size_t chat) {
    if (chat != 3) return;
    agents.stall(true);
    unstall = std::thread([&] {
      std::this_thread::sleep_for(5s);  // how long the fault lasts, not synchronisation
      agents.stall(false);
    });
  });
  unstall.join();
  for (int r = 0; r < 2; ++r) chats.round();
  check("server-to-agent path slowed to 4 KB/s, then stalled", chats.finish());
}

TEST_CASE("SIGTERM drains: clients are told to reconnect elsewhere, and the node exits in bounded time") {
  TwoNodes cluster(3);
  auto& chats = cluster.chats;
  std::chrono::steady_clock::duration drain{};
  chats.round([&](std::size_t chat) {
    if (chat != 4) return;
    const auto start = std::chrono::steady_clock::now();
    const int status = cluster.b.stop();  // SIGTERM, then wait for the exit
    drain = std::chrono::steady_clock::now() - start;
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  });
  for (int r = 0; r < 3; ++r) chats.round();
  std::cout << "[fault] SIGTERM drain took " << std::chrono::duration_cast<std::chrono::milliseconds>(drain).count()
            << " ms" << std::endl;
  CHECK(drain < 5s);
  check("SIGTERM of a node mid-round (cluster)", chats.finish());
}

TEST_CASE("kill -9 of a node, leader or not: its clients move to the other node and continue") {
  const bool kill_first = GENERATE(true, false);  // a leads (it started first), b does not
  TwoNodes cluster(3);
  auto& chats = cluster.chats;
  auto& victim = kill_first ? cluster.a : cluster.b;
  chats.round([&](std::size_t chat) {
    if (chat == 2) victim.signal(SIGKILL);
  });
  for (int r = 0; r < 3; ++r) chats.round();
  check(kill_first ? "kill -9 of the leader node (cluster)" : "kill -9 of a follower node (cluster)", chats.finish());
}

TEST_CASE("SIGSTOP of a node for longer than the leader lease, then SIGCONT") {
  TwoNodes cluster(2);
  auto& chats = cluster.chats;
  chats.round([&](std::size_t chat) {
    if (chat == 1) cluster.a.signal(SIGSTOP);  // the leader freezes; b takes over once the lease runs out
  });
  for (int r = 0; r < 2; ++r) chats.round();
  cluster.a.signal(SIGCONT);  // comes back deposed: it must not act as leader
  for (int r = 0; r < 3; ++r) chats.round();
  check("SIGSTOP of the leader for 2+ lease periods, then SIGCONT", chats.finish());
}

TEST_CASE("Redis killed and restarted (append-only file): no acknowledged message is lost") {
  TwoNodes cluster(3);
  auto& chats = cluster.chats;
  chats.round([&](std::size_t chat) {
    if (chat != 3) return;
    cluster.redis.kill_hard();
    cluster.redis.start();
  });
  for (int r = 0; r < 3; ++r) chats.round();
  check("Redis kill -9 and restart mid-round (cluster, AOF fsync always)", chats.finish());
}

TEST_CASE("PostgreSQL killed and restarted under two nodes: no acknowledged message is lost") {
  TwoNodes cluster(3);
  auto& chats = cluster.chats;
  chats.round([&](std::size_t chat) {
    if (chat != 3) return;
    // The leader's commits fail while it is away: nothing is acknowledged,
    // clients are told and resend; once it is back the leader reconnects.
    shared_postgres().kill_hard();
    shared_postgres().start();
  });
  for (int r = 0; r < 3; ++r) chats.round();
  check("PostgreSQL kill -9 and restart mid-round (cluster)", chats.finish());
}

TEST_CASE("a reconnect storm and a slow reader leave memory and open files bounded") {
  // A long close timeout: the stall is released only once the server has
  // given up on the reader, and the close frame must still be waiting then.
  ServerProcess server(node_args({"--outbox-frames", "64", "--outbox-kib", "256", "--close-timeout", "60"}));
  TcpProxy proxy(server.port());
  // Warm up, then measure.
  { WsClient warm(server.port()); warm.send(visitor_hello()); warm.expect(v1::ServerFrame::kWelcome); }
  const auto files_before = open_files(server.pid());
  const auto rss_before = rss_kib(server.pid());
  for (int wave = 0; wave < 10; ++wave) {
    std::vector<std::unique_ptr<WsClient>> clients;
    for (int i = 0; i < 50; ++i) {
      clients.push_back(std::make_unique<WsClient>(proxy.port()));
      clients.back()->send(visitor_hello());
    }
    for (auto& c : clients) c->expect(v1::ServerFrame::kWelcome);
    proxy.cut_all();  // 50 connections reset at once, 10 times
  }
  // A reader that stops reading while asking for a lot is cut off, not buffered without end.
  WsClient flooded(proxy.port());
  flooded.send(visitor_hello());
  flooded.expect(v1::ServerFrame::kWelcome);
  flooded.send(start_chat("a long story follows", v1::CATEGORY_OTHER, "s-1"));
  const auto conversation = flooded.expect(v1::ServerFrame::kAck).ack().conversation_id();
  for (int i = 0; i < 60; ++i) flooded.send(send_message(conversation, "s-" + std::to_string(i + 2), std::string(3000, 'x')));
  flooded.sync();
  proxy.stall(true);
  // Each page is up to 32 KiB; the stalled reader takes none of them.
  v1::ClientFrame fetch;
  fetch.mutable_fetch_history()->set_conversation_id(conversation);
  for (int i = 0; i < 400; ++i) flooded.send(fetch);
  // Held until the server reports the overflow (on a slow machine the pages
  // may take longer to build than the client takes to ask for them).
  const auto overflowed = [&] {
    return http_get(server.port(), "/healthz").body.find(R"("slow_consumer_closes":0)") == std::string::npos;
  };
  const auto stall_deadline = std::chrono::steady_clock::now() + 30s;
  while (!overflowed() && std::chrono::steady_clock::now() < stall_deadline) std::this_thread::sleep_for(20ms);
  REQUIRE(overflowed());
  proxy.stall(false);
  CloseInfo closed;
  try {
    closed = flooded.expect_close(20s);
  } catch (const std::exception&) {
  }
  CHECK(closed.code == 1013);
  // The server is still fine, and has let go of what those connections held.
  auto probe = std::make_unique<WsClient>(server.port());
  probe->send(visitor_hello());
  probe->expect(v1::ServerFrame::kWelcome);
  probe.reset();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (open_files(server.pid()) > files_before + 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);  // sessions end asynchronously after their sockets close
  const auto files_after = open_files(server.pid());
  const auto rss_after = rss_kib(server.pid());
  std::cout << "[fault] reconnect storm (500 connections reset) + flooded stalled reader: open files " << files_before
            << " -> " << files_after << ", RSS " << rss_before << " -> " << rss_after << " KiB, stalled reader closed with "
            << closed.code << std::endl;
  CHECK(files_after <= files_before + 2);
  CHECK(rss_after - rss_before < rss_budget_kib);
}

namespace {
// Says Hello until some node answers it (while Redis or the leader is back
// only in a moment, nodes close connections with "retry"); returns the
// connection and the answer: a Welcome or an Error.
std::pair<std::unique_ptr<WsClient>, v1::ServerFrame> hello_until_answered(unsigned short port,
                                                                            const v1::ClientFrame& hello) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    try {
      auto ws = std::make_unique<WsClient>(port);
      ws->send(hello);
      for (;;) {
        auto f = ws->next(3s);
        // UNAVAILABLE: storage is away; like a real client, back off and say Hello again.
        if (f.has_error() && f.error().code() == v1::ERROR_CODE_UNAVAILABLE) throw std::runtime_error("unavailable");
        if (f.has_welcome() || f.has_error()) return {std::move(ws), f};
      }
    } catch (const std::exception&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(100ms);  // client backoff, not synchronisation
    }
  }
}

std::string login_retrying(unsigned short port, const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    auto res = http_request(port, "POST", "/api/login",
                            R"({"agent_id":")" + id + R"(","password":")" + password(id) + R"("})",
                            {{"Content-Type", "application/json"}});
    if (res.status == 200) {
      const auto at = res.body.find("\"token\":\"") + 9;
      return res.body.substr(at, res.body.find('"', at) - at);
    }
    if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("sign-in failed: " + res.body);
    std::this_thread::sleep_for(100ms);  // client backoff, not synchronisation
  }
}
}  // namespace

TEST_CASE("Redis without persistence restarts empty: nothing is lost, the records are in PostgreSQL, staff sign in again") {
  ClusterStores stores;  // Redis with no AOF, no snapshots: a restart loses all it held
  const auto cluster = stores.flags({"--leader-lease", "2", "--node-ttl", "4"});
  ServerProcess a(node_args(cluster)), b(node_args(cluster));

  auto [visitor, welcome] = hello_until_answered(a.port(), visitor_hello());
  REQUIRE(welcome.has_welcome());
  const auto resume_token = welcome.welcome().resume_token();
  auto [agent, agent_welcome] = hello_until_answered(b.port(), staff_hello("f1", login_retrying(b.port(), "f1"), v1::ROLE_AGENT));
  REQUIRE(agent_welcome.has_welcome());
  agent->send(set_status(v1::AGENT_STATUS_ONLINE));
  visitor->send(start_chat("my deposit", v1::CATEGORY_DEPOSIT, "m-1"));
  const auto conversation = visitor->expect(v1::ServerFrame::kAck).ack().conversation_id();
  CHECK(agent->expect(v1::ServerFrame::kConversation).conversation().info().conversation_id() == conversation);
  agent->send(send_message(conversation, "a-1", "checking"));
  std::uint64_t seen = 0;
  while (seen == 0) {
    auto ack = agent->expect(v1::ServerFrame::kAck).ack();
    if (ack.client_message_id() == "a-1") seen = ack.seq();
  }

  stores.redis.kill_hard();
  stores.redis.start();  // empty

  // The visitor's token and chat were never Redis's to lose.
  auto [visitor_again, visitor_answer] = hello_until_answered(a.port(), visitor_hello(resume_token, {{conversation, seen}}));
  INFO((visitor_answer.has_error() ? visitor_answer.error().message() : ""));
  REQUIRE(visitor_answer.has_welcome());
  // Only the staff sign-in was in Redis: the agent signs in again and gets the chat back, whole.
  auto [agent_again, agent_answer] =
      hello_until_answered(b.port(), staff_hello("f1", login_retrying(b.port(), "f1"), v1::ROLE_AGENT));
  REQUIRE(agent_answer.has_welcome());
  auto chat = agent_again->expect(v1::ServerFrame::kConversation, 10s).conversation();
  CHECK(chat.info().conversation_id() == conversation);
  std::vector<std::string> texts;
  for (const auto& m : chat.messages()) texts.push_back(m.text());
  CHECK(std::count(texts.begin(), texts.end(), "my deposit") == 1);
  CHECK(std::count(texts.begin(), texts.end(), "checking") == 1);
  visitor_again->send(send_message(conversation, "m-2", "still there?"));
  for (;;) {
    auto m = agent_again->expect(v1::ServerFrame::kMessage, 10s).message();
    if (!m.system()) {
      CHECK(m.text() == "still there?");
      break;
    }
  }
  std::cout << "[fault] Redis without persistence restarted empty: the chat carried on, nothing lost" << std::endl;
}

TEST_CASE("the leader dies right after an escalation: the chat still reaches tier 2, with its note") {
  ClusterStores stores({"--appendonly", "yes", "--appendfsync", "always"});
  const auto cluster =
      stores.flags({"--agents", test_data("agents.json"), "--leader-lease", "2", "--node-ttl", "4", "--grace-period", "60"});
  ServerProcess leader(cluster);
  auto [visitor, welcome] = hello_until_answered(leader.port(), visitor_hello());  // the first node leads
  REQUIRE(welcome.has_welcome());
  ServerProcess other(cluster);
  auto token_of = [&](const std::string& id, const std::string& pw) {
    const auto body = http_request(other.port(), "POST", "/api/login",
                                   R"({"agent_id":")" + id + R"(","password":")" + pw + R"("})",
                                   {{"Content-Type", "application/json"}}).body;
    const auto at = body.find("\"token\":\"") + 9;
    return body.substr(at, body.find('"', at) - at);
  };
  auto [alice, alice_welcome] = hello_until_answered(other.port(), staff_hello("alice", token_of("alice", "alice-secret"), v1::ROLE_AGENT));
  REQUIRE(alice_welcome.has_welcome());
  alice->send(set_status(v1::AGENT_STATUS_ONLINE));
  visitor->send(start_chat("withdrawal stuck", v1::CATEGORY_WITHDRAWAL, "m-1"));
  const auto conversation = visitor->expect(v1::ServerFrame::kAck).ack().conversation_id();
  alice->expect(v1::ServerFrame::kConversation);
  auto escalation = escalate(conversation, "needs a node operator", "tx 0xabc stuck in mempool");
  escalation.set_request_id(77);
  alice->send(escalation);
  for (bool acked = false; !acked;) acked = alice->expect(v1::ServerFrame::kAck).ack().request_id() == 77;
  leader.signal(SIGKILL);  // the escalation was acknowledged: it must survive the leader

  // Tier 2 signs in on the surviving node, which takes over: the chat waits
  // for tier 2 with its note, never nobody's.
  auto [tina, tina_welcome] = hello_until_answered(other.port(), staff_hello("tina", token_of("tina", "tina-secret"), v1::ROLE_TIER2));
  REQUIRE(tina_welcome.has_welcome());
  tina->send(set_status(v1::AGENT_STATUS_ONLINE));
  auto snap = tina->expect(v1::ServerFrame::kConversation, 10s).conversation();
  CHECK(snap.info().conversation_id() == conversation);
  CHECK(snap.info().tier() == 2);
  CHECK(snap.info().agent_id() == "tina");
  bool note = false;
  for (const auto& n : snap.notes()) note |= n.text().find("tx 0xabc stuck in mempool") != std::string::npos;
  CHECK(note);
  std::cout << "[fault] leader kill -9 right after an acknowledged escalation: the chat reached tier 2 with its note"
            << std::endl;
}
