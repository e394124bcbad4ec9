// Tickets and their mail through the real binary and a real SMTP server (the
// sink): a request from the widget's form becomes a ticket and an
// acknowledgement; an agent's reply goes out threaded on it; the requester
// sees it with their secret; with the relay down nothing is lost and each mail
// is sent once when it is back; a refused recipient fails visibly; bad requests
// get a clear error.
#include "integration/ticket_helpers.hpp"

using namespace parley;
using namespace parley::test;


TEST_CASE("tickets: a request becomes a ticket and an acknowledgement, the agent's reply is mailed, threaded, and seen by the requester") {
  TempDir data("tickets");
  SmtpSink sink;
  ServerProcess server(server_with_mail(data, sink));
  auto res = post_json(server.port(), "/api/requests", request_body(token_a));
  INFO(res.body);
  REQUIRE(res.status == 201);
  CHECK(json::parse(res.body).at("request").at("status") == "open");
  auto mails = sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK_THAT(mails[0], Catch::Contains("X-Envelope-To: li@example.com"));
  CHECK(header(mails[0], "Auto-Submitted") == "auto-replied");
  const auto ack_id = header(mails[0], "Message-Id");
  CHECK_FALSE(ack_id.empty());
  CHECK_THAT(header(mails[0], "Reply-To"), Catch::Contains("support+t1001."));

  // The same request again (a resend after a lost answer) is the same ticket, and no second mail.
  res = post_json(server.port(), "/api/requests", request_body(token_a));
  CHECK(res.status == 200);

  const auto alice = login(server.port(), "alice");
  res = http_request(server.port(), "GET", "/api/tickets?view=unassigned", "", {{"Authorization", "Bearer " + alice}});
  REQUIRE(res.status == 200);
  const auto list = json::parse(res.body).at("tickets").as_array();
  REQUIRE(list.size() == 1);
  const std::string id(list[0].at("id").as_string());
  CHECK(list[0].at("number") == 1001);
  CHECK(list[0].at("queue") == "deposit");

  res = post_json(server.port(), "/api/tickets/" + id + "/reply",
                  {{"text", "您的充值已到账。"}, {"client_message_id", "r1"}}, {{"Authorization", "Bearer " + alice}});
  INFO(res.body);
  REQUIRE(res.status == 200);
  mails = sink.wait_for(2);
  REQUIRE(mails.size() == 2);
  CHECK(header(mails[1], "In-Reply-To") == ack_id);
  CHECK(header(mails[1], "Auto-Submitted").empty());
  CHECK(sink.messages().size() == 2);  // the resent request sent nothing

  // The requester's view: the reply, by name, no staff ids or notes.
  res = http_request(server.port(), "GET", "/api/requests/mine", "", {{"Authorization", "Bearer " + token_a}});
  REQUIRE(res.status == 200);
  const auto mine = json::parse(res.body).at("request");
  CHECK(mine.at("status") == "pending");
  REQUIRE(mine.at("messages").as_array().size() == 2);
  CHECK(mine.at("messages").as_array()[1].at("from") == "support");
  CHECK(mine.at("messages").as_array()[1].at("author_name") == "Alice");
  CHECK(res.body.find("alice") == std::string::npos);
  // Another secret sees nothing.
  res = http_request(server.port(), "GET", "/api/requests/mine", "",
                     {{"Authorization", "Bearer tok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}});
  CHECK(res.status == 404);

  // The agent sees the mail as sent on the message.
  const auto t = ticket(server.port(), alice, id);
  CHECK(t.at("thread").as_array()[1].at("mail").at("status") == "sent");
}

TEST_CASE("tickets: with the relay down nothing is lost, when it is back each mail goes out once, also after a restart") {
  TempDir data("tickets-relay");
  SmtpSink sink({}, false);  // not started: the relay is down
  std::string id;
  {
    ServerProcess server(server_with_mail(data, sink));
    auto res = post_json(server.port(), "/api/requests", request_body(token_a));
    REQUIRE(res.status == 201);
    const auto alice = login(server.port(), "alice");
    res = http_request(server.port(), "GET", "/api/tickets", "", {{"Authorization", "Bearer " + alice}});
    id = std::string(json::parse(res.body).at("tickets").as_array()[0].at("id").as_string());
    res = post_json(server.port(), "/api/tickets/" + id + "/reply", {{"text", "We are checking."}, {"client_message_id", "r1"}},
                    {{"Authorization", "Bearer " + alice}});
    REQUIRE(res.status == 200);
    // The attempts fail and are recorded on the ticket, for the agent to see.
    json::value t;
    for (int i = 0; i < 250; ++i) {
      t = ticket(server.port(), alice, id);
      const auto& mails = t.at("mails").as_array();
      if (mails.size() == 2 && mails[0].at("attempts").as_int64() >= 1 && mails[1].at("attempts").as_int64() >= 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    for (const auto& m : t.at("mails").as_array()) {
      CHECK(m.at("status") == "queued");
      CHECK(m.at("attempts").as_int64() >= 1);
      CHECK_FALSE(m.at("last_error").as_string().empty());
    }
  }
  // Restarted with the relay up: the queued mails are still there and go out, once each.
  sink.start();
  ServerProcess server(server_with_mail(data, sink));
  auto mails = sink.wait_for(2, std::chrono::seconds(20));
  REQUIRE(mails.size() == 2);
  CHECK(header(mails[0], "Auto-Submitted") == "auto-replied");
  CHECK(header(mails[1], "In-Reply-To").empty() == false);
  const auto alice = login(server.port(), "alice");
  const auto t = ticket(server.port(), alice, id);
  for (const auto& m : t.at("mails").as_array()) CHECK(m.at("status") == "sent");
  CHECK(sink.messages().size() == 2);
}

TEST_CASE("tickets: a recipient the relay refuses fails at once and shows on the ticket") {
  TempDir data("tickets-refused");
  SmtpSink sink({"--refuse-rcpt", "nobody@example.com"});
  ServerProcess server(server_with_mail(data, sink));
  auto res = post_json(server.port(), "/api/requests", request_body(token_a, "nobody@example.com"));
  REQUIRE(res.status == 201);
  const auto alice = login(server.port(), "alice");
  res = http_request(server.port(), "GET", "/api/tickets", "", {{"Authorization", "Bearer " + alice}});
  const std::string id(json::parse(res.body).at("tickets").as_array()[0].at("id").as_string());
  json::value mail;
  for (int i = 0; i < 250; ++i) {
    mail = ticket(server.port(), alice, id).at("mails").as_array()[0];
    if (mail.at("status") != "queued") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(mail.at("status") == "failed");
  CHECK_THAT(std::string(mail.at("last_error").as_string()), Catch::Contains("550"));
}

TEST_CASE("tickets: bad requests get a clear error and store nothing") {
  TempDir data("tickets-bad");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  struct Case {
    const char* what;
    std::function<void(json::object&)> spoil;
    int status;
    const char* code;
  };
  const std::vector<Case> cases{
      {"short token", [](auto& b) { b["token"] = "abc"; }, 400, "invalid_request"},
      {"no e-mail", [](auto& b) { b.erase("email"); }, 400, "invalid_request"},
      {"header injection in the e-mail", [](auto& b) { b["email"] = "li@example.com\r\nBcc: x@example.com"; }, 400, "invalid_request"},
      {"e-mail not a string", [](auto& b) { b["email"] = 5; }, 400, "invalid_request"},
      {"unknown category", [](auto& b) { b["category"] = "lottery"; }, 400, "invalid_request"},
      {"blank text", [](auto& b) { b["text"] = "   "; }, 400, "invalid_request"},
      {"text too long", [](auto& b) { b["text"] = std::string(10'001, 'x'); }, 400, "invalid_request"},
  };
  int n = 0;
  for (const auto& c : cases) {
    INFO(c.what);
    auto body = request_body("tok_" + std::string(36, static_cast<char>('c' + n++)));
    c.spoil(body);
    const auto res = post_json(server.port(), "/api/requests", body);
    CHECK(res.status == c.status);
    CHECK(json::parse(res.body).at("error") == c.code);
  }
  // Not JSON, wrong method, another site.
  auto res = http_request(server.port(), "POST", "/api/requests", "token=x", {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(res.status == 415);
  res = http_request(server.port(), "GET", "/api/requests");
  CHECK(res.status == 405);
  res = post_json(server.port(), "/api/requests", request_body(token_a), {{"Origin", "https://evil.example"}});
  CHECK(res.status == 403);
  // Staff APIs want a staff token; a requester's secret is not one.
  res = http_request(server.port(), "GET", "/api/tickets", "", {{"Authorization", "Bearer " + token_a}});
  CHECK(res.status == 401);
  const auto alice = login(server.port(), "alice");
  res = http_request(server.port(), "GET", "/api/tickets", "", {{"Authorization", "Bearer " + alice}});
  REQUIRE(res.status == 200);
  CHECK(json::parse(res.body).at("tickets").as_array().empty());
}

TEST_CASE("tickets: new requests are limited per address") {
  TempDir data("tickets-limit");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  int accepted = 0, limited = 0;
  for (int i = 0; i < 8; ++i) {
    const auto res = post_json(server.port(), "/api/requests",
                               request_body("tok_" + std::string(36, static_cast<char>('a' + i)), "u" + std::to_string(i) + "@example.com"));
    if (res.status == 201) ++accepted;
    if (res.status == 429) {
      ++limited;
      CHECK(json::parse(res.body).at("error") == "rate_limited");
      CHECK(res.headers.count("retry-after") + res.headers.count("Retry-After") == 1);
    }
  }
  CHECK(accepted == 5);
  CHECK(limited == 3);
}

TEST_CASE("tickets: the chat's agent makes a ticket of it: owned by them, acknowledged by mail, the chat told the number and deadline") {
  TempDir data("tickets-from-chat");
  SmtpSink sink;
  ServerProcess server(server_with_mail(data, sink));
  auto alice_session = staff(server.port(), "alice");
  auto& alice = alice_session.ws;
  auto visitor_session = visitor(server.port());
  auto& v = visitor_session.ws;
  auto frame = start_chat("My withdrawal of 2 ETH is stuck");
  frame.mutable_start_chat()->set_email("li@example.com");
  frame.mutable_start_chat()->set_display_name("Li Wei");
  v.send(frame);
  const auto id = v.expect(F::kAck).ack().conversation_id();
  REQUIRE(alice.expect(F::kConversation).conversation().assigned_to_you());
  alice.send(send_message(id, "a-1", "I will ask the wallet team to check."));
  REQUIRE(alice.expect(F::kAck).ack().seq() > 0);
  CHECK(expect_text(v).text() == "I will ask the wallet team to check.");

  const auto token = login(server.port(), "alice");
  const json::object body{{"conversation_id", id}};
  auto res = post_json(server.port(), "/api/tickets/from-chat", body, {{"Authorization", "Bearer " + token}});
  INFO(res.body);
  REQUIRE(res.status == 201);
  const auto t = json::parse(res.body).at("ticket");
  CHECK(t.at("channel") == "chat");
  CHECK(t.at("owner_id") == "alice");
  CHECK(t.at("requester_email") == "li@example.com");
  CHECK(t.at("source_conversation_id").as_string() == id);
  CHECK(t.at("queue") == "deposit");
  const auto first = std::string(t.at("thread").as_array()[0].at("text").as_string());
  CHECK_THAT(first, Catch::Contains("Li Wei: My withdrawal of 2 ETH is stuck"));
  CHECK_THAT(first, Catch::Contains("Alice: I will ask the wallet team to check."));

  // The visitor is told, as a notice each client shows in its reader's language.
  const auto notice = expect_notice(v, v1::NOTICE_KIND_TICKET_OPENED);
  CHECK(static_cast<std::int64_t>(notice.notice().ticket_number()) == t.at("number").as_int64());
  CHECK(notice.notice().due_ms() == t.at("due_ms").as_int64());
  CHECK_THAT(notice.text(), Catch::StartsWith("This chat is now request #1001."));
  // And by mail, with the deadline.
  auto mails = sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK_THAT(mails[0], Catch::Contains("X-Envelope-To: li@example.com"));

  // Twice is once.
  res = post_json(server.port(), "/api/tickets/from-chat", body, {{"Authorization", "Bearer " + token}});
  CHECK(res.status == 200);
  CHECK(json::parse(res.body).at("ticket").at("number") == t.at("number"));
  // Another agent may not; a supervisor may; bad input is a clear error.
  const auto bob = login(server.port(), "bob");
  res = post_json(server.port(), "/api/tickets/from-chat", body, {{"Authorization", "Bearer " + bob}});
  CHECK(res.status == 403);
  res = post_json(server.port(), "/api/tickets/from-chat", {{"conversation_id", "c_nothing"}}, {{"Authorization", "Bearer " + token}});
  CHECK(res.status == 404);
  res = post_json(server.port(), "/api/tickets/from-chat", {{"conversation_id", 5}}, {{"Authorization", "Bearer " + token}});
  CHECK(res.status == 400);
  res = post_json(server.port(), "/api/tickets/from-chat", {{"conversation_id", id}, {"email", "not an address"}},
                  {{"Authorization", "Bearer " + token}});
  CHECK(res.status == 400);  // a bad address is refused, made before or not
  res = http_request(server.port(), "POST", "/api/tickets/from-chat", json::serialize(body), {{"Content-Type", "application/json"}});
  CHECK(res.status == 401);
  CHECK(sink.messages().size() == 1);
}

TEST_CASE("tickets: a chat without an e-mail address needs one to become a ticket") {
  TempDir data("tickets-from-chat-no-mail");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  auto alice_session = staff(server.port(), "alice");
  auto visitor_session = visitor(server.port());
  const auto id = start(visitor_session.ws);
  REQUIRE(alice_session.ws.expect(F::kConversation).conversation().assigned_to_you());
  const auto token = login(server.port(), "alice");
  auto res = post_json(server.port(), "/api/tickets/from-chat", {{"conversation_id", id}}, {{"Authorization", "Bearer " + token}});
  CHECK(res.status == 400);
  CHECK_THAT(res.body, Catch::Contains("email"));
  res = post_json(server.port(), "/api/tickets/from-chat", {{"conversation_id", id}, {"email", "wang@example.cn"}},
                  {{"Authorization", "Bearer " + token}});
  CHECK(res.status == 201);
}

TEST_CASE("tickets: a visitor nobody can serve leaves the waiting chat as a request: everything typed is kept, the chat closes with the number, each resend is the same request") {
  TempDir data("tickets-visitor-leaves");
  SmtpSink sink;
  ServerProcess server(server_with_mail(data, sink));
  auto visitor_session = visitor(server.port());
  auto& v = visitor_session.ws;
  auto frame = start_chat("My deposit 0xfeed01 has not arrived after 3 hours");
  frame.mutable_start_chat()->set_display_name("Li Wei");
  frame.mutable_start_chat()->set_transaction_id("0xfeed01");
  v.send(frame);
  const auto id = v.expect(F::kAck).ack().conversation_id();
  // Nobody is online: waiting is not worth it, and the visitor is told so.
  CHECK(v.expect(F::kQueueStatus).queue_status().request_offer() == v1::REQUEST_OFFER_NOBODY_ONLINE);
  v.send(send_message(id, "v-2", "It was 0.5 BTC"));
  REQUIRE(v.expect(F::kAck).ack().seq() > 0);

  const std::string resume = visitor_session.welcome.resume_token();
  const json::object body{{"token", token_a}, {"email", "li@example.com"}, {"conversation_id", id}, {"resume_token", resume}};
  auto res = post_json(server.port(), "/api/requests/from-chat", body);
  INFO(res.body);
  REQUIRE(res.status == 201);
  const auto request = json::parse(res.body).at("request");
  CHECK(request.at("email") == "li@example.com");
  const auto text = std::string(request.at("messages").as_array()[0].at("text").as_string());
  CHECK_THAT(text, Catch::Contains("My deposit 0xfeed01 has not arrived after 3 hours"));
  CHECK_THAT(text, Catch::Contains("It was 0.5 BTC"));

  // The chat says so and closes; nobody served it, so nothing to rate.
  const auto notice = expect_notice(v, v1::NOTICE_KIND_TICKET_OPENED);
  CHECK(static_cast<std::int64_t>(notice.notice().ticket_number()) == request.at("number").as_int64());
  CHECK(notice.notice().due_ms() == request.at("due_ms").as_int64());
  CHECK(v.expect(F::kClosed).closed().reason() == v1::CLOSE_REASON_REQUEST_LEFT);
  // Acknowledged by mail.
  auto mails = sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK_THAT(mails[0], Catch::Contains("X-Envelope-To: li@example.com"));

  // A resend after a lost answer: the same request, no second mail.
  res = post_json(server.port(), "/api/requests/from-chat", body);
  CHECK(res.status == 200);
  CHECK(json::parse(res.body).at("request").at("number") == request.at("number"));
  // The requester sees it with their secret; an agent sees it unassigned, with the transaction id.
  res = http_request(server.port(), "GET", "/api/requests/mine", "", {{"Authorization", "Bearer " + token_a}});
  CHECK(res.status == 200);
  const auto alice = login(server.port(), "alice");
  res = http_request(server.port(), "GET", "/api/tickets?view=unassigned", "", {{"Authorization", "Bearer " + alice}});
  REQUIRE(res.status == 200);
  const auto list = json::parse(res.body).at("tickets").as_array();
  REQUIRE(list.size() == 1);
  const auto t = ticket(server.port(), alice, std::string(list[0].at("id").as_string()));
  CHECK(t.at("transaction_id") == "0xfeed01");
  CHECK(t.at("channel") == "chat");
  CHECK(t.at("source_conversation_id").as_string() == id);
  CHECK(sink.messages().size() == 1);
}

TEST_CASE("tickets: only the visitor whose chat is waiting may leave it as a request, and bad input is a clear error") {
  TempDir data("tickets-visitor-leaves-bad");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  auto mine = visitor(server.port());
  const auto id = start(mine.ws);
  auto stranger = visitor(server.port());
  const std::string token_b = "tok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  auto with = [&](std::initializer_list<std::pair<const char*, json::value>> changes) {
    json::object body{{"token", token_b}, {"email", "li@example.com"}, {"conversation_id", id},
                      {"resume_token", mine.welcome.resume_token()}};
    for (const auto& [key, value] : changes) {
      if (value.is_null()) body.erase(key);
      else body[key] = value;
    }
    return body;
  };
  struct Case {
    const char* what;
    json::object body;
    int status;
    const char* code;
  };
  const std::vector<Case> cases{
      {"no token", with({{"token", nullptr}}), 400, "invalid_request"},
      {"a short token", with({{"token", "short"}}), 400, "invalid_request"},
      {"no e-mail", with({{"email", nullptr}}), 400, "invalid_request"},
      {"a bad e-mail", with({{"email", "li at example"}}), 400, "invalid_request"},
      {"a number for the chat", with({{"conversation_id", 7}}), 400, "invalid_request"},
      {"a huge chat id", with({{"conversation_id", json::value(std::string(100, 'c'))}}), 400, "invalid_request"},
      {"no resume token", with({{"resume_token", nullptr}}), 400, "invalid_request"},
      {"someone else's resume token", with({{"resume_token", json::value(stranger.welcome.resume_token())}}), 404, "not_waiting"},
      {"a forged resume token", with({{"resume_token", "vt_0_forged"}}), 404, "not_waiting"},
      {"an unknown chat", with({{"conversation_id", "c_nothing"}}), 404, "not_waiting"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto res = post_json(server.port(), "/api/requests/from-chat", c.body);
    INFO(res.body);
    CHECK(res.status == c.status);
    CHECK(json::parse(res.body).at("error") == c.code);
  }
  // Not JSON, not POST, not from another site.
  CHECK(http_request(server.port(), "POST", "/api/requests/from-chat", "token=x", {{"Content-Type", "text/plain"}}).status == 415);
  CHECK(http_request(server.port(), "GET", "/api/requests/from-chat").status == 405);
  CHECK(post_json(server.port(), "/api/requests/from-chat", with({}), {{"Origin", "https://evil.example"}}).status == 403);
  // A chat an agent has taken is not waiting: it stays a chat.
  auto alice = staff(server.port(), "alice");
  REQUIRE(alice.ws.expect(F::kConversation).conversation().assigned_to_you());
  auto res = post_json(server.port(), "/api/requests/from-chat", with({}));
  CHECK(res.status == 404);
  // Nothing was made, and the chat is still open.
  const auto staff_token = login(server.port(), "alice");
  res = http_request(server.port(), "GET", "/api/tickets?status=active", "", {{"Authorization", "Bearer " + staff_token}});
  CHECK(json::parse(res.body).at("tickets").as_array().empty());
  mine.ws.send(send_message(id, "v-3", "still here"));
  CHECK(mine.ws.expect(F::kAck).ack().seq() > 0);
}

TEST_CASE("tickets: erasure on request by the requester's address anonymises their tickets and nobody else's, and only supervisors may") {
  TempDir data("tickets-erasure");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  const auto port = server.port();
  REQUIRE(post_json(port, "/api/requests", request_body(token_a, "wang@example.com")).status == 201);
  const std::string token_b = "tok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  REQUIRE(post_json(port, "/api/requests", request_body(token_b, "li@example.com")).status == 201);
  const auto sam = login(port, "sam");
  const auto alice = login(port, "alice");
  auto erase = [&](const std::string& who, const std::string& body) {
    return http_request(port, "POST", "/api/customers/erase", body, {{"Authorization", "Bearer " + who}, {"Content-Type", "application/json"}});
  };
  CHECK(erase(alice, R"({"email":"wang@example.com"})").status == 403);
  for (const char* bad : {R"({"email":"not an address"})", R"({"email":"wang@example.com, li@example.com"})",
                          R"({"email":"wang@example.com\r\nBcc: x@y.z"})", R"({"email":5})", R"({"email":""})"}) {
    INFO(bad);
    CHECK(erase(sam, bad).status == 400);
  }
  auto res = erase(sam, R"({"email":"wang@example.com"})");
  INFO(res.body);
  REQUIRE(res.status == 200);
  CHECK(json::parse(res.body).at("tickets") == 1);
  // The requester's secret opens nothing any more; staff see a record without the person.
  CHECK(http_request(port, "GET", "/api/requests/mine", "", {{"Authorization", "Bearer " + token_a}}).status == 404);
  res = http_request(port, "GET", "/api/tickets?status=active", "", {{"Authorization", "Bearer " + sam}});
  const auto list = json::parse(res.body).at("tickets").as_array();
  REQUIRE(list.size() == 2);
  for (const auto& t : list) {
    const auto full = ticket(port, sam, std::string(t.at("id").as_string()));
    const bool erased = full.at("requester_email") == "";
    CHECK(erased == (t.at("number") == 1001));
    if (erased) {
      CHECK(full.at("requester_name") == "(erased)");
      CHECK(full.at("transaction_id") == "");
      CHECK(full.at("thread").as_array()[0].at("text") == "(erased)");
    } else {
      CHECK(full.at("requester_email") == "li@example.com");
    }
  }
  // Again is harmless (nothing left to find).
  res = erase(sam, R"({"email":"wang@example.com"})");
  CHECK(res.status == 200);
  CHECK(json::parse(res.body).at("tickets") == 0);
}

TEST_CASE("tickets: flag --retention-days deletes solved tickets past their time, never open ones") {
  TempDir data("tickets-retention");
  // 0.0001 days = 8.6 s; resume tokens must end before that.
  ServerProcess server(server_args({"--data-dir", data.path().string(), "--retention-days", "0.0001",
                                    "--resume-token-hours", "0.0005", "--visitor-timeout", "1"}));
  const auto port = server.port();
  REQUIRE(post_json(port, "/api/requests", request_body(token_a)).status == 201);
  const std::string token_b = "tok_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
  REQUIRE(post_json(port, "/api/requests", request_body(token_b, "wang@example.com")).status == 201);
  const auto sam = login(port, "sam");
  auto id_of = [&](int number) {
    auto res = http_request(port, "GET", "/api/tickets?status=active", "", {{"Authorization", "Bearer " + sam}});
    const auto body = json::parse(res.body);
    for (const auto& t : body.at("tickets").as_array())
      if (t.at("number") == number) return std::string(t.at("id").as_string());
    FAIL("no ticket #" << number);
    return std::string();
  };
  const auto solved = id_of(1001), open = id_of(1002);
  REQUIRE(post_json(port, "/api/tickets/" + solved + "/status", {{"status", "solved"}}, {{"Authorization", "Bearer " + sam}}).status == 200);
  auto status_of = [&](const std::string& id) {
    return http_request(port, "GET", "/api/tickets/" + id, "", {{"Authorization", "Bearer " + sam}}).status;
  };
  // Retention runs every quarter of its period: wait for the solved one to go.
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  while (status_of(solved) == 200 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(200ms);
  CHECK(status_of(solved) == 404);
  CHECK(status_of(open) == 200);
  CHECK(http_request(port, "GET", "/api/requests/mine", "", {{"Authorization", "Bearer " + token_a}}).status == 404);
}

namespace {
// A closed chat of a Chinese visitor with Alice, on a server that mails through the sink.
struct ClosedChat {
  TempDir data{"transcripts"};
  SmtpSink sink;
  ServerProcess server{server_with_mail(data, sink)};
  Signed alice = staff(server.port(), "alice");
  Signed mine = visitor(server.port());
  std::string id;
  json::object body;
  ClosedChat() {
    auto frame = start_chat("提现一直没到账");
    frame.mutable_start_chat()->set_locale("zh-CN");
    frame.mutable_start_chat()->set_time_zone("Asia/Shanghai");
    frame.mutable_start_chat()->set_display_name("王芳");
    mine.ws.send(frame);
    id = mine.ws.expect(F::kAck).ack().conversation_id();
    REQUIRE(alice.ws.expect(F::kConversation).conversation().assigned_to_you());
    alice.ws.send(send_message(id, "a-1", "已经帮您处理好了"));
    REQUIRE(alice.ws.expect(F::kAck).ack().seq() > 0);
    body = {{"email", "wang@example.com"}, {"conversation_id", id}, {"resume_token", mine.welcome.resume_token()}};
  }
  void close() {
    alice.ws.send(close_chat(id));
    while (alice.ws.expect(F::kAck).ack().conversation_id() != id) {
    }
  }
};
}  // namespace

TEST_CASE("transcripts: the visitor of a closed chat has it mailed, in their language, at most three times") {
  ClosedChat chat;
  const auto port = chat.server.port();
  // Not while it is open: the record is not complete.
  CHECK(post_json(port, "/api/transcripts", chat.body).status == 404);
  chat.close();
  auto res = post_json(port, "/api/transcripts", chat.body);
  INFO(res.body);
  REQUIRE(res.status == 202);
  auto mails = chat.sink.wait_for(1);
  REQUIRE(mails.size() == 1);
  CHECK_THAT(mails[0], Catch::Contains("X-Envelope-To: wang@example.com"));
  CHECK(header(mails[0], "Auto-Submitted") == "auto-generated");
  CHECK_THAT(header(mails[0], "Subject"), Catch::Contains("=?"));  // the Chinese subject, encoded
  // Three per chat; the fourth is refused and says why.
  CHECK(post_json(port, "/api/transcripts", chat.body).status == 202);
  CHECK(post_json(port, "/api/transcripts", chat.body).status == 202);
  res = post_json(port, "/api/transcripts", chat.body);
  CHECK(res.status == 429);
  CHECK(json::parse(res.body).at("error") == "limit_reached");
  CHECK(chat.sink.wait_for(3).size() == 3);
}

TEST_CASE("transcripts: nobody but the chat's visitor can have it mailed, and bad input is a clear error") {
  ClosedChat chat;
  chat.close();
  const auto port = chat.server.port();
  auto stranger = visitor(port);
  auto with = [&](const char* key, const std::string& value) {
    auto b = chat.body;
    b[key] = value;
    return b;
  };
  CHECK(post_json(port, "/api/transcripts", with("resume_token", stranger.welcome.resume_token())).status == 404);
  CHECK(post_json(port, "/api/transcripts", with("resume_token", "vt_0_forged")).status == 404);
  CHECK(post_json(port, "/api/transcripts", with("conversation_id", "c_nothing")).status == 404);
  for (const auto& bad : {with("email", "wang@example.com\r\nBcc: all@example.com"), with("email", ""),
                          with("email", "a@example.com, b@example.com"), with("resume_token", ""),
                          json::object{{"email", "wang@example.com"}}}) {
    INFO(json::serialize(bad));
    CHECK(post_json(port, "/api/transcripts", bad).status == 400);
  }
  CHECK(post_json(port, "/api/transcripts", chat.body, {{"Origin", "https://evil.example"}}).status == 403);
  CHECK(http_request(port, "GET", "/api/transcripts").status == 405);
  CHECK(chat.sink.messages().empty());
}
