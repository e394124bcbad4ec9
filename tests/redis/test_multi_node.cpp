// Several parley-server processes on one real Redis and one PostgreSQL behave as one server.
#include "integration/helpers.hpp"
#include "support/cluster_stores.hpp"
#include "support/test_ca.hpp"

#include <csignal>
#include <sstream>
#include <thread>

using namespace parley;
using namespace parley::test;

namespace {

// Like a real client: while the cluster chooses a leader or waits for Redis,
// the connection is closed with "retry", and the client reconnects with a
// short backoff (the widget does the same).
Signed sign_in(unsigned short port, const v1::ClientFrame& hello) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (;;) {
    try {
      WsClient ws(port);
      ws.send(hello);
      auto welcome = ws.expect(F::kWelcome, 3s).welcome();
      return {std::move(ws), welcome};
    } catch (const std::exception&) {
      if (std::chrono::steady_clock::now() > deadline) throw;
      std::this_thread::sleep_for(100ms);  // client backoff, not synchronisation
    }
  }
}

Signed cluster_staff(unsigned short port, const std::string& id, v1::Role role = v1::ROLE_AGENT) {
  auto s = sign_in(port, staff_hello(id, login(port, id), role));
  s.ws.send(set_status(v1::AGENT_STATUS_ONLINE));
  REQUIRE(s.ws.expect(F::kAck).ack().request_id() == 3);
  return s;
}

std::vector<std::string> node_args(const ClusterStores& stores) { return server_args(stores.flags({"--grace-period", "2"})); }

}  // namespace

TEST_CASE("a visitor on node A chats with an agent on node B, and tier 2 on node C takes the escalation") {
  ClusterStores stores;
  ServerProcess a(node_args(stores)), b(node_args(stores)), c(node_args(stores));
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
  // A recovery phrase is masked on the node that took it, before Redis, and never reaches the agent.
  v.ws.send(send_message(id, "m-3", "words: legal winner thank year wave sausage worth useful legal winner thank yellow"));
  CHECK(expect_text(alice.ws).text() == "words: [seed phrase removed]");

  alice.ws.send(escalate(id, "needs a node operator", "tx stuck in mempool"));
  auto senior = tina.ws.expect(F::kConversation).conversation();
  CHECK(senior.info().tier() == 2);
  CHECK(senior.notes(0).text().find("mempool") != std::string::npos);
  CHECK(v.ws.expect(F::kAgentJoined).agent_joined().senior());
  tina.ws.send(send_message(id, "t-1", "Rebroadcasting now"));
  CHECK(expect_text(v.ws).text() == "Rebroadcasting now");
}

TEST_CASE("two nodes over rediss:// as an ACL user with a client certificate: a chat across them") {
  TestCa ca;
  const auto server_cert = ca.issue("redis", "IP:127.0.0.1");
  const auto node_cert = ca.issue("parley-node");
  const auto tls_port = free_port();
  ClusterStores stores({"--tls-port", std::to_string(tls_port), "--tls-cert-file", server_cert.cert, "--tls-key-file",
                        server_cert.key, "--tls-ca-cert-file", ca.ca_file(), "--tls-auth-clients", "yes", "--user",
                        "parley", "on", ">node pw", "~*", "&*", "+@all"});
  const auto args = server_args({"--redis", "rediss://parley:node%20pw@127.0.0.1:" + std::to_string(tls_port),
                                 "--redis-ca-file", ca.ca_file(), "--redis-cert-file", node_cert.cert,
                                 "--redis-key-file", node_cert.key, "--database", stores.database});
  ServerProcess a(args), b(args);
  auto alice = cluster_staff(b.port(), "alice");
  auto v = sign_in(a.port(), visitor_hello());
  const auto id = start(v.ws, "Withdrawal pending for two hours");
  CHECK(v.ws.expect(F::kAgentJoined).agent_joined().agent_name() == "Alice");
  CHECK(alice.ws.expect(F::kConversation).conversation().messages(0).text() == "Withdrawal pending for two hours");
  alice.ws.send(send_message(id, "a-1", "Looking at it now"));
  CHECK(expect_text(v.ws).text() == "Looking at it now");
  // Nothing crossed in the clear: every client but this test's own came in on the TLS port, as the ACL user.
  const auto list = stores.redis.command({"CLIENT", "LIST"});
  REQUIRE(list.size() == 1);
  std::istringstream lines(list[0]);
  int nodes = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("cmd=client") != std::string::npos) continue;
    INFO(line);
    CHECK(line.find("laddr=127.0.0.1:" + std::to_string(tls_port) + " ") != std::string::npos);
    CHECK(line.find(" user=parley ") != std::string::npos);
    ++nodes;
  }
  CHECK(nodes >= 4);  // two connections per node
}

TEST_CASE("many visitors on two nodes, several agents: every chat is assigned exactly once") {
  ClusterStores stores;
  ServerProcess a(node_args(stores)), b(node_args(stores));
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
  ClusterStores stores;
  auto a = std::make_unique<ServerProcess>(node_args(stores));
  ServerProcess b(node_args(stores));
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
  auto alice = sign_in(b.port(), staff_hello("alice", login(b.port(), "alice"), v1::ROLE_AGENT, {{id, 0}}));
  auto snap = alice.ws.expect(F::kConversation, 20s).conversation();
  CHECK(snap.info().conversation_id() == id);
  bool mine = false;
  for (const auto& m : snap.messages()) mine |= m.text() == "on it";
  CHECK(mine);
}

TEST_CASE("an agent whose node dies and who stays away: the chat is requeued after the node ttl") {
  ClusterStores stores;
  auto args = server_args(stores.flags({"--node-ttl", "2", "--leader-lease", "2"}));
  ServerProcess leader(args);
  auto v = sign_in(leader.port(), visitor_hello());  // the first node leads once it answers
  ServerProcess doomed(args);
  std::string id;
  {
    auto alice = cluster_staff(doomed.port(), "alice");
    id = start(v.ws, "help");
    alice.ws.expect(F::kConversation);
    doomed.signal(SIGKILL);
    doomed.wait();
  }
  auto requeued = v.ws.expect(F::kQueueStatus, 15s).queue_status();
  CHECK(requeued.conversation_id() == id);
  CHECK(requeued.position() == 1);
  auto bob = cluster_staff(leader.port(), "bob");
  CHECK(bob.ws.expect(F::kConversation).conversation().info().conversation_id() == id);
  // No ghost: the roster shows Alice gone, not online with a chat she cannot answer.
  for (bool settled = false; !settled;) {
    const auto roster = bob.ws.expect(F::kRoster).roster();
    for (const auto& agent : roster.agents())
      if (agent.agent_id() == "alice")
        settled = !agent.connected() && agent.status() == v1::AGENT_STATUS_OFFLINE && agent.open_chats() == 0;
  }
}

TEST_CASE("Redis restarted mid-chat: both transcripts are complete and have no duplicates") {
  ClusterStores stores({"--appendonly", "yes", "--appendfsync", "always"});
  auto args = server_args(stores.flags({"--leader-lease", "2"}));
  ServerProcess a(args), b(args);
  auto alice = cluster_staff(a.port(), "alice");
  auto v = sign_in(b.port(), visitor_hello());
  const auto token = v.welcome.resume_token();
  const auto id = start(v.ws, "first");
  alice.ws.expect(F::kConversation);
  alice.ws.send(send_message(id, "a-1", "second"));
  alice.ws.expect(F::kAck);
  CHECK(expect_text(v.ws).text() == "second");

  stores.redis.kill_hard();
  // Both nodes drop their clients: what they could not store they must not claim.
  v.ws.expect_close(10s);
  alice.ws.expect_close(10s);
  stores.redis.start();

  auto alice2 = sign_in(a.port(), staff_hello("alice", login(a.port(), "alice"), v1::ROLE_AGENT));
  auto v2 = sign_in(b.port(), visitor_hello(token, {{id, 0}}));
  auto visitor_view = v2.ws.expect(F::kConversation, 20s).conversation();
  alice2.ws.send(send_message(id, "a-1", "second"));  // resent after the outage: stored once
  CHECK(alice2.ws.expect(F::kAck).ack().duplicate());
  alice2.ws.send(send_message(id, "a-3", "third"));
  alice2.ws.expect(F::kAck);
  CHECK(expect_text(v2.ws).text() == "third");
  v2.ws.send(send_message(id, "m-4", "fourth"));
  v2.ws.expect(F::kAck);

  std::vector<std::string> texts;
  for (const auto& m : visitor_view.messages())
    if (!m.system()) texts.push_back(m.text());
  CHECK(texts == std::vector<std::string>{"first", "second"});
  auto check = sign_in(a.port(), visitor_hello(token, {{id, 0}}));
  auto full = check.ws.expect(F::kConversation, 20s).conversation();
  std::vector<std::string> all;
  std::uint64_t seq = 0;
  for (const auto& m : full.messages()) {
    CHECK(m.seq() == ++seq);
    if (!m.system()) all.push_back(m.text());
  }
  CHECK(all == std::vector<std::string>{"first", "second", "third", "fourth"});
}

TEST_CASE("a staff sign-in made on one node works on every node, and logging out on another closes it") {
  ClusterStores stores;
  ServerProcess a(node_args(stores)), b(node_args(stores));
  const auto token = login(a.port(), "alice");
  auto alice = sign_in(b.port(), staff_hello("alice", token, v1::ROLE_AGENT));
  CHECK(alice.welcome.participant_id() == "alice");
  // The store keeps a hash of the token, never the token, and lets it expire.
  auto keys = stores.redis.command({"KEYS", "parley:staff-session:*"});
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].find(token.substr(4)) == std::string::npos);
  CHECK(std::stoll(stores.redis.command({"PTTL", keys[0]}).at(0)) > 11 * 3600 * 1000LL);

  auto out = http_request(a.port(), "POST", "/api/logout", "", {{"Authorization", "Bearer " + token}});
  CHECK(out.status == 200);
  CHECK(alice.ws.expect_close().code == 4001);  // her socket is on node B
  CHECK(stores.redis.command({"KEYS", "parley:staff-session:*"}).empty());
  WsClient again(b.port());
  again.send(staff_hello("alice", token, v1::ROLE_AGENT));
  CHECK(again.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
}
