// Whole chats through the real server binary over loopback WebSockets.
#include "integration/helpers.hpp"

using namespace parley;
using namespace parley::test;

TEST_CASE("full chat: queue, agent, messages both ways, escalation to tier 2, close, rating") {
  ServerProcess server(server_args());
  auto visitor_session = visitor(server.port());
  auto& v = visitor_session.ws;
  const auto id = start(v);
  auto status = v.expect(F::kQueueStatus).queue_status();
  CHECK(status.position() == 1);
  CHECK(status.tier() == 1);

  auto alice_session = staff(server.port(), "alice");
  auto& alice = alice_session.ws;
  auto snap = alice.expect(F::kConversation).conversation();
  CHECK(snap.info().conversation_id() == id);
  CHECK(snap.info().transaction_id() == "0xabc123");
  CHECK(snap.info().page_url() == "https://exchange.example/deposit");
  CHECK(snap.messages(0).text() == "My deposit has not arrived");
  CHECK(v.expect(F::kAgentJoined).agent_joined().agent_name() == "Alice");

  // Messages both ways, acked with the sequence the other side sees.
  alice.send(send_message(id, "a-1", "Hi, which network did you use?"));
  const auto agent_ack = alice.expect(F::kAck).ack();
  auto at_visitor = expect_text(v);
  CHECK(at_visitor.text() == "Hi, which network did you use?");
  CHECK(at_visitor.seq() == agent_ack.seq());
  CHECK(at_visitor.sender_name() == "Alice");

  v1::ClientFrame typing;
  typing.mutable_typing()->set_conversation_id(id);
  typing.mutable_typing()->set_typing(true);
  v.send(typing);
  CHECK(alice.expect(F::kTyping).typing().role() == v1::ROLE_VISITOR);

  v.send(send_message(id, "m-2", "ERC-20, tx 0xabc123"));
  const auto visitor_ack = v.expect(F::kAck).ack();
  CHECK(visitor_ack.seq() == agent_ack.seq() + 1);
  CHECK(expect_text(alice).seq() == visitor_ack.seq());

  v1::ClientFrame read;
  read.mutable_mark_read()->set_conversation_id(id);
  read.mutable_mark_read()->set_seq(visitor_ack.seq());
  alice.send(read);
  CHECK(v.expect(F::kRead).read().seq() == visitor_ack.seq());

  // Escalation to tier 2 with internal notes.
  auto tina_session = staff(server.port(), "tina", v1::ROLE_TIER2);
  auto& tina = tina_session.ws;
  alice.send(escalate(id, "deposit stuck on chain", "confirmations stopped at 3"));
  CHECK(alice.expect(F::kReleased).released().conversation_id() == id);
  auto tier2 = tina.expect(F::kConversation).conversation();
  CHECK(tier2.info().tier() == 2);
  CHECK(tier2.assigned_to_you());
  REQUIRE(tier2.notes_size() == 1);
  CHECK(tier2.notes(0).text().find("confirmations stopped at 3") != std::string::npos);
  std::vector<std::string> transcript;
  for (const auto& m : tier2.messages())
    if (!m.system()) transcript.push_back(m.text());
  CHECK(transcript == std::vector<std::string>{"My deposit has not arrived", "Hi, which network did you use?",
                                               "ERC-20, tx 0xabc123"});
  auto joined = v.expect(F::kAgentJoined).agent_joined();
  CHECK(joined.senior());
  CHECK(joined.agent_name() == "Tina");

  tina.send(send_message(id, "t-1", "I can see the transaction; crediting now."));
  CHECK(expect_text(v).sender_name() == "Tina");
  tina.send(close_chat(id));
  tina.expect(F::kAck);
  CHECK(v.expect(F::kClosed).closed().reason() == v1::CLOSE_REASON_RESOLVED);
  CHECK(v.expect(F::kRatingPrompt).rating_prompt().max_score() == 5);
  v.send(rate(id, 5, "fast"));
  CHECK(v.expect(F::kAck).ack().request_id() == 7);
  CHECK(tina.expect(F::kRatingRecorded).rating_recorded().score() == 5);

  // Nothing internal ever reached the visitor.
  v.sync();
  for (const auto& f : v.buffered()) {
    CHECK(f.frame_case() != F::kNoteAdded);
    CHECK(f.frame_case() != F::kEscalated);
    if (f.has_message()) CHECK(f.message().text().find("confirmations") == std::string::npos);
  }
}

TEST_CASE("two visitors, one agent with capacity 1: the second waits and sees its position move") {
  ServerProcess server(server_args());
  auto alice_session = staff(server.port(), "alice");  // capacity 1
  auto& alice = alice_session.ws;
  auto first = visitor(server.port());
  auto second = visitor(server.port());
  auto third = visitor(server.port());
  const auto id1 = start(first.ws);
  first.ws.expect(F::kAgentJoined);
  alice.expect(F::kConversation);
  start(second.ws);
  CHECK(second.ws.expect(F::kQueueStatus).queue_status().position() == 1);
  start(third.ws);
  CHECK(third.ws.expect(F::kQueueStatus).queue_status().position() == 2);

  alice.send(close_chat(id1));
  CHECK(second.ws.expect(F::kAgentJoined).agent_joined().agent_name() == "Alice");
  CHECK(third.ws.expect(F::kQueueStatus).queue_status().position() == 1);
}

TEST_CASE("agent drops and returns inside the grace period and keeps the chat") {
  // Bob's chat is the control: same grace period, Bob stays away. When Bob's
  // chat is requeued, Alice's grace period has also run out.
  ServerProcess server(server_args({"--grace-period", "1"}));
  std::string alice_chat, bob_chat;
  auto va = visitor(server.port());
  auto vb = visitor(server.port());
  {
    auto alice = staff(server.port(), "alice");
    alice_chat = start(va.ws);
    alice.ws.expect(F::kConversation);
    auto bob = staff(server.port(), "bob");
    bob_chat = start(vb.ws);
    bob.ws.expect(F::kConversation);
  }  // both drop without a close handshake
  auto alice = staff(server.port(), "alice", v1::ROLE_AGENT, false);
  CHECK(alice.welcome.resumed());
  auto snap = alice.ws.expect(F::kConversation).conversation();
  CHECK(snap.info().conversation_id() == alice_chat);

  auto requeued = vb.ws.expect(F::kQueueStatus, 10s).queue_status();
  CHECK(requeued.conversation_id() == bob_chat);
  CHECK(requeued.position() == 1);

  alice.ws.send(send_message(alice_chat, "a-1", "Sorry, my connection dropped."));
  alice.ws.expect(F::kAck);
  // Alice's visitor was never put back in the queue.
  for (;;) {
    auto frame = va.ws.next();
    CHECK(frame.frame_case() != F::kQueueStatus);
    if (frame.has_message() && !frame.message().system()) {
      CHECK(frame.message().text() == "Sorry, my connection dropped.");
      break;
    }
  }
}

TEST_CASE("agent gone past the grace period: the chat is requeued and reassigned") {
  ServerProcess server(server_args({"--grace-period", "0.5"}));
  auto v = visitor(server.port());
  std::string id;
  {
    auto alice = staff(server.port(), "alice");
    id = start(v.ws);
    alice.ws.expect(F::kConversation);
    v.ws.expect(F::kAgentJoined);
    alice.ws.send(send_message(id, "a-1", "Looking into it"));
    alice.ws.expect(F::kAck);
  }
  CHECK(expect_text(v.ws).text() == "Looking into it");
  auto requeued = v.ws.expect(F::kQueueStatus, 10s).queue_status();
  CHECK(requeued.position() == 1);

  auto bob = staff(server.port(), "bob");
  auto snap = bob.ws.expect(F::kConversation).conversation();
  CHECK(snap.info().conversation_id() == id);
  bool saw_alice = false;
  for (const auto& m : snap.messages()) saw_alice |= m.text() == "Looking into it";
  CHECK(saw_alice);
  CHECK(v.ws.expect(F::kAgentJoined).agent_joined().agent_name() == "Bob");
}

TEST_CASE("visitor reconnects mid-chat: misses nothing, sees nothing twice") {
  ServerProcess server(server_args());
  auto alice = staff(server.port(), "alice");
  std::string id, token, visitor_id;
  std::uint64_t last_seen = 0;
  {
    auto v = visitor(server.port());
    token = v.welcome.resume_token();
    visitor_id = v.welcome.participant_id();
    id = start(v.ws);
    v.ws.expect(F::kAgentJoined);
    alice.ws.expect(F::kConversation);
    alice.ws.send(send_message(id, "a-1", "one"));
    last_seen = expect_text(v.ws).seq();
    v.ws.send(send_message(id, "m-2", "two"));
    v.ws.expect(F::kAck);
  }  // the visitor's network drops
  expect_text(alice.ws);
  alice.ws.send(send_message(id, "a-3", "three"));
  alice.ws.send(send_message(id, "a-4", "four"));
  alice.ws.sync();

  auto back = visitor(server.port(), token, {{id, last_seen}});
  CHECK(back.welcome.resumed());
  CHECK(back.welcome.participant_id() == visitor_id);
  auto snap = back.ws.expect(F::kConversation).conversation();
  std::vector<std::string> missed;
  std::uint64_t expected_seq = last_seen;
  for (const auto& m : snap.messages()) {
    CHECK(m.seq() == ++expected_seq);
    missed.push_back(m.text());
  }
  CHECK(missed == std::vector<std::string>{"two", "three", "four"});
  // The visitor resends "two" (its ack might have been lost): stored once.
  back.ws.send(send_message(id, "m-2", "two"));
  auto ack = back.ws.expect(F::kAck).ack();
  CHECK(ack.duplicate());
  CHECK(ack.seq() == last_seen + 1);
  // Live messages continue after the replay.
  alice.ws.send(send_message(id, "a-5", "five"));
  auto live = expect_text(back.ws);
  CHECK(live.text() == "five");
  CHECK(live.seq() == expected_seq + 1);
  alice.ws.sync();
  for (const auto& f : alice.ws.buffered())
    if (f.has_message()) CHECK(f.message().client_message_id() != "m-2");
}
