// A client that stops reading is disconnected once its bounded outbox fills,
// with a close reason, and then resumes with nothing missing or doubled.
#include "integration/helpers.hpp"

#include <set>

using namespace parley;
using namespace parley::test;

TEST_CASE("a slow reader is closed with 1013 and resumes without loss or duplicates") {
  ServerProcess server(server_args({"--outbox-frames", "16", "--outbox-kib", "256", "--messages-per-second", "10000",
                                    "--max-message-chars", "15000", "--close-timeout", "120",
                                    "--max-chat-kib", "65536"}));
  auto alice = staff(server.port(), "alice");
  auto v = visitor(server.port());
  const auto id = start(v.ws);
  v.ws.expect(F::kAgentJoined);
  alice.ws.expect(F::kConversation);
  v.ws.sync();

  // The visitor reads nothing while ~20 MB are sent: more than loopback
  // socket buffers hold, so the server's outbox for it must overflow.
  const int count = 1400;
  const std::string filler(14000, 'x');
  for (int i = 0; i < count; ++i) {
    alice.ws.send(send_message(id, "a-" + std::to_string(i), std::to_string(i) + ":" + filler));
    REQUIRE(alice.ws.expect(F::kAck).ack().seq() > 0);
  }

  std::set<std::string> received;
  std::uint64_t last_seq = 0;
  auto closed = v.ws.expect_close(30s);
  CHECK(closed.code == 1013);
  CHECK(closed.reason.find("slow consumer") != std::string::npos);
  for (const auto& frame : v.ws.buffered()) {
    if (!frame.has_message() || frame.message().system()) continue;
    CHECK(frame.message().seq() > last_seq);
    last_seq = frame.message().seq();
    CHECK(received.insert(frame.message().client_message_id()).second);
  }
  CHECK(received.size() < static_cast<std::size_t>(count));

  auto back = visitor(server.port(), v.welcome.resume_token(), {{id, last_seq}});
  auto snap = back.ws.expect(F::kConversation, 30s).conversation();
  auto take = [&](const auto& messages) {
    for (const auto& m : messages) {
      CHECK(m.seq() == ++last_seq);
      if (!m.system()) CHECK(received.insert(m.client_message_id()).second);
    }
  };
  take(snap.messages());
  // Replay comes in bounded pages that the client asks for.
  bool more = snap.has_more();
  int pages = 1;
  while (more) {
    v1::ClientFrame fetch;
    fetch.mutable_fetch_history()->set_conversation_id(id);
    fetch.mutable_fetch_history()->set_after_seq(last_seq);
    back.ws.send(fetch);
    auto history = back.ws.expect(F::kHistory).history();
    take(history.messages());
    more = history.has_more();
    ++pages;
  }
  CHECK(pages > 1);
  CHECK(received.size() == static_cast<std::size_t>(count));
}
