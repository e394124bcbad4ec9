#include "unit/service_harness.hpp"
#include "chat/text.hpp"

using namespace parley;
using namespace parley::test;
using F = v1::ServerFrame;
constexpr std::int64_t never = std::int64_t{1} << 60;  // a sign-in that outlives the test

TEST_CASE("a new chat waits in its category queue and is told its position") {
  Harness h;
  auto v1c = h.visitor();
  auto v2c = h.visitor();
  const auto first = h.start(v1c);
  const auto second = h.start(v2c);
  CHECK(v1c.take(F::kQueueStatus).queue_status().position() == 1);
  auto status = v2c.take(F::kQueueStatus).queue_status();
  CHECK(status.conversation_id() == second);
  CHECK(status.position() == 2);
  CHECK(status.estimated_wait_seconds() > 0);
  CHECK(first != second);
}

TEST_CASE("an agent coming online is assigned the oldest chat first") {
  Harness h;
  auto a = h.visitor();
  auto b = h.visitor();
  const auto first = h.start(a);
  h.clock.advance(1000);
  h.start(b);
  auto alice = h.agent("alice");
  auto snap = alice.take(F::kConversation).conversation();
  CHECK(snap.info().conversation_id() == first);
  CHECK(snap.assigned_to_you());
  CHECK(snap.messages(0).text() == "help");
  CHECK(a.take(F::kAgentJoined).agent_joined().agent_name() == "Alice");
  // Alice has capacity 2: the second chat follows.
  CHECK(b.has(F::kAgentJoined));
}

TEST_CASE("routing prefers the least-loaded agent, then the longest idle") {
  Harness h;
  auto alice = h.agent("alice");
  h.clock.advance(10);
  auto bob = h.agent("bob");
  auto v1c = h.visitor();
  auto v2c = h.visitor();
  auto v3c = h.visitor();
  h.start(v1c);
  // Both idle since sign-in with no assignment: alice (smaller id) first.
  CHECK(alice.has(F::kConversation));
  CHECK_FALSE(bob.has(F::kConversation));
  h.start(v2c);
  CHECK(bob.has(F::kConversation));  // fewer open chats
  h.clock.advance(10);
  h.start(v3c);
  // Both have one chat; alice was assigned longer ago.
  alice.take(F::kConversation);
  CHECK(alice.has(F::kConversation));
}

TEST_CASE("capacity is respected and a freed slot takes the next in line") {
  Harness h;
  auto alice = h.agent("alice");
  alice.send(set_status(v1::AGENT_STATUS_ONLINE, 1));
  auto a = h.visitor();
  auto b = h.visitor();
  auto c = h.visitor();
  const auto first = h.start(a);
  h.start(b);
  h.start(c);
  CHECK(b.take(F::kQueueStatus).queue_status().position() == 1);
  CHECK(c.take(F::kQueueStatus).queue_status().position() == 2);
  alice.send(close_chat(first));
  CHECK(b.has(F::kAgentJoined));
  CHECK(c.take(F::kQueueStatus).queue_status().position() == 1);
}

TEST_CASE("an away agent keeps chats but gets no new ones, and manual agents accept from the queue") {
  Harness h;
  auto alice = h.agent("alice", v1::ROLE_AGENT, false);  // signs in away
  auto manny = h.agent("manual");
  auto v = h.visitor();
  const auto id = h.start(v);
  CHECK_FALSE(alice.has(F::kConversation));
  CHECK_FALSE(manny.has(F::kConversation));
  h.clock.advance(100);  // staff views are pushed at most every 100 ms
  h.service.advance();
  auto queue = manny.take(F::kQueue).queue();
  while (queue.entries_size() == 0) queue = manny.take(F::kQueue).queue();
  CHECK(queue.entries(0).info().conversation_id() == id);
  manny.clear();
  manny.send(accept(id));
  CHECK(manny.take(F::kAck).ack().request_id() == 8);
  CHECK(manny.take(F::kConversation).conversation().info().conversation_id() == id);
  // Too late for anyone else.
  alice.send(accept(id));
  CHECK(alice.error().code() == v1::ERROR_CODE_WRONG_STATE);
}

TEST_CASE("messages get per-conversation sequence numbers and a resent id is stored once") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);
  v.clear();
  alice.clear();
  v.send(send_message(id, "m-2", "my tx is 0xabc"));
  auto ack = v.take(F::kAck).ack();
  CHECK_FALSE(ack.duplicate());
  auto delivered = alice.take(F::kMessage).message();
  CHECK(delivered.seq() == ack.seq());
  CHECK(delivered.text() == "my tx is 0xabc");
  v.send(send_message(id, "m-2", "my tx is 0xabc"));
  auto again = v.take(F::kAck).ack();
  CHECK(again.duplicate());
  CHECK(again.seq() == ack.seq());
  CHECK_FALSE(alice.has(F::kMessage));
  alice.send(send_message(id, "a-1", "checking"));
  CHECK(v.take(F::kMessage).message().seq() == ack.seq() + 1);
  CHECK(h.log.last_seq(id) == ack.seq() + 1);
}

TEST_CASE("a visitor resuming with a cursor gets exactly what it missed") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto token = v.take(F::kWelcome).welcome().resume_token();
  const auto id = h.start(v);
  const auto seen = h.log.last_seq(id);
  v.disconnect();
  alice.send(send_message(id, "a-1", "one"));
  alice.send(send_message(id, "a-2", "two"));
  auto back = h.visitor(token, {{id, seen}});
  auto welcome = back.take(F::kWelcome).welcome();
  CHECK(welcome.resumed());
  auto snap = back.take(F::kConversation).conversation();
  REQUIRE(snap.messages_size() == 2);
  CHECK(snap.messages(0).seq() == seen + 1);
  CHECK(snap.messages(0).text() == "one");
  CHECK(snap.messages(1).text() == "two");
  CHECK(snap.notes_size() == 0);
  CHECK_FALSE(back.has(F::kMessage));
}

TEST_CASE("the agent sees the visitor leave and come back, in the chat and in its snapshot") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto token = v.take(F::kWelcome).welcome().resume_token();
  const auto id = h.start(v);
  CHECK(alice.take(F::kConversation).conversation().visitor_connected());
  h.clock.advance(5000);
  v.disconnect();  // closed the tab
  auto gone = alice.take(F::kVisitorPresence).visitor_presence();
  CHECK(gone.conversation_id() == id);
  CHECK_FALSE(gone.connected());
  CHECK(gone.away_since_ms() == h.clock.now_ms());
  // A second tab of hers reconnecting sees the same in its snapshot.
  auto other_tab = h.agent("alice");
  auto snap = other_tab.take(F::kConversation).conversation();
  CHECK_FALSE(snap.visitor_connected());
  CHECK(snap.visitor_away_since_ms() == gone.away_since_ms());
  auto back = h.visitor(token);
  auto here = alice.take(F::kVisitorPresence).visitor_presence();
  CHECK(here.connected());
  CHECK(here.away_since_ms() == 0);
  // The visitor never learns about presence frames.
  for (const auto& f : back.outlet->frames) CHECK(f.frame_case() != F::kVisitorPresence);
}

TEST_CASE("an unknown resume token is refused") {
  Harness h;
  auto c = h.connect();
  c.send(visitor_hello("vt_nope"));
  CHECK(c.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  c.send(start_chat("hi"));
  CHECK(c.error().code() == v1::ERROR_CODE_NOT_AUTHENTICATED);
}

TEST_CASE("a disconnected agent keeps chats within the grace period") {
  chat::ServiceLimits limits;
  limits.grace_period_ms = 30'000;
  Harness h(limits);
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);
  alice.disconnect();
  h.clock.advance(29'000);
  h.service.advance();
  auto again = h.agent("alice", v1::ROLE_AGENT, false);
  auto welcome = again.take(F::kWelcome).welcome();
  CHECK(welcome.resumed());
  CHECK(again.take(F::kConversation).conversation().info().conversation_id() == id);
  h.clock.advance(5'000);
  h.service.advance();
  v.clear();
  again.send(send_message(id, "a-1", "still here"));
  CHECK(v.take(F::kMessage).message().text() == "still here");
  CHECK_FALSE(v.has(F::kQueueStatus));
}

TEST_CASE("after the grace period the chat returns to the front of its queue") {
  Harness h;
  auto alice = h.agent("alice");
  auto early = h.visitor();
  const auto id = h.start(early);
  alice.disconnect();
  h.clock.advance(1000);
  auto late = h.visitor();
  h.start(late);  // queued behind? no agent is connected
  CHECK(late.take(F::kQueueStatus).queue_status().position() == 1);
  h.clock.advance(30'000);
  h.service.advance();
  auto status = early.take(F::kQueueStatus).queue_status();
  CHECK(status.conversation_id() == id);
  CHECK(status.position() == 1);  // ahead of the later chat
  CHECK(late.take(F::kQueueStatus).queue_status().position() == 2);
  auto bob = h.agent("bob");
  auto snap = bob.take(F::kConversation).conversation();
  CHECK(snap.info().conversation_id() == id);
  CHECK(snap.messages(0).text() == "help");  // full transcript goes with it
}

TEST_CASE("escalation hands the chat with notes to tier 2 and tells the visitor") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);
  auto tina = h.agent("tina", v1::ROLE_TIER2, false);
  alice.send(escalate(id, "chain reorg suspected", "tx 0xabc stuck at 3 confirmations"));
  CHECK(alice.take(F::kReleased).released().conversation_id() == id);
  CHECK(tina.take(F::kEscalated).escalated().reason() == "chain reorg suspected");
  // System notices come as a code for the reader's language, with English beside it.
  CHECK(v.take(F::kMessage).message().notice().kind() == v1::NOTICE_KIND_AGENT_JOINED);  // Alice, earlier
  const auto passing = v.take(F::kMessage).message();
  CHECK(passing.system());
  CHECK(passing.notice().kind() == v1::NOTICE_KIND_ESCALATING);
  CHECK(passing.text() == "Your chat is being passed to senior support. Please stay here.");
  auto status = v.take(F::kQueueStatus);  // alice took it at once: the first queue status is tier 2
  CHECK(status.queue_status().tier() == 2);
  // Before taking it, tier 2 sees the notes in the queue and may read the transcript.
  h.clock.advance(100);
  h.service.advance();
  v1::QueueSnapshot view;
  while (view.entries_size() == 0) view = tina.take(F::kQueue).queue();
  CHECK(view.tier() == 2);
  CHECK(view.entries(0).notes(0).text().find("3 confirmations") != std::string::npos);
  v1::ClientFrame preview;
  preview.mutable_fetch_history()->set_conversation_id(id);
  tina.send(preview);
  CHECK(tina.take(F::kHistory).history().messages(0).text() == "help");
  alice.send(preview);  // tier 1 gave it away: no preview for them
  CHECK(alice.error().code() == v1::ERROR_CODE_FORBIDDEN);
  tina.send(set_status(v1::AGENT_STATUS_ONLINE));
  auto snap = tina.take(F::kConversation).conversation();
  CHECK(snap.info().tier() == 2);
  REQUIRE(snap.notes_size() == 1);
  CHECK(snap.notes(0).kind() == "escalation");
  CHECK(snap.notes(0).text().find("3 confirmations") != std::string::npos);
  CHECK(v.take(F::kAgentJoined).agent_joined().agent_name() == "Alice");
  auto joined = v.take(F::kAgentJoined).agent_joined();
  CHECK(joined.senior());
  CHECK(joined.agent_name() == "Tina");
  v1::SystemNotice senior_joined;
  for (const auto& f : v.outlet->frames)
    if (f.has_message() && f.message().notice().kind() == v1::NOTICE_KIND_SENIOR_JOINED) senior_joined = f.message().notice();
  CHECK(senior_joined.agent_name() == "Tina");
  // Notes never reach the visitor.
  for (const auto& f : v.outlet->frames) CHECK(f.frame_case() != F::kNoteAdded);
  for (const auto& f : v.outlet->frames)
    if (f.has_message()) CHECK(f.message().text().find("3 confirmations") == std::string::npos);
  // Tier 2 cannot escalate again.
  tina.send(escalate(id, "again", ""));
  CHECK(tina.error().code() == v1::ERROR_CODE_WRONG_STATE);
}

TEST_CASE("transfer moves the chat to another online agent with a note") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);
  alice.send(transfer(id, "bob"));
  CHECK(alice.error().code() == v1::ERROR_CODE_WRONG_STATE);  // bob is offline
  auto bob = h.agent("bob");
  alice.send(transfer(id, "bob", "needs a refund specialist"));
  CHECK(alice.take(F::kReleased).released().conversation_id() == id);
  auto snap = bob.take(F::kConversation).conversation();
  CHECK(snap.info().agent_id() == "bob");
  CHECK(snap.notes(0).kind() == "transfer");
  v.take(F::kAgentJoined);
  CHECK(v.take(F::kAgentJoined).agent_joined().agent_name() == "Bob");
  alice.send(send_message(id, "a-9", "hello?"));
  CHECK(alice.error().code() == v1::ERROR_CODE_FORBIDDEN);
}

TEST_CASE("senior support requests reach the agent and supervisors") {
  Harness h;
  auto alice = h.agent("alice");
  auto sam = h.agent("sam", v1::ROLE_SUPERVISOR, false);
  auto v = h.visitor();
  const auto id = h.start(v);
  v.send(request_senior(id));
  CHECK(v.take(F::kAck).ack().request_id() == 9);
  CHECK(alice.take(F::kSeniorRequested).senior_requested().conversation_id() == id);
  CHECK(sam.has(F::kSeniorRequested));
  v.send(request_senior(id));
  CHECK(v.error().code() == v1::ERROR_CODE_ALREADY_DONE);
}

TEST_CASE("what people write beside the messages is kept with the chat and reaches a successor") {
  Harness h;
  auto alice = h.agent("alice");
  auto tina = h.agent("tina", v1::ROLE_TIER2);
  auto sam = h.agent("sam", v1::ROLE_SUPERVISOR, false);
  auto v = h.visitor();
  const auto id = h.start(v, "提现 stuck since Monday");
  v.send(request_senior(id));
  CHECK(alice.take(F::kSeniorRequested).senior_requested().reason() == "I want a senior engineer");
  alice.send(escalate(id, "withdrawal held by compliance", "tx 0xfeed"));
  const auto escalated = tina.take(F::kEscalated).escalated();
  CHECK(escalated.reason() == "withdrawal held by compliance");
  CHECK(escalated.by_agent() == "Alice");
  CHECK(sam.take(F::kEscalated).escalated().conversation_id() == id);
  tina.take(F::kConversation);
  auto close = close_chat(id);
  close.mutable_close_chat()->set_comment("released after review; 已处理");
  tina.send(close);
  CHECK(v.take(F::kClosed).closed().comment() == "released after review; 已处理");
  CHECK(tina.take(F::kClosed).closed().closed_by() == v1::ROLE_TIER2);

  const auto image = h.service.export_state();
  const parley::state::v1::ConversationRecord* record = nullptr;
  for (const auto& r : image.conversations())
    if (r.info().conversation_id() == id) record = &r;
  REQUIRE(record);
  CHECK(record->senior_reason() == "I want a senior engineer");
  CHECK(record->escalation_reason() == "withdrawal held by compliance");
  CHECK(record->escalated_by() == "Alice");
  CHECK(record->close_comment() == "released after review; 已处理");
  CHECK(record->closed_by() == v1::ROLE_TIER2);
  CHECK(record->close_reason() == v1::CLOSE_REASON_RESOLVED);
  // A successor (a restart, a new leader) still has it.
  chat::Service second(chat::ServiceLimits{}, test_accounts(), h.log, h.clock);
  REQUIRE(second.import_state(image));
  bool kept = false;
  const auto successor = second.export_state();
  for (const auto& r : successor.conversations())
    kept |= r.info().conversation_id() == id && r.close_comment() == record->close_comment() &&
            r.escalation_reason() == record->escalation_reason() && r.senior_reason() == record->senior_reason();
  CHECK(kept);
}

TEST_CASE("visitors choosing a queue are told whether it is open, staffed, and the wait, and again when that changes") {
  Harness h;  // the clock starts on Tuesday 2023-11-14 22:13 UTC
  h.service.update_hours(std::make_shared<const hours::BusinessHours>(hours::BusinessHours::parse(R"({
    "default": {"time_zone": "UTC", "weekly": {"mon": ["09:00-18:00"]}},
    "withdrawal": {"time_zone": "Asia/Shanghai", "weekly": {"mon": ["00:00-24:00"], "tue": ["00:00-24:00"],
      "wed": ["00:00-24:00"], "thu": ["00:00-24:00"], "fri": ["00:00-24:00"], "sat": ["00:00-24:00"], "sun": ["00:00-24:00"]}}
  })")));
  auto queue = [](const v1::ServerFrame& f, v1::Category category) {
    for (const auto& q : f.availability().queues())
      if (q.category() == category) return q;
    FAIL("no availability for the category");
    return v1::QueueAvailability{};
  };
  constexpr std::int64_t monday_9am = 1'700'470'800'000;
  auto v = h.visitor();
  auto first = v.take(F::kAvailability);
  REQUIRE(first.availability().queues_size() == 6);
  auto deposit = queue(first, v1::CATEGORY_DEPOSIT);
  CHECK_FALSE(deposit.open());
  CHECK(deposit.next_open_ms() == monday_9am);
  CHECK_FALSE(deposit.staffed());
  CHECK(deposit.estimated_wait_seconds() == 0);
  CHECK(deposit.time_zone() == "UTC");
  CHECK(queue(first, v1::CATEGORY_WITHDRAWAL).open());
  CHECK(queue(first, v1::CATEGORY_WITHDRAWAL).closes_ms() == 0);  // every day 00:00-24:00: round the clock

  // An agent comes online: the open queue is staffed and shows a wait, the closed one only staffed.
  auto alice = h.agent("alice");
  h.clock.advance(1000);
  h.service.advance();
  auto staffed = v.take(F::kAvailability);
  CHECK(queue(staffed, v1::CATEGORY_WITHDRAWAL).staffed());
  CHECK(queue(staffed, v1::CATEGORY_WITHDRAWAL).estimated_wait_seconds() > 0);
  CHECK(queue(staffed, v1::CATEGORY_DEPOSIT).staffed());
  CHECK(queue(staffed, v1::CATEGORY_DEPOSIT).estimated_wait_seconds() == 0);  // closed: no estimate
  // Nothing changed: nothing sent.
  h.clock.advance(5000);
  h.service.advance();
  CHECK_FALSE(v.has(F::kAvailability));
  // A visitor in a chat is not told; one still choosing is, when Monday opens.
  auto chatting = h.visitor();
  h.start(chatting, "help", v1::CATEGORY_WITHDRAWAL);
  chatting.clear();
  h.clock.advance(monday_9am - h.clock.now_ms());
  h.service.advance();
  auto monday = v.take(F::kAvailability);
  CHECK(queue(monday, v1::CATEGORY_DEPOSIT).open());
  CHECK(queue(monday, v1::CATEGORY_DEPOSIT).estimated_wait_seconds() > 0);
  CHECK(queue(monday, v1::CATEGORY_DEPOSIT).closes_ms() == monday_9am + 9 * 3'600'000);
  CHECK_FALSE(chatting.has(F::kAvailability));
  // New hours from the file reach the visitor at once.
  h.service.update_hours(std::make_shared<const hours::BusinessHours>());
  CHECK(queue(v.take(F::kAvailability), v1::CATEGORY_DEPOSIT).closes_ms() == 0);  // round the clock now
}

TEST_CASE("close prompts for a rating, which is recorded once") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);
  v.send(rate(id, 5));
  CHECK(v.error().code() == v1::ERROR_CODE_WRONG_STATE);
  alice.send(close_chat(id));
  CHECK(v.take(F::kClosed).closed().closed_by() == v1::ROLE_AGENT);
  CHECK(v.has(F::kRatingPrompt));
  v.send(rate(id, 9));
  CHECK(v.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  v.send(rate(id, 4, "quick and kind"));
  v.take(F::kAck);
  CHECK(alice.take(F::kRatingRecorded).rating_recorded().score() == 4);
  v.send(rate(id, 5));
  CHECK(v.error().code() == v1::ERROR_CODE_ALREADY_DONE);
  v.send(send_message(id, "m-9", "hello?"));
  CHECK(v.error().code() == v1::ERROR_CODE_WRONG_STATE);
  // A closed chat frees the visitor to start another.
  v.send(start_chat("another problem", v1::CATEGORY_TRADING, "m-10"));
  CHECK(v.take(F::kAck).ack().conversation_id() != id);
}

TEST_CASE("roles and membership are enforced on every frame") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  auto other = h.visitor();
  const auto id = h.start(v);
  v.send(accept(id));
  CHECK(v.error().code() == v1::ERROR_CODE_FORBIDDEN);
  v.send(escalate(id, "x", "y"));
  CHECK(v.error().code() == v1::ERROR_CODE_FORBIDDEN);
  v.send(set_status(v1::AGENT_STATUS_ONLINE));
  CHECK(v.error().code() == v1::ERROR_CODE_FORBIDDEN);
  other.send(send_message(id, "x-1", "let me in"));
  CHECK(other.error().code() == v1::ERROR_CODE_NOT_FOUND);
  other.send(close_chat(id));
  CHECK(other.error().code() == v1::ERROR_CODE_NOT_FOUND);
  alice.send(start_chat("I am an agent"));
  CHECK(alice.error().code() == v1::ERROR_CODE_FORBIDDEN);
  auto bob = h.agent("bob");
  bob.send(send_message(id, "b-1", "not mine"));
  CHECK(bob.error().code() == v1::ERROR_CODE_FORBIDDEN);
  v.send(start_chat("second chat", v1::CATEGORY_DEPOSIT, "m-77"));
  CHECK(v.error().code() == v1::ERROR_CODE_ALREADY_DONE);
}

TEST_CASE("a staff Hello needs a sign-in the server vouched for, matching the account as it is now") {
  Harness h;
  const auto later = h.clock.now_ms() + 60'000;
  auto refused = [&](const v1::ClientFrame& hello) {
    auto c = h.connect();
    c.send(hello);
    const bool auth_failed = c.error().code() == v1::ERROR_CODE_AUTH_FAILED;
    return auth_failed && c.outlet->closed && c.outlet->closed->first == 1008;
  };
  CHECK(refused(staff_hello("alice", "pst_whatever", v1::ROLE_AGENT)));  // a token alone proves nothing here
  CHECK(refused(verified_staff_hello("alice", "old-stamp", v1::ROLE_AGENT, later)));  // password changed since
  CHECK(refused(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, h.clock.now_ms())));  // expired
  CHECK(refused(verified_staff_hello("alice", "alice-stamp", v1::ROLE_SUPERVISOR, later)));  // not her role
  CHECK(refused(verified_staff_hello("nobody", "nobody-stamp", v1::ROLE_AGENT, later)));
  auto other = verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, later);
  other.mutable_hello()->set_agent_id("bob");  // says bob, token is alice's
  CHECK(refused(other));
  auto ok = h.connect();
  ok.send(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, later));
  CHECK(ok.take(F::kWelcome).welcome().participant_id() == "alice");
}

TEST_CASE("sign-out, a disabled account, a new password and an expired sign-in end staff sessions at once") {
  Harness h;
  auto v = h.visitor();
  const auto id = h.start(v);
  auto alice = h.agent("alice");
  REQUIRE(alice.has(F::kConversation));
  auto other_tab = h.connect();
  other_tab.send(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, h.clock.now_ms() + 3'600'000, "t2"));
  REQUIRE(other_tab.has(F::kWelcome));

  // Logging out one sign-in closes that tab only; her chat stays.
  h.service.sign_out("alice", "t2");
  REQUIRE(other_tab.outlet->closed);
  CHECK(other_tab.outlet->closed->first == 4001);
  CHECK_FALSE(alice.outlet->closed);

  SECTION("disabled: her chat goes back to the queue without a grace period") {
    auto accounts = test_accounts();
    accounts.at("alice").disabled = true;
    h.service.update_accounts(accounts);
    REQUIRE(alice.outlet->closed);
    CHECK(alice.outlet->closed->first == 4001);
    auto bob = h.agent("bob");
    CHECK(bob.take(F::kConversation).conversation().info().conversation_id() == id);
    auto again = h.connect();
    again.send(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, h.clock.now_ms() + 60'000));
    CHECK(again.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  }
  SECTION("a new password") {
    auto accounts = test_accounts();
    accounts.at("alice").credential_stamp = "alice-stamp-2";
    h.service.update_accounts(accounts);
    REQUIRE(alice.outlet->closed);
    CHECK(alice.outlet->closed->second.find("password") != std::string::npos);
  }
  SECTION("removed from the file: treated as disabled") {
    auto accounts = test_accounts();
    accounts.erase("alice");
    h.service.update_accounts(accounts);
    CHECK(alice.outlet->closed);
  }
  SECTION("the sign-in expires") {
    h.clock.advance(h.session_ms);
    h.service.advance();
    REQUIRE(alice.outlet->closed);
    CHECK(alice.outlet->closed->second.find("expired") != std::string::npos);
  }
  SECTION("an unrelated change leaves her be") {
    auto accounts = test_accounts();
    accounts.at("bob").display_name = "Robert";
    h.service.update_accounts(accounts);
    CHECK_FALSE(alice.outlet->closed);
  }
}

TEST_CASE("visitors never learn an agent's login id") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);
  alice.take(F::kConversation);
  const std::string public_id = "agent-1000";  // alice is the first test account
  alice.send(send_message(id, "a-1", "Hello, I am looking into it"));
  // The visitor: display name and public id.
  v1::Message seen;
  for (;;) {
    seen = v.take(F::kMessage).message();
    if (!seen.system()) break;
  }
  CHECK(seen.sender_name() == "Alice");
  CHECK(seen.sender_id() == public_id);
  // Staff still see who wrote it.
  v.send(send_message(id, "m-2", "thanks"));
  // A resumed visitor's snapshot and a history page say the same.
  auto again = h.connect();
  again.send(visitor_hello(v.take(F::kWelcome).welcome().resume_token(), {{id, 0}}));
  auto snap = again.take(F::kConversation).conversation();
  CHECK(snap.info().agent_id() == public_id);
  bool found = false;
  for (const auto& m : snap.messages()) {
    CHECK(m.sender_id() != "alice");
    if (m.sender_role() == v1::ROLE_AGENT) found = m.sender_id() == public_id;
  }
  CHECK(found);
  again.send(fetch_history(id, 0));
  const auto history = again.take(F::kHistory);
  REQUIRE(history.history().messages_size() > 0);
  for (const auto& m : history.history().messages()) CHECK(m.sender_id() != "alice");
  // Nothing the visitor received names "alice" as an id.
  for (const auto& frame : v.outlet->frames) CHECK(frame.DebugString().find("\"alice\"") == std::string::npos);
}

TEST_CASE("resume tokens rotate on every resume, the old one works only briefly, for other tabs") {
  Harness h;
  auto v = h.visitor();
  const auto id = h.start(v);
  const auto first = v.take(F::kWelcome).welcome().resume_token();
  auto back = h.connect();
  back.send(visitor_hello(first));
  const auto second = back.take(F::kWelcome).welcome().resume_token();
  CHECK(second != first);
  // Another tab that still holds the first token, within the grace: the same visitor, told the new token.
  auto tab = h.connect();
  tab.send(visitor_hello(first));
  auto tab_welcome = tab.take(F::kWelcome).welcome();
  CHECK(tab_welcome.resume_token() == second);
  CHECK(tab_welcome.participant_id() == back.take(F::kConversation).conversation().info().visitor_id());
  h.clock.advance(60'000);
  auto late = h.connect();
  late.send(visitor_hello(first, {{id, 1}}));
  CHECK(late.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  auto current = h.connect();
  current.send(visitor_hello(second));
  CHECK(current.has(F::kWelcome));
}

TEST_CASE("what anonymous visitors leave behind is forgotten on a schedule, never their chats") {
  chat::ServiceLimits limits;
  limits.visitor_timeout_ms = 120'000;
  limits.resume_token_ttl_ms = 3'600'000;
  Harness h(limits);
  const auto visitors_at_start = h.service.stats().visitors;

  SECTION("a visitor who never started a chat: gone visitor_timeout after leaving") {
    std::vector<std::string> tokens;
    for (int i = 0; i < 50; ++i) {
      auto v = h.visitor();
      tokens.push_back(v.take(F::kWelcome).welcome().resume_token());
      v.disconnect();
    }
    CHECK(h.service.stats().visitors == visitors_at_start + 50);
    h.clock.advance(119'999);
    h.service.advance();
    CHECK(h.service.stats().visitors == visitors_at_start + 50);
    h.clock.advance(1);
    h.service.advance();
    CHECK(h.service.stats().visitors == visitors_at_start);
    auto back = h.connect();
    back.send(visitor_hello(tokens.front()));
    CHECK(back.error().code() == v1::ERROR_CODE_AUTH_FAILED);
    CHECK(h.service.export_changes().forgotten_visitors_size() == 50);
  }
  SECTION("a visitor who comes back in time is kept") {
    auto v = h.visitor();
    const auto token = v.take(F::kWelcome).welcome().resume_token();
    v.disconnect();
    h.clock.advance(100'000);
    h.service.advance();
    auto back = h.connect();
    back.send(visitor_hello(token));
    REQUIRE(back.has(F::kWelcome));
    h.clock.advance(500'000);
    h.service.advance();
    CHECK(h.service.stats().visitors == visitors_at_start + 1);  // connected: kept
  }
  SECTION("closed and rated: forgotten after the visitor leaves; the chat stays for staff") {
    auto alice = h.agent("alice");
    auto v = h.visitor();
    const auto id = h.start(v);
    alice.take(F::kConversation);
    alice.send(close_chat(id));
    v.send(rate(id, 5));
    v.disconnect();
    h.clock.advance(120'000);
    h.service.advance();
    CHECK(h.service.stats().visitors == visitors_at_start);
    auto sam = h.agent("sam", v1::ROLE_SUPERVISOR);
    sam.send(fetch_history(id, 0));
    CHECK(sam.take(F::kHistory).history().messages_size() >= 1);
  }
  SECTION("closed, not rated: the token lasts resume_token_ttl after the close") {
    auto alice = h.agent("alice");
    auto v = h.visitor();
    const auto id = h.start(v);
    const auto token = v.take(F::kWelcome).welcome().resume_token();
    alice.take(F::kConversation);
    alice.send(close_chat(id));
    v.disconnect();
    h.clock.advance(3'599'999);
    h.service.advance();
    CHECK(h.service.stats().visitors == visitors_at_start + 1);
    h.clock.advance(1);
    h.service.advance();
    CHECK(h.service.stats().visitors == visitors_at_start);
    auto back = h.connect();
    back.send(visitor_hello(token, {{id, 3}}));
    CHECK(back.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  }
  SECTION("with an agent: kept however long the visitor is away") {
    auto alice = h.agent("alice");
    auto v = h.visitor();
    h.start(v);
    alice.take(F::kConversation);
    v.disconnect();
    h.clock.advance(10 * 3'600'000);
    h.service.advance();
    CHECK(h.service.stats().visitors == visitors_at_start + 1);
  }
}

TEST_CASE("with a store, a closed chat leaves memory once no visitor can come back to it, its last change exported") {
  chat::ServiceLimits limits;
  limits.visitor_timeout_ms = 120'000;
  limits.resume_token_ttl_ms = 3'600'000;
  BasicHarness<StoreBackedLog> h(limits);
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto token = v.take(F::kWelcome).welcome().resume_token();
  const auto first = h.start(v);
  alice.take(F::kConversation);
  alice.send(close_chat(first));
  CHECK(h.log.evicted.empty());  // the visitor may still rate it, or come back to it
  SECTION("a new chat of the same visitor: the closed one goes at once") {
    h.service.export_changes();
    v.clear();
    const auto second = h.start(v, "one more thing");
    CHECK(h.log.evicted == std::vector<std::string>{first});
    CHECK(h.log.last_seq(first) == 0);
    CHECK(h.log.last_seq(second) >= 1);
    // Nothing about it is lost on the way out: its record is in the next change set.
    bool exported = false;
    const auto changes = h.service.export_changes();
    for (const auto& c : changes.conversations())
      exported = exported || (c.info().conversation_id() == first && c.info().state() == v1::CONVERSATION_STATE_CLOSED);
    CHECK_FALSE(exported);  // it was exported before, and has not changed since
  }
  SECTION("rated and gone: it leaves with the visitor, and its rating goes to the store") {
    v.send(rate(first, 4));
    v.disconnect();
    h.clock.advance(120'000);
    h.service.advance();
    CHECK(h.log.evicted == std::vector<std::string>{first});
    bool rated = false;
    const auto changes = h.service.export_changes();
    for (const auto& c : changes.conversations())
      rated = rated || (c.info().conversation_id() == first && c.has_rating() && c.rating().score() == 4);
    CHECK(rated);
    CHECK(h.service.stats().visitors == 0);
    auto back = h.connect();
    back.send(visitor_hello(token, {{first, 1}}));
    CHECK(back.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  }
  SECTION("not rated: it stays while the token lasts") {
    v.disconnect();
    h.clock.advance(3'599'999);
    h.service.advance();
    CHECK(h.log.evicted.empty());
    h.clock.advance(1);
    h.service.advance();
    CHECK(h.log.evicted == std::vector<std::string>{first});
  }
  SECTION("what was exported and then evicted is loaded back only while it is reachable") {
    auto image = h.service.export_state();
    BasicHarness<StoreBackedLog> restarted(limits);
    REQUIRE(restarted.service.import_state(image));
    CHECK(restarted.log.evicted.empty());  // its visitor is still remembered
  }
}

namespace {
// Hears the Service's domain events, as the store and other modules do.
struct EventRecorder final : chat::EventListener {
  std::vector<chat::events::Event> events;
  void on_event(const chat::events::Event& e) override { events.push_back(e); }
  // "kind:detail" per event of one conversation, for comparing whole stories.
  std::vector<std::string> story(const std::string& conversation) const {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.conversation_id() != conversation) continue;
      switch (e.kind_case()) {
        case chat::events::Event::kChatStarted: out.push_back("started"); break;
        case chat::events::Event::kMessageAppended:
          out.push_back(e.message_appended().system() ? "system " + std::to_string(e.message_appended().seq())
                                                      : "message " + std::to_string(e.message_appended().seq()));
          break;
        case chat::events::Event::kChatQueued:
          out.push_back("queued tier " + std::to_string(e.chat_queued().tier()) +
                        (e.chat_queued().front() ? " front" : ""));
          break;
        case chat::events::Event::kChatAssigned:
          out.push_back("assigned " + e.chat_assigned().agent_id() + (e.chat_assigned().accepted() ? " accepted" : ""));
          break;
        case chat::events::Event::kChatReleased: out.push_back("released " + e.chat_released().agent_id()); break;
        case chat::events::Event::kChatTransferred:
          out.push_back("transferred " + e.chat_transferred().from_agent_id() + ">" + e.chat_transferred().to_agent_id());
          break;
        case chat::events::Event::kChatEscalated: out.push_back("escalated " + e.chat_escalated().from_agent_id()); break;
        case chat::events::Event::kSeniorRequested: out.push_back("senior requested"); break;
        case chat::events::Event::kChatClosed: out.push_back("closed by " + e.actor_id()); break;
        case chat::events::Event::kChatRated: out.push_back("rated " + std::to_string(e.chat_rated().score())); break;
        case chat::events::Event::kNoteAdded: out.push_back("note " + e.note_added().kind()); break;
        default: out.push_back("?");
      }
    }
    return out;
  }
};
}  // namespace

TEST_CASE("every decision of a support story is a domain event, in order, with who caused it") {
  Harness h;
  EventRecorder recorder;
  h.service.subscribe(recorder);
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto visitor_id = v.take(F::kWelcome).welcome().participant_id();
  const auto id = h.start(v, "deposit 0xabc missing");
  alice.take(F::kConversation);
  v.send(send_message(id, "m-2", "it has been an hour"));
  v.send(send_message(id, "m-2", "it has been an hour"));  // a resend: no second event
  v1::ClientFrame note;
  note.mutable_add_note()->set_conversation_id(id);
  note.mutable_add_note()->set_text("checking the chain");
  alice.send(note);
  alice.send(escalate(id, "needs a ledger check", ""));
  auto tina = h.agent("tina", v1::ROLE_TIER2);
  tina.take(F::kConversation);
  tina.send(close_chat(id));
  v.send(rate(id, 5));
  const std::vector<std::string> expected = {
      "started", "message 1", "queued tier 1", "system 2", "assigned alice", "message 3", "note note",
      "escalated alice", "note escalation", "released alice", "queued tier 2", "system 4",
      "system 5", "assigned tina", "system 6", "closed by tina", "rated 5"};
  CHECK(recorder.story(id) == expected);
  // Who: the visitor started and rated it.
  for (const auto& e : recorder.events)
    if (e.has_chat_started() || e.has_chat_rated()) CHECK(e.actor_id() == visitor_id);
  // Agents' status changes are events too, with no conversation.
  bool alice_online = false;
  for (const auto& e : recorder.events)
    alice_online = alice_online || (e.has_agent_status_changed() && e.agent_status_changed().agent_id() == "alice" &&
                                    e.agent_status_changed().status() == v1::AGENT_STATUS_ONLINE && e.actor_id() == "alice");
  CHECK(alice_online);
}

TEST_CASE("an erasure request: refused while a chat is open, then the visitor is forgotten and the store is told") {
  BasicHarness<StoreBackedLog> h;
  EventRecorder recorder;
  h.service.subscribe(recorder);
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto token = v.take(F::kWelcome).welcome().resume_token();
  const auto id = h.start(v);
  alice.take(F::kConversation);
  std::string who;
  for (const auto& e : recorder.events)
    if (e.has_chat_started()) who = e.chat_started().visitor_id();
  REQUIRE_FALSE(who.empty());
  CHECK(h.service.erase_customer({}, who, "sam") == chat::ErasureResult::open_chat);
  CHECK(h.service.erase_customer("a", "b", "sam") == chat::ErasureResult::unsupported);
  alice.send(close_chat(id));
  CHECK(h.service.erase_customer({}, who, "sam") == chat::ErasureResult::erased);
  REQUIRE(v.outlet->closed);
  CHECK(v.outlet->closed->first == 1008);
  CHECK(h.service.stats().visitors == 0);
  CHECK(h.log.evicted == std::vector<std::string>{id});
  REQUIRE(recorder.events.back().has_customer_erased());
  CHECK(recorder.events.back().customer_erased().visitor_id() == who);
  CHECK(recorder.events.back().actor_id() == "sam");
  // The old connection is gone from the visitor's point of view, and so is the token.
  v.send(send_message(id, "late", "still there?"));
  CHECK(v.error().code() == v1::ERROR_CODE_NOT_AUTHENTICATED);
  v.disconnect();
  auto back = h.connect();
  back.send(visitor_hello(token, {{id, 1}}));
  CHECK(back.error().code() == v1::ERROR_CODE_AUTH_FAILED);
}

TEST_CASE("a chat has a length limit, blank messages are refused whatever they are padded with") {
  chat::ServiceLimits limits;
  limits.max_conversation_messages = 5;
  Harness h(limits);
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);  // 1: the first message; 2: "Alice joined"
  alice.take(F::kConversation);
  v.clear();
  std::uint64_t seq = 0;
  for (int i = 0; seq < 5; ++i) {
    v.send(send_message(id, "m-" + std::to_string(i), "more"));
    seq = v.take(F::kAck).ack().seq();
  }
  v.send(send_message(id, "m-over", "one too many"));
  CHECK(v.error().code() == v1::ERROR_CODE_LIMIT_REACHED);
  alice.send(send_message(id, "a-over", "me too"));
  CHECK(alice.error().code() == v1::ERROR_CODE_LIMIT_REACHED);
  // Closing still works and says so.
  alice.send(close_chat(id));
  CHECK(v.has(F::kClosed));

  auto w = h.visitor();
  const char* blanks[] = {" ", "\u00a0\u00a0", "\u200b", "\u200b\u200c\u200d", "\ufeff", "\u2060", "\u3000",
                          "\u2028\u2029", "\u00ad", "\u3164", "\u202e", "\t\r\n", "\u200e\u200f", "\U000E0020"};
  for (const char* text : blanks) {
    INFO("text: " << text);
    w.send(start_chat(text, v1::CATEGORY_DEPOSIT));
    CHECK(w.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  }
  CHECK_FALSE(chat::blank("\u200bx"));
  CHECK_FALSE(chat::blank("\u4e2d"));
  CHECK(chat::truncate_utf8("\u674e\u4f1f\u674e", 2) == "\u674e\u4f1f");
  CHECK(chat::utf8_length("\u674e\u4f1f") == 2);
}

TEST_CASE("a sign-in ended by logout admits no Hello checked before the logout") {
  Harness h;
  const auto expires = h.clock.now_ms() + 60'000;
  // The network layer found the token valid, then the logout was processed first.
  h.service.sign_out("alice", "t-late", expires);
  auto late = h.connect();
  late.send(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, expires, "t-late"));
  CHECK(late.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  REQUIRE(late.outlet->closed);
  CHECK_FALSE(late.has(F::kWelcome));
  // Another sign-in of the same account is not affected.
  auto other = h.connect();
  other.send(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, expires, "t-other"));
  CHECK(other.has(F::kWelcome));
}

TEST_CASE("ended sign-ins are remembered until they expire, within a limit") {
  chat::EndedSignIns ended(3);
  ended.add("a", 100, 0);
  ended.add("b", 300, 0);
  ended.add("c", 200, 0);
  ended.add("already-expired", 50, 60);  // nothing to remember
  CHECK(ended.size() == 3);
  CHECK(ended.contains("a"));
  ended.add("d", 400, 60);  // at the limit: the one closest to expiry ("a") goes
  CHECK_FALSE(ended.contains("a"));
  CHECK(ended.contains("b"));
  CHECK(ended.contains("c"));
  CHECK(ended.contains("d"));
  ended.forget_expired(250);
  CHECK_FALSE(ended.contains("c"));
  CHECK(ended.contains("b"));
  CHECK(ended.size() == 2);
}

TEST_CASE("frames before Hello close the connection") {
  Harness h;
  auto e = h.connect();
  e.send(send_message("c_x", "m", "hi"));
  CHECK(e.error().code() == v1::ERROR_CODE_NOT_AUTHENTICATED);
  CHECK(e.outlet->closed);
}

TEST_CASE("connections that never say Hello are closed after the timeout") {
  Harness h;
  auto c = h.connect();
  h.clock.advance(9'000);
  h.service.advance();
  CHECK_FALSE(c.outlet->closed);
  h.clock.advance(2'000);
  h.service.advance();
  REQUIRE(c.outlet->closed);
  CHECK(c.outlet->closed->second == "hello timeout");
}

TEST_CASE("invalid start-chat fields are refused with a reason") {
  chat::ServiceLimits limits;
  limits.max_message_chars = 10;
  Harness h(limits);
  auto v = h.visitor();
  v.send(start_chat("   "));
  CHECK(v.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  v.send(start_chat("this is longer than ten"));
  CHECK(v.error().message().find("10 characters") != std::string::npos);
  v.send(start_chat("ok", v1::CATEGORY_UNSPECIFIED));
  CHECK(v.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  v.send(start_chat("ok", static_cast<v1::Category>(99)));
  CHECK(v.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  // Ten characters of Chinese are 30 bytes but within a 10-character limit.
  v.send(start_chat("充值没有到账请帮忙查看"));
  CHECK(v.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);  // 11 characters
  auto named = start_chat("充值没有到账请帮忙查");
  named.mutable_start_chat()->set_display_name(std::string(81, 'n'));
  v.send(named);
  CHECK(v.error().message() == "display_name is too long");
  named.mutable_start_chat()->set_display_name("李伟");
  v.send(named);
  CHECK(v.has(F::kAck));
  CHECK(h.service.stats().queued_tier1 == 1);
  auto alice = h.agent("alice");
  CHECK(alice.take(F::kConversation).conversation().info().visitor_name() == "李伟");
}

TEST_CASE("long transcripts are replayed in bounded pages") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto token = v.take(F::kWelcome).welcome().resume_token();
  const auto id = h.start(v);
  for (int i = 0; i < 450; ++i) alice.send(send_message(id, "a-" + std::to_string(i), std::string(100, 'x')));
  auto back = h.visitor(token, {{id, 0}});
  auto snap = back.take(F::kConversation).conversation();
  CHECK(snap.has_more());
  CHECK(snap.messages_size() <= 200);
  CHECK(snap.ByteSizeLong() < 64 * 1024);
  std::uint64_t last = snap.messages(snap.messages_size() - 1).seq();
  int pages = 1;
  for (bool more = true; more; ++pages) {
    v1::ClientFrame fetch;
    fetch.mutable_fetch_history()->set_conversation_id(id);
    fetch.mutable_fetch_history()->set_after_seq(last);
    back.send(fetch);
    auto history = back.take(F::kHistory).history();
    REQUIRE(history.messages_size() > 0);
    CHECK(history.messages(0).seq() == last + 1);
    last = history.messages(history.messages_size() - 1).seq();
    more = history.has_more();
  }
  CHECK(last == h.log.last_seq(id));
  CHECK(pages == 3);  // 452 entries in pages of at most 200 (bytes permitting)
  auto stranger = h.visitor();
  v1::ClientFrame fetch;
  fetch.mutable_fetch_history()->set_conversation_id(id);
  stranger.send(fetch);
  CHECK(stranger.error().code() == v1::ERROR_CODE_NOT_FOUND);
}

TEST_CASE("a visitor who leaves while waiting gives up the place after the visitor timeout") {
  Harness h;
  auto gone = h.visitor();
  auto stays = h.visitor();
  const auto token = gone.take(F::kWelcome).welcome().resume_token();
  const auto abandoned = h.start(gone);
  const auto waiting = h.start(stays);
  gone.disconnect();
  h.clock.advance(60'000);
  h.service.advance();
  // Back within the timeout: still in line.
  auto back = h.visitor(token);
  CHECK(back.take(F::kQueueStatus).queue_status().conversation_id() == abandoned);
  back.disconnect();
  h.clock.advance(119'000);
  h.service.advance();
  CHECK(h.service.stats().queued_tier1 == 2);
  stays.clear();
  h.clock.advance(2'000);
  h.service.advance();
  CHECK(h.service.stats().queued_tier1 == 1);
  CHECK(stays.take(F::kQueueStatus).queue_status().position() == 1);
  auto alice = h.agent("alice");
  CHECK(alice.take(F::kConversation).conversation().info().conversation_id() == waiting);
  CHECK_FALSE(alice.has(F::kConversation));
}

TEST_CASE("staff queue views are merged over bursts and list only the head of the queue") {
  Harness h;
  auto manny = h.agent("manual");
  h.clock.advance(1000);
  manny.clear();
  std::vector<Client> visitors;
  for (int i = 0; i < 150; ++i) {
    visitors.push_back(h.visitor());
    h.start(visitors.back());
  }
  int pushed = 0;
  for (const auto& f : manny.outlet->frames) pushed += f.has_queue();
  CHECK(pushed <= 1);  // at most the first change at once; the burst is merged
  manny.clear();
  h.clock.advance(100);
  h.service.advance();
  auto view = manny.take(F::kQueue).queue();
  CHECK(view.total() == 150);
  CHECK(view.entries_size() == 100);
  CHECK(view.entries(99).position() == 100);
  h.clock.advance(100);
  h.service.advance();
  CHECK_FALSE(manny.has(F::kQueue));  // nothing changed: nothing pushed
}

TEST_CASE("a successor service continues from an exported state") {
  Harness first;
  auto alice = first.agent("alice");
  auto tina = first.agent("tina", v1::ROLE_TIER2, false);  // away: escalations wait
  auto chatting = first.visitor();
  auto escalated = first.visitor();
  auto waiting = first.visitor();
  auto rated = first.visitor();
  const auto chatting_token = chatting.take(F::kWelcome).welcome().resume_token();
  const auto chat_id = first.start(rated, "done soon");
  alice.send(close_chat(chat_id));
  rated.send(rate(chat_id, 4));
  const auto escalated_id = first.start(escalated, "needs tier 2");
  alice.send(escalate(escalated_id, "reorg", "blocks 100-103"));
  const auto chatting_id = first.start(chatting, "in progress");
  first.clock.advance(10);
  const auto waiting_id = first.start(waiting, "second chat for alice");  // alice has 2 slots
  alice.send(send_message(chatting_id, "a-1", "looking"));

  const auto image = first.service.export_state();
  // The successor shares the message log (in production: Redis) and the clock.
  chat::Service second(chat::ServiceLimits{}, test_accounts(), first.log, first.clock);
  REQUIRE(second.import_state(image));
  const auto stats = second.stats();
  CHECK(stats.sessions == 0);
  CHECK(stats.open_conversations == 3);  // the rated one is closed
  CHECK(stats.queued_tier2 == 1);

  chat::SessionId next = 100;
  auto connect = [&] {
    Client c{&second, next++, std::make_shared<RecordingOutlet>()};
    second.attach(c.id, c.outlet);
    return c;
  };
  // The visitor resumes with the old token and sees the transcript.
  auto back = connect();
  back.send(visitor_hello(chatting_token, {{chatting_id, 1}}));
  CHECK(back.take(F::kWelcome).welcome().resumed());
  auto snap = back.take(F::kConversation).conversation();
  CHECK(snap.info().agent_name() == "Alice");
  bool saw_reply = false;
  for (const auto& m : snap.messages()) saw_reply |= m.text() == "looking";
  CHECK(saw_reply);
  // Alice reconnects within her grace period and still has both chats.
  auto alice2 = connect();
  alice2.send(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, never));
  CHECK(alice2.take(F::kWelcome).welcome().resumed());
  std::set<std::string> hers;
  while (alice2.has(F::kConversation)) hers.insert(alice2.take(F::kConversation).conversation().info().conversation_id());
  CHECK(hers.count(chatting_id) == 1);
  CHECK(hers.count(waiting_id) == 1);
  // The escalation still waits for tier 2 with its note.
  auto tina2 = connect();
  tina2.send(verified_staff_hello("tina", "tina-stamp", v1::ROLE_TIER2, never));
  tina2.send(set_status(v1::AGENT_STATUS_ONLINE));
  auto senior = tina2.take(F::kConversation).conversation();
  CHECK(senior.info().conversation_id() == escalated_id);
  CHECK(senior.notes(0).text().find("blocks 100-103") != std::string::npos);
}

TEST_CASE("an inconsistent state image is refused whole") {
  Harness h;
  parley::state::v1::StateImage image;
  auto* q = image.add_queues();
  q->set_tier(1);
  q->set_category(v1::CATEGORY_DEPOSIT);
  q->add_conversation_ids("c_missing");
  chat::Service fresh(chat::ServiceLimits{}, test_accounts(), h.log, h.clock);
  CHECK_FALSE(fresh.import_state(image));
  CHECK(fresh.stats().queued_tier1 == 0);
}

TEST_CASE("export_changes lists only what changed since the last call") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const auto id = h.start(v);
  auto first = h.service.export_changes();
  CHECK(first.conversations_size() == 1);
  CHECK(first.queues_included());
  CHECK(h.service.export_changes().conversations_size() == 0);  // nothing new
  alice.send(send_message(id, "a-1", "messages live in the log, not the state"));
  auto after_message = h.service.export_changes();
  CHECK(after_message.conversations_size() == 0);
  CHECK_FALSE(after_message.queues_included());
  alice.send(close_chat(id));
  auto after_close = h.service.export_changes();
  REQUIRE(after_close.conversations_size() == 1);
  CHECK(after_close.conversations(0).info().state() == v1::CONVERSATION_STATE_CLOSED);
  REQUIRE(after_close.agents_size() == 1);
  CHECK(after_close.agents(0).open_size() == 0);
}

TEST_CASE("each client address may start only so many chats a minute, but resends and unknown addresses are free") {
  chat::ServiceLimits limits;
  limits.new_chats_per_address_per_minute = 2;
  Harness h(limits);
  auto from = [&](const std::string& address) {
    Client c{&h.service, h.next_id++, std::make_shared<RecordingOutlet>()};
    h.service.attach(c.id, c.outlet, address);
    c.send(visitor_hello());
    REQUIRE(c.has(F::kWelcome));
    return c;
  };
  auto a1 = from("192.0.2.1");
  a1.send(start_chat("one", v1::CATEGORY_DEPOSIT, "m-1"));
  REQUIRE_FALSE(a1.take(F::kAck).ack().duplicate());
  a1.send(start_chat("one", v1::CATEGORY_DEPOSIT, "m-1"));  // a resend after a reconnect costs nothing
  CHECK(a1.take(F::kAck).ack().duplicate());
  auto a2 = from("192.0.2.1");
  a2.send(start_chat("two"));
  CHECK(a2.has(F::kAck));
  auto a3 = from("192.0.2.1");
  a3.send(start_chat("three"));
  auto refused = a3.error();
  CHECK(refused.code() == v1::ERROR_CODE_RATE_LIMITED);
  CHECK(refused.message().find("try again in 30 s") != std::string::npos);
  auto other = from("198.51.100.9");
  other.send(start_chat("elsewhere"));
  CHECK(other.has(F::kAck));
  auto unknown = h.visitor();  // attached without an address (tests, tools): not limited
  unknown.send(start_chat("no address"));
  CHECK(unknown.has(F::kAck));
  h.clock.advance(30'000);  // one chat's worth of budget back
  a3.send(start_chat("three, later"));
  CHECK(a3.has(F::kAck));
}

TEST_CASE("a visitor the host site vouched for is shown to agents as verified, with the site's customer id") {
  Harness h;
  auto verified_hello = [](const std::string& customer, const std::string& token = {}) {
    auto f = visitor_hello(token);
    auto* v = f.mutable_hello()->mutable_verified();
    v->set_site("exchange");
    v->set_customer_id(customer);
    v->set_customer_email(customer + "@example.com");
    v->set_customer_name("Li Wei");
    return f;
  };
  auto c = h.connect();
  c.send(verified_hello("cust-42"));
  auto welcome = c.take(F::kWelcome).welcome();
  CHECK(welcome.display_name() == "Li Wei");
  c.send(start_chat("where is my deposit", v1::CATEGORY_DEPOSIT, "m-1"));
  REQUIRE(c.has(F::kAck));
  auto alice = h.agent("alice");
  auto info = alice.take(F::kConversation).conversation().info();
  CHECK(info.verified());
  CHECK(info.verified_site() == "exchange");
  CHECK(info.customer_id() == "cust-42");
  CHECK(info.email() == "cust-42@example.com");  // the site's, not whatever was typed

  SECTION("resuming as another customer is refused") {
    auto other = h.connect();
    other.send(verified_hello("cust-7", welcome.resume_token()));
    CHECK(other.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  }
  SECTION("the resume token is bound to the customer: without signing in again it is refused") {
    auto back = h.connect();
    back.send(visitor_hello(welcome.resume_token()));
    CHECK(back.error().code() == v1::ERROR_CODE_AUTH_FAILED);
    CHECK_FALSE(back.has(F::kConversation));
    auto signed_in = h.connect();
    signed_in.send(verified_hello("cust-42", welcome.resume_token()));
    CHECK(signed_in.take(F::kConversation).conversation().info().verified());
  }
  SECTION("an anonymous visitor is not verified; signing in on the site later verifies the open chat") {
    auto anon = h.visitor();
    anon.send(start_chat("hello", v1::CATEGORY_DEPOSIT, "m-9"));
    const auto token = anon.take(F::kWelcome).welcome().resume_token();
    CHECK_FALSE(alice.take(F::kConversation).conversation().info().verified());  // her second chat
    auto again = h.connect();
    again.send(verified_hello("cust-99", token));
    CHECK(again.take(F::kConversation).conversation().info().customer_id() == "cust-99");
  }
}

TEST_CASE("a client whose history the server lost is told so, not shown a silently shorter chat") {
  Harness h;
  SECTION("a token of a store generation this server does not have, from a client that had seen messages: HISTORY_LOST") {
    auto c = h.connect();
    c.send(visitor_hello("vt_0badf00d_" + std::string(48, 'a'), {{"c_gone", 7}}));
    CHECK(c.error().code() == v1::ERROR_CODE_HISTORY_LOST);
    auto fresh = h.connect();  // without a cursor it is just an unknown token
    fresh.send(visitor_hello("vt_0badf00d_" + std::string(48, 'a')));
    CHECK(fresh.error().code() == v1::ERROR_CODE_AUTH_FAILED);
  }
  SECTION("a forged token of this store's generation is AUTH_FAILED, cursors or not") {
    const auto real = h.visitor().take(F::kWelcome).welcome().resume_token();
    const auto forged = real.substr(0, real.rfind('_') + 1) + std::string(48, 'f');
    for (const auto& t : {forged, std::string("vt_gone"), std::string("anything")}) {
      auto c = h.connect();
      c.send(visitor_hello(t, {{"c_x", 7}}));
      CHECK(c.error().code() == v1::ERROR_CODE_AUTH_FAILED);
    }
  }
  SECTION("a cursor past the end of the log: the snapshot says history_incomplete") {
    auto v = h.visitor();
    const auto id = h.start(v);
    const auto token = v.take(F::kWelcome).welcome().resume_token();
    auto back = h.connect();
    back.send(visitor_hello(token, {{id, 9}}));  // the client saw up to 9; the log has 1
    auto snap = back.take(F::kConversation).conversation();
    CHECK(snap.history_incomplete());
    auto normal = h.connect();
    normal.send(visitor_hello(token, {{id, 1}}));
    CHECK_FALSE(normal.take(F::kConversation).conversation().history_incomplete());
  }
  SECTION("staff resuming a conversation the server does not know: HISTORY_LOST naming it") {
    auto c = h.connect();
    c.send(verified_staff_hello("alice", "alice-stamp", v1::ROLE_AGENT, never, "t1", {{"c_lost", 12}}));
    REQUIRE(c.has(F::kWelcome));
    auto error = c.error();
    CHECK(error.code() == v1::ERROR_CODE_HISTORY_LOST);
    CHECK(error.conversation_id() == "c_lost");
  }
}

TEST_CASE("a waiting visitor is offered to leave a request: nobody online, the queue closed, or a wait past the limit") {
  chat::ServiceLimits limits;
  limits.offer_requests = true;
  limits.offer_request_after_ms = 60'000;
  Harness h(limits);
  auto offer_of = [](Client& c) {
    v1::RequestOffer last = v1::REQUEST_OFFER_NONE;
    bool any = false;
    while (c.has(F::kQueueStatus)) {
      last = c.take(F::kQueueStatus).queue_status().request_offer();
      any = true;
    }
    REQUIRE(any);
    return last;
  };

  // Nobody who serves the queue is online: offered at once.
  auto early = h.visitor();
  h.start(early);
  CHECK(offer_of(early) == v1::REQUEST_OFFER_NOBODY_ONLINE);

  // Alice comes online and takes it; two more chats fill her, a third waits.
  auto alice = h.agent("alice");
  auto second = h.visitor();
  h.start(second);
  auto waiting = h.visitor();
  h.start(waiting);
  CHECK(offer_of(waiting) == v1::REQUEST_OFFER_NONE);
  h.clock.advance(59'000);
  h.service.advance();
  CHECK_FALSE(waiting.has(F::kQueueStatus));  // nothing changed yet
  h.clock.advance(2'000);
  h.service.advance();
  CHECK(offer_of(waiting) == v1::REQUEST_OFFER_WAITED_LONG);

  // The queue's hours end: closed outranks the wait.
  h.service.update_hours(std::make_shared<const hours::BusinessHours>(hours::BusinessHours::parse(R"({
    "default": {"time_zone": "UTC", "weekly": {"mon": ["09:00-10:00"]}}
  })")));
  h.clock.advance(1'000);
  h.service.advance();
  CHECK(offer_of(waiting) == v1::REQUEST_OFFER_CLOSED);
}

TEST_CASE("without records nothing is offered, however long the wait") {
  Harness h;  // offer_requests is off by default
  auto v = h.visitor();
  h.start(v);
  h.clock.advance(3'600'000);
  h.service.advance();
  while (v.has(F::kQueueStatus)) CHECK(v.take(F::kQueueStatus).queue_status().request_offer() == v1::REQUEST_OFFER_NONE);
}

TEST_CASE("a waiting chat left as a request closes with the request's number, is not rated, and only its visitor may leave it") {
  chat::ServiceLimits limits;
  limits.offer_requests = true;
  Harness h(limits);
  auto v = h.visitor();
  const auto token = v.take(F::kWelcome).welcome().resume_token();
  const auto id = h.start(v, "deposit 0xabc missing");
  auto other = h.visitor();
  const auto other_token = other.take(F::kWelcome).welcome().resume_token();
  const auto other_id = h.start(other, "me too");

  CHECK(h.service.visitor_chat_waiting(token, id));
  CHECK_FALSE(h.service.visitor_chat_waiting(other_token, id));  // not theirs
  CHECK_FALSE(h.service.visitor_chat_waiting("", id));
  CHECK_FALSE(h.service.visitor_chat_waiting("vt_forged", id));
  CHECK_FALSE(h.service.visitor_chat_waiting(token, "no-such-chat"));

  // A client may not claim the server's reason itself.
  v.clear();
  v.send(close_chat(id, v1::CLOSE_REASON_REQUEST_LEFT));
  CHECK(v.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);

  REQUIRE(h.service.divert_to_ticket(id, 1007, 1'700'000'000'000));
  auto notice = v.take(F::kMessage).message();
  CHECK(notice.system());
  CHECK(notice.notice().kind() == v1::NOTICE_KIND_TICKET_OPENED);
  CHECK(notice.notice().ticket_number() == 1007);
  CHECK(notice.notice().due_ms() == 1'700'000'000'000);
  auto closed = v.take(F::kClosed).closed();
  CHECK(closed.reason() == v1::CLOSE_REASON_REQUEST_LEFT);
  CHECK(closed.closed_by() == v1::ROLE_VISITOR);
  CHECK_FALSE(v.has(F::kRatingPrompt));
  CHECK_FALSE(h.service.visitor_chat_waiting(token, id));
  CHECK_FALSE(h.service.divert_to_ticket(id, 1007, 0));  // closed: nothing more
  CHECK(h.service.stats().queued_tier1 == 1);

  // An agent took the other chat meanwhile: it stays open, and both read the notice.
  auto alice = h.agent("alice");
  CHECK_FALSE(h.service.visitor_chat_waiting(other_token, other_id));
  other.clear();
  alice.clear();
  REQUIRE(h.service.divert_to_ticket(other_id, 1008, 1'700'000'000'000));
  CHECK(other.take(F::kMessage).message().notice().ticket_number() == 1008);
  CHECK(alice.take(F::kMessage).message().notice().kind() == v1::NOTICE_KIND_TICKET_OPENED);
  CHECK_FALSE(other.has(F::kClosed));
}

TEST_CASE("a seed phrase or a key is masked before it is stored or shown, from either side, also when sent in parts") {
  Harness h;
  auto alice = h.agent("alice");
  auto v = h.visitor();
  const std::string phrase = "legal winner thank year wave sausage worth useful legal winner thank yellow";
  const auto id = h.start(v, "help, my words are " + phrase);
  // The agent's view of the first message, and what the log keeps.
  auto stored = h.log.read_after(id, 0, 10);
  REQUIRE_FALSE(stored.empty());
  CHECK(stored[0].text() == "help, my words are [seed phrase removed]");
  CHECK(stored[0].masked_secrets_size() == 1);
  CHECK(stored[0].masked_secrets(0) == "seed_phrase");

  auto said = [&](Client& from, const std::string& client_id, const std::string& text) {
    from.clear();
    from.send(send_message(id, client_id, text));
    const auto seq = from.take(F::kAck).ack().seq();
    return h.log.read_after(id, seq - 1, 1).at(0);
  };
  // In two parts within a minute: the second part is masked.
  CHECK(said(v, "p1", "legal winner thank year wave sausage").text() == "legal winner thank year wave sausage");
  h.clock.advance(20'000);
  auto second = said(v, "p2", "worth useful legal winner thank yellow");
  CHECK(second.text() == "[seed phrase removed]");
  CHECK(second.masked_secrets(0) == "seed_phrase");
  // Parts more than a minute apart are two messages, not a phrase.
  said(v, "p3", "legal winner thank year wave sausage");
  h.clock.advance(61'000);
  CHECK(said(v, "p4", "worth useful legal winner thank yellow").text() == "worth useful legal winner thank yellow");
  // An agent cannot paste a key either; a transaction id stays.
  const auto key = said(alice, "a1", "use privkey 0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d");
  CHECK(key.text() == "use privkey [private key removed]");
  const std::string tx = "tx 0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d is confirmed";
  CHECK(said(alice, "a2", tx).text() == tx);
  // The sender's own copy is told what was stored instead.
  v.clear();
  v.send(send_message(id, "p5", "privkey 0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d"));
  const auto ack = v.take(F::kAck).ack();
  CHECK(ack.masked_text() == "privkey [private key removed]");
  REQUIRE(ack.masked_secrets_size() == 1);
  CHECK(ack.masked_secrets(0) == "private_key");
  CHECK(h.service.stats().secrets_masked == 4);
}

namespace {
v1::ClientFrame watch(const std::string& conversation, bool on = true, std::uint32_t request_id = 12) {
  v1::ClientFrame f;
  f.set_request_id(request_id);
  f.mutable_watch_chat()->set_conversation_id(conversation);
  f.mutable_watch_chat()->set_watch(on);
  return f;
}
// The latest ChatsInProgress a supervisor was pushed.
v1::ChatsInProgress latest_in_progress(Client& c) {
  v1::ChatsInProgress last;
  bool found = false;
  for (const auto& f : c.outlet->frames)
    if (f.has_chats_in_progress()) {
      last = f.chats_in_progress();
      found = true;
    }
  REQUIRE(found);
  return last;
}
}  // namespace

TEST_CASE("supervisors see the chats in progress, who has each, and follow one read-only") {
  Harness h;
  auto alice = h.agent("alice");
  auto sam = h.agent("sam", v1::ROLE_SUPERVISOR, false);
  CHECK(latest_in_progress(sam).total() == 0);  // with the welcome
  auto v = h.visitor();
  const auto id = h.start(v, "my deposit is missing");
  alice.take(F::kConversation);
  h.clock.advance(100);
  h.service.advance();
  auto view = latest_in_progress(sam);
  REQUIRE(view.chats_size() == 1);
  CHECK(view.total() == 1);
  CHECK(view.chats(0).info().conversation_id() == id);
  CHECK(view.chats(0).info().agent_name() == "Alice");
  CHECK(view.chats(0).assigned_ms() > 0);
  CHECK_FALSE(alice.has(F::kChatsInProgress));  // agents are not shown the others' chats
  CHECK_FALSE(v.has(F::kChatsInProgress));

  sam.clear();
  sam.send(watch(id));
  CHECK(sam.take(F::kAck).ack().request_id() == 12);
  const auto snap = sam.take(F::kConversation).conversation();
  CHECK(snap.watching());
  CHECK_FALSE(snap.assigned_to_you());
  CHECK(snap.messages(0).text() == "my deposit is missing");
  // Live: both sides' messages and the agent's notes.
  alice.send(send_message(id, "a-1", "Which network?"));
  CHECK(sam.take(F::kMessage).message().text() == "Which network?");
  v.send(send_message(id, "v-2", "TRC-20"));
  CHECK(sam.take(F::kMessage).message().text() == "TRC-20");
  // A note reaches supervisors once, watching or not.
  v1::ClientFrame note;
  note.set_request_id(20);
  note.mutable_add_note()->set_conversation_id(id);
  note.mutable_add_note()->set_text("checking the chain");
  alice.send(note);
  sam.take(F::kNoteAdded);
  CHECK_FALSE(sam.has(F::kNoteAdded));
  // Stops following: nothing more.
  sam.send(watch(id, false, 13));
  CHECK(sam.take(F::kAck).ack().request_id() == 13);
  sam.clear();
  v.send(send_message(id, "v-3", "hello?"));
  CHECK_FALSE(sam.has(F::kMessage));
  // Agents and visitors may not watch.
  alice.send(watch(id));
  CHECK(alice.error().code() == v1::ERROR_CODE_FORBIDDEN);
  v.send(watch(id));
  CHECK(v.error().code() == v1::ERROR_CODE_FORBIDDEN);
  sam.send(watch("c_nope"));
  CHECK(sam.error().code() == v1::ERROR_CODE_NOT_FOUND);
}

TEST_CASE("a supervisor who watches a chat may join it by writing, and may reassign and close it") {
  Harness h;
  auto alice = h.agent("alice");
  auto bob = h.agent("bob");
  auto sam = h.agent("sam", v1::ROLE_SUPERVISOR, false);
  auto v = h.visitor();
  const auto id = h.start(v);
  const bool alice_has_it = alice.has(F::kConversation);
  auto& first = alice_has_it ? alice : bob;
  auto& second = alice_has_it ? bob : alice;
  const std::string second_id = alice_has_it ? "bob" : "alice";
  // Writing without watching is refused: a supervisor joins deliberately.
  sam.send(send_message(id, "s-0", "hello"));
  CHECK(sam.error().code() == v1::ERROR_CODE_WRONG_STATE);
  sam.send(watch(id));
  sam.take(F::kAck);
  sam.take(F::kConversation);
  sam.send(send_message(id, "s-1", "I am the team lead; we are on it."));
  CHECK(sam.take(F::kAck).ack().seq() >= 2);
  auto seen = v.take(F::kMessage).message();
  while (seen.system()) seen = v.take(F::kMessage).message();
  CHECK(seen.text() == "I am the team lead; we are on it.");
  CHECK(seen.sender_role() == v1::ROLE_SUPERVISOR);
  CHECK(seen.sender_id() != "sam");  // visitors never see a login id
  CHECK(first.take(F::kMessage).message().sender_name() == "Sam");
  CHECK_FALSE(sam.has(F::kMessage));  // not echoed to its sender
  // Reassign: the chat moves; the watcher keeps following it.
  sam.send(transfer(id, second_id, "over to you"));
  sam.take(F::kAck);
  CHECK(first.has(F::kReleased));
  CHECK(second.take(F::kConversation).conversation().assigned_to_you());
  sam.clear();
  second.send(send_message(id, "b-1", "Hi, I have your chat now"));
  CHECK(sam.take(F::kMessage).message().text() == "Hi, I have your chat now");
  // Close: everyone is told; the watch ends with it.
  sam.send(close_chat(id));
  sam.take(F::kAck);
  CHECK(v.take(F::kClosed).closed().closed_by() == v1::ROLE_SUPERVISOR);
  CHECK(sam.has(F::kClosed));
  sam.send(watch(id));
  CHECK(sam.error().code() == v1::ERROR_CODE_WRONG_STATE);
}

TEST_CASE("a supervisor follows at most 20 chats at once, and a closed session follows none") {
  Harness h;
  auto alice = h.agent("alice");
  alice.send(set_status(v1::AGENT_STATUS_ONLINE, 25, 30));
  auto sam = h.agent("sam", v1::ROLE_SUPERVISOR, false);
  std::vector<Client> visitors;
  std::vector<std::string> ids;
  for (int i = 0; i < 21; ++i) {
    visitors.push_back(h.visitor());
    ids.push_back(h.start(visitors.back(), "help " + std::to_string(i)));
  }
  for (int i = 0; i < 20; ++i) {
    sam.send(watch(ids[static_cast<std::size_t>(i)]));
    REQUIRE(sam.take(F::kAck).ack().conversation_id() == ids[static_cast<std::size_t>(i)]);
  }
  sam.send(watch(ids[20]));
  CHECK(sam.error().code() == v1::ERROR_CODE_LIMIT_REACHED);
  sam.send(watch(ids[0]));  // again: no change, no error
  CHECK(sam.take(F::kAck).ack().conversation_id() == ids[0]);
  sam.disconnect();
  // Its watches are gone with it: a message reaches the visitor and agent only, and nothing breaks.
  visitors[0].send(send_message(ids[0], "v-x", "still there?"));
  CHECK(visitors[0].take(F::kAck).ack().seq() >= 2);
}
