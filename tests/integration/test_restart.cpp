// --data-dir: kill -9 of a single node mid-chat, then a restart on the same
// data directory, loses nothing that was acknowledged.
#include "integration/helpers.hpp"
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
}  // namespace

TEST_CASE("kill -9 and a restart on the same data directory lose nothing acknowledged") {
  TempDir data("data");
  const auto args = server_args({"--data-dir", data.path().string(), "--grace-period", "60", "--messages-per-second", "1000"});
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
