// What a visitor (or a script on the host page holding their token) can learn
// and keep, through the real server.
#include "integration/helpers.hpp"

using namespace parley;
using namespace parley::test;

TEST_CASE("visitors see agents by name and an opaque id, never the login id") {
  ServerProcess server(server_args());
  auto alice = staff(server.port(), "alice");
  auto v = visitor(server.port());
  const auto id = start(v.ws);
  auto snapshot = alice.ws.expect(F::kConversation).conversation();
  alice.ws.send(send_message(id, "a-1", "Hello, I am Alice"));
  const auto seen = expect_text(v.ws);
  CHECK(seen.sender_name() == "Alice");
  CHECK(seen.sender_id() != "alice");
  CHECK(seen.sender_id().starts_with("agent-"));
  // The same on resume, in the snapshot's info and messages.
  auto back = visitor(server.port(), v.welcome.resume_token(), {{id, 0}});
  auto snap = back.ws.expect(F::kConversation).conversation();
  CHECK(snap.info().agent_id() == seen.sender_id());
  for (const auto& m : snap.messages()) CHECK(m.sender_id() != "alice");
}

TEST_CASE("resume tokens rotate on resume, and the old one stops working") {
  ServerProcess server(server_args());
  auto v = visitor(server.port());
  const auto id = start(v.ws);
  const auto first = v.welcome.resume_token();
  auto back = visitor(server.port(), first, {{id, 1}});
  const auto second = back.welcome.resume_token();
  CHECK(second != first);
  CHECK(back.welcome.participant_id() == v.welcome.participant_id());
  // Still the same visitor with the new token.
  auto again = visitor(server.port(), second, {{id, 1}});
  CHECK(again.welcome.participant_id() == v.welcome.participant_id());
}

TEST_CASE("a chat has a length limit, refused with LIMIT_REACHED") {
  ServerProcess server(server_args({"--max-chat-messages", "10"}));
  auto v = visitor(server.port());
  const auto id = start(v.ws);
  std::uint64_t seq = 1;
  for (int i = 0; seq < 10; ++i) {
    v.ws.send(send_message(id, "m-" + std::to_string(i), "more detail"));
    seq = v.ws.expect(F::kAck).ack().seq();
  }
  v.ws.send(send_message(id, "m-over", "one too many"));
  auto error = v.ws.expect_error();
  CHECK(error.code() == v1::ERROR_CODE_LIMIT_REACHED);
  CHECK(error.conversation_id() == id);
  // Blank-looking text is refused whatever it is made of.
  for (const char* text : {"\u200b\u200b", "\u00a0", "\ufeff", "\u3000"}) {
    auto w = visitor(server.port());
    w.ws.send(start_chat(text));
    CHECK(w.ws.expect_error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  }
}
