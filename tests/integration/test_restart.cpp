// The system of record through the real binary, with SQLite (--data-dir) and
// PostgreSQL (--database): kill -9 of a single node mid-chat, then a restart
// on the same data, loses nothing that was acknowledged; PostgreSQL killed and
// restarted under a running node: nothing is acknowledged while it is away,
// clients are told and resend, and nothing is lost or stored twice.
#include "integration/helpers.hpp"
#include "support/postgres_server.hpp"
#include "support/redis_server.hpp"  // free_port
#include "support/temp_dir.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>

#include <unistd.h>

using namespace parley;
using namespace parley::test;
namespace fs = std::filesystem;

namespace {

v1::ClientFrame add_note(const std::string& conversation, const std::string& text) {
  v1::ClientFrame f;
  f.set_request_id(9);
  f.mutable_add_note()->set_conversation_id(conversation);
  f.mutable_add_note()->set_text(text);
  return f;
}
// Where a test's server keeps its records: a temporary data directory, or a
// fresh database on a PostgreSQL server of the test's own.
struct Records {
  explicit Records(const std::string& engine) {
    if (engine == "sqlite") {
      data = std::make_unique<TempDir>("data");
      flags = {"--data-dir", data->path().string()};
    } else {
      postgres = std::make_unique<PostgresServer>();
      flags = {"--database", postgres->create_database()};
    }
  }
  std::vector<std::string> args(std::vector<std::string> more) const {
    more.insert(more.end(), flags.begin(), flags.end());
    return server_args(more);
  }
  std::unique_ptr<TempDir> data;
  std::unique_ptr<PostgresServer> postgres;
  std::vector<std::string> flags;
};
}  // namespace

TEST_CASE("kill -9 and a restart on the same data lose nothing acknowledged") {
  const std::string engine = GENERATE("sqlite", "postgres");
  INFO(engine);
  Records records(engine);
  const auto args = records.args({"--grace-period", "60", "--messages-per-second", "1000"});
  std::string chat, queued_chat, visitor_token, queued_token, alice_token;
  std::uint64_t last_acked = 0;
  {
    ServerProcess server(args);
    const auto port = server.port();
    alice_token = login(port, "alice");
    WsClient alice(port);
    alice.send(staff_hello("alice", alice_token, v1::ROLE_AGENT));
    alice.expect(F::kWelcome);
    alice.send(set_status(v1::AGENT_STATUS_ONLINE, 1));  // one chat at a time: the next one waits
    alice.expect(F::kAck);
    auto v = visitor(port);
    visitor_token = v.welcome.resume_token();
    chat = start(v.ws, "My deposit 0xfeed42 has not arrived");
    alice.expect(F::kConversation);
    alice.send(send_message(chat, "a-1", "Let me check 0xfeed42"));
    alice.expect(F::kAck);
    alice.send(add_note(chat, "customer seems legit"));
    alice.expect(F::kAck);
    for (int i = 2; i <= 20; ++i) {
      v.ws.send(send_message(chat, "m-" + std::to_string(i), "detail " + std::to_string(i)));
      last_acked = v.ws.expect(F::kAck).ack().seq();
    }
    auto waiting = visitor(port);
    queued_token = waiting.welcome.resume_token();
    queued_chat = start(waiting.ws, "I am second in line");
    CHECK(waiting.ws.expect(F::kQueueStatus).queue_status().position() == 1);
    server.signal(SIGKILL);
    server.wait();
  }

  ServerProcess again(args);
  const auto port = again.port();
  // The visitor resumes with their token: the whole transcript, in order, nothing doubled.
  auto v = visitor(port, visitor_token, {{chat, 0}});
  auto snap = v.ws.expect(F::kConversation).conversation();
  CHECK(snap.info().conversation_id() == chat);
  CHECK(snap.last_seq() >= last_acked);
  std::uint64_t seq = 0;
  bool saw_agent = false, saw_last = false;
  for (const auto& m : snap.messages()) {
    CHECK(m.seq() == ++seq);
    saw_agent = saw_agent || m.text() == "Let me check 0xfeed42";
    saw_last = saw_last || m.text() == "detail 20";
  }
  CHECK(saw_agent);
  CHECK(saw_last);
  // A resend of an acknowledged message is recognised, not stored twice.
  v.ws.send(send_message(chat, "m-20", "detail 20"));
  auto resent = v.ws.expect(F::kAck).ack();
  CHECK(resent.duplicate());
  CHECK(resent.seq() == last_acked);
  // The agent's sign-in survived too: with the same token she gets her chat back, with its notes.
  WsClient alice(port);
  alice.send(staff_hello("alice", alice_token, v1::ROLE_AGENT));
  CHECK(alice.expect(F::kWelcome).welcome().resumed());
  auto hers = alice.expect(F::kConversation).conversation();
  CHECK(hers.info().conversation_id() == chat);
  CHECK(hers.assigned_to_you());
  bool note = false;
  for (const auto& n : hers.notes()) note = note || n.text() == "customer seems legit";
  CHECK(note);
  // The second visitor is still first in line.
  auto waiting = visitor(port, queued_token, {{queued_chat, 1}});
  CHECK(waiting.ws.expect(F::kQueueStatus).queue_status().position() == 1);
}

TEST_CASE("a data directory that cannot be used stops the start with a clear reason") {
  TempDir data("data");
  std::ofstream(data.path() / "parley.db") << "this is not a database";
  CHECK_THROWS(ServerProcess(server_args({"--data-dir", data.path().string()})));
}

TEST_CASE("a full disk: nothing unstored is acknowledged, clients are told, and once there is room nothing is lost") {
  TempDir data("data");
  const auto args = server_args({"--data-dir", data.path().string(), "--messages-per-second", "1000", "--max-chat-kib", "4096"});
  ServerProcess server(args);
  const auto port = server.port();
  auto v = visitor(port);
  const auto token = v.welcome.resume_token();
  const auto chat = start(v.ws, "Deposit 0xd15c is missing");

  // The disk fills up: no file may grow past a little more than what is there now.
  std::uintmax_t largest = 0;
  for (const auto& entry : fs::recursive_directory_iterator(data.path()))
    if (entry.is_regular_file()) largest = std::max(largest, entry.file_size());
  server.limit_file_size(static_cast<long>(largest) + 64 * 1024);

  const std::string filler(3000, 'x');
  std::vector<std::string> acked{"Deposit 0xd15c is missing"};
  std::uint64_t last_seq = 1;
  std::string refused_id;
  CloseInfo closed;
  for (int i = 1; i <= 2000 && refused_id.empty(); ++i) {
    const auto id = "d-" + std::to_string(i);
    v.ws.send(send_message(chat, id, std::to_string(i) + filler));
    for (;;) {  // its Ack, or the connection closed instead (queue updates pass by)
      auto f = v.ws.next_or_close(closed, 20s);
      if (!f) {
        refused_id = id;  // not acknowledged: the client keeps it to resend
        break;
      }
      CHECK_FALSE(f->has_error());
      if (!f->has_ack()) continue;
      REQUIRE(f->ack().seq() == last_seq + 1);
      last_seq = f->ack().seq();
      acked.push_back(std::to_string(i) + filler);
      break;
    }
  }
  REQUIRE_FALSE(refused_id.empty());
  // Told, not left hanging: the connection is closed with "reconnect".
  CHECK(closed.code == 1012);
  // The server is still up and says so.
  CHECK(http_request(port, "GET", "/healthz").status == 200);

  // Room is made: the visitor comes back and resends; it is stored once, next in line.
  server.limit_file_size(0);
  auto back = visitor(port, token, {{chat, last_seq}});
  back.ws.expect(F::kConversation);
  const auto resent_text = refused_id.substr(2) + filler;
  back.ws.send(send_message(chat, refused_id, resent_text));
  CHECK(back.ws.expect(F::kAck).ack().seq() == last_seq + 1);
  acked.push_back(resent_text);

  // No corruption: a restart on the same directory reads exactly what was acknowledged.
  server.signal(SIGKILL);
  server.wait();
  ServerProcess again(args);
  auto reader = visitor(again.port(), token, {{chat, 0}});
  std::vector<std::string> texts;
  for (auto snap = reader.ws.expect(F::kConversation).conversation();;) {
    for (const auto& m : snap.messages())
      if (!m.system()) texts.push_back(m.text());
    if (!snap.has_more()) break;
    reader.ws.send(fetch_history(chat, snap.messages().rbegin()->seq()));
    auto page = reader.ws.expect(F::kHistory).history();
    snap.clear_messages();
    *snap.mutable_messages() = page.messages();
    snap.set_has_more(page.has_more());
  }
  CHECK(texts.size() == acked.size());
  CHECK(texts == acked);
}

TEST_CASE("PostgreSQL killed and restarted under a running node: nothing acknowledged while it is away, nothing lost") {
  Records records("postgres");
  auto& pg = *records.postgres;
  const auto args = records.args({"--messages-per-second", "1000"});
  ServerProcess server(args);
  auto v = visitor(server.port());
  const auto token = v.welcome.resume_token();
  const auto chat = start(v.ws, "Withdrawal 0xabc123 is stuck");
  v.ws.send(send_message(chat, "x-1", "before the database went away"));
  const auto first = v.ws.expect(F::kAck).ack().seq();

  pg.kill_hard();
  // Not acknowledged: the visitor is told to reconnect, and keeps the message to resend.
  v.ws.send(send_message(chat, "x-2", "while it is away"));
  const auto closed = v.ws.expect_close(20s);
  CHECK(closed.code == 1012);

  pg.start();
  // The visitor comes back and resends: stored once, in order.
  auto back = visitor(server.port(), token, {{chat, first}});
  back.ws.expect(F::kConversation);
  back.ws.send(send_message(chat, "x-2", "while it is away"));
  const auto resent = back.ws.expect(F::kAck).ack();
  CHECK(resent.seq() == first + 1);
  back.ws.send(send_message(chat, "x-3", "after it came back"));
  CHECK(back.ws.expect(F::kAck).ack().seq() == first + 2);

  // And a restart of the node reads exactly that back.
  server.signal(SIGKILL);
  server.wait();
  ServerProcess again(args);
  auto reader = visitor(again.port(), token, {{chat, 0}});
  auto snap = reader.ws.expect(F::kConversation).conversation();
  std::vector<std::string> texts;
  for (const auto& m : snap.messages())
    if (!m.system()) texts.push_back(m.text());
  CHECK(texts == std::vector<std::string>{"Withdrawal 0xabc123 is stuck", "before the database went away",
                                          "while it is away", "after it came back"});
}

TEST_CASE("a database that cannot be reached stops the start with a clear reason") {
  const auto port = free_port();
  CHECK_THROWS(ServerProcess(server_args({"--database", "postgresql://parley:pw@127.0.0.1:" + std::to_string(port) + "/x"})));
}
