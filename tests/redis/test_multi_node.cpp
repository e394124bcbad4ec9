// Several parley-server processes on one real Redis behave as one server.
#include "integration/helpers.hpp"
#include "support/redis_server.hpp"

#include <csignal>

using namespace parley;
using namespace parley::test;

namespace {

// Like a real client: if the cluster is still choosing its leader, the
// connection is closed and we reconnect.
Signed sign_in(unsigned short port, const v1::ClientFrame& hello) {
  for (int attempt = 0;; ++attempt) {
    try {
      WsClient ws(port);
      ws.send(hello);
      auto welcome = ws.expect(F::kWelcome, 3s).welcome();
      return {std::move(ws), welcome};
    } catch (const std::exception&) {
      if (attempt == 20) throw;
    }
  }
}

Signed cluster_staff(unsigned short port, const std::string& id, v1::Role role = v1::ROLE_AGENT) {
  auto s = sign_in(port, staff_hello(id, secret_of(id), role));
  s.ws.send(set_status(v1::AGENT_STATUS_ONLINE));
  REQUIRE(s.ws.expect(F::kAck).ack().request_id() == 3);
  return s;
}

std::vector<std::string> node_args(const RedisServer& redis) { return server_args({"--redis", redis.url(), "--grace-period", "2"}); }

}  // namespace

TEST_CASE("a visitor on node A chats with an agent on node B; tier 2 on node C takes the escalation") {
  RedisServer redis;
  ServerProcess a(node_args(redis)), b(node_args(redis)), c(node_args(redis));
  auto alice = cluster_staff(b.port(), "alice");
  auto tina = cluster_staff(c.port(), "tina", v1::ROLE_TIER2);
  auto v = sign_in(a.port(), visitor_hello());
  const auto id = start(v.ws, "Deposit missing, tx 0xabc");
  CHECK(v.ws.expect(F::kAgentJoined).agent_joined().agent_name() == "Alice");
  CHECK(alice.ws.expect(F::kConversation).conversation().messages(0).text() == "Deposit missing, tx 0xabc");

  alice.ws.send(send_message(id, "a-1", "Checking the chain"));
  const auto agent_seq = alice.ws.expect(F::kAck).ack().seq();
  CHECK(expect_text(v.ws).seq() == agent_seq);
  v.ws.send(send_message(id, "m-2", "Thanks"));
  CHECK(expect_text(alice.ws).text() == "Thanks");

  alice.ws.send(escalate(id, "needs a node operator", "tx stuck in mempool"));
  auto senior = tina.ws.expect(F::kConversation).conversation();
  CHECK(senior.info().tier() == 2);
  CHECK(senior.notes(0).text().find("mempool") != std::string::npos);
  CHECK(v.ws.expect(F::kAgentJoined).agent_joined().senior());
  tina.ws.send(send_message(id, "t-1", "Rebroadcasting now"));
  CHECK(expect_text(v.ws).text() == "Rebroadcasting now");
}

TEST_CASE("many visitors on two nodes, several agents: every chat is assigned exactly once") {
  RedisServer redis;
  ServerProcess a(node_args(redis)), b(node_args(redis));
  std::vector<Signed> agents;
  agents.push_back(cluster_staff(a.port(), "alice"));   // capacity 1
  agents.push_back(cluster_staff(b.port(), "bob"));     // capacity 1
  agents.push_back(cluster_staff(b.port(), "carol"));   // capacity 2
  std::vector<Signed> visitors;
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    visitors.push_back(sign_in(i % 2 ? a.port() : b.port(), visitor_hello()));
    ids.push_back(start(visitors.back().ws, "chat " + std::to_string(i), "m-" + std::to_string(i)));
  }
  std::map<std::string, int> assigned;
  for (auto& agent : agents) {
    agent.ws.sync();
    while (true) {
      auto& frames = agent.ws.buffered();
      auto it = std::find_if(frames.begin(), frames.end(), [](const auto& f) { return f.has_conversation(); });
      if (it == frames.end()) break;
      ++assigned[it->conversation().info().conversation_id()];
      frames.erase(it);
    }
  }
  CHECK(assigned.size() == 4);  // total capacity
  for (const auto& [id, times] : assigned) CHECK(times == 1);
  // The others wait, with positions that agree whichever node they are on.
  std::set<std::uint32_t> positions;
  for (std::size_t i = 0; i < visitors.size(); ++i) {
    if (assigned.count(ids[i])) continue;
    visitors[i].ws.sync();
    std::uint32_t last = 0;
    for (const auto& f : visitors[i].ws.buffered())
      if (f.has_queue_status()) last = f.queue_status().position();
    positions.insert(last);
  }
  CHECK(positions == std::set<std::uint32_t>{1, 2, 3, 4});
}

TEST_CASE("kill -9 of the agent's node: the agent resumes on another node with the whole chat") {
  RedisServer redis;
  auto a = std::make_unique<ServerProcess>(node_args(redis));
  ServerProcess b(node_args(redis));
  auto v = sign_in(b.port(), visitor_hello());
  std::string id;
  {
    auto alice = cluster_staff(a->port(), "alice");
    id = start(v.ws, "help");
    alice.ws.expect(F::kConversation);
    alice.ws.send(send_message(id, "a-1", "on it"));
    alice.ws.expect(F::kAck);
    a->signal(SIGKILL);
    a->wait();
  }
  // Alice comes back through node B (node A may have been the leader: then B takes over).
  auto alice = sign_in(b.port(), staff_hello("alice", secret_of("alice"), v1::ROLE_AGENT, {{id, 0}}));
  auto snap = alice.ws.expect(F::kConversation, 20s).conversation();
  CHECK(snap.info().conversation_id() == id);
  bool mine = false;
  for (const auto& m : snap.messages()) mine |= m.text() == "on it";
  CHECK(mine);
}
