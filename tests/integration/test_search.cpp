// Finding past conversations through the real binary: a chat is found by a
// two-character Chinese word, by its transaction id, by an English word and by
// the customer, right after it was acknowledged and after a restart; the
// transcript opens with its notes and rating; only signed-in staff may ask.
#include "integration/helpers.hpp"
#include "auth/identity_tokens.hpp"
#include "support/temp_dir.hpp"

#include <boost/json.hpp>

#include <csignal>
#include <fstream>
#include <thread>

using namespace parley;
using namespace parley::test;
namespace json = boost::json;

namespace {

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

struct Staff {
  unsigned short port;
  std::string token;
  HttpResult get(const std::string& target) const {
    return http_request(port, "GET", target, {}, {{"Authorization", "Bearer " + token}});
  }
  // The conversation ids a search returns, newest first.
  std::vector<std::string> search(const std::string& q) const {
    const auto res = get("/api/search?q=" + url_encode(q));
    INFO(res.body);
    REQUIRE(res.status == 200);
    std::vector<std::string> ids;
    const auto body = json::parse(res.body);
    for (const auto& hit : body.at("results").as_array())
      ids.emplace_back(hit.at("conversation_id").as_string());
    return ids;
  }
};

// A server keeping records in a temporary directory, with a host site
// ("exchange") that vouches for its signed-in customers.
struct VerifyingServer {
  TempDir data{"verified"};
  const std::string secret = "a-site-secret-of-at-least-32-bytes!!";
  ServerProcess server{args()};
  unsigned short port() const { return server.port(); }
  // The Hello of a customer the site signed in, valid for ten minutes.
  v1::ClientFrame hello(const std::string& customer, const std::string& email, const std::string& name) const {
    const auto in_ten_minutes =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch() + 10min)
            .count();
    auto frame = visitor_hello();
    frame.mutable_hello()->set_identity_token(auth::sign_identity_token("exchange", secret, customer, in_ten_minutes, email, name));
    return frame;
  }

 private:
  std::vector<std::string> args() const {
    const auto secret_file = data.path() / "site-secret";
    std::ofstream(secret_file) << secret << "\n";
    return server_args({"--data-dir", data.path().string(), "--identity-site", "exchange=" + secret_file.string(),
                        "--messages-per-second", "1000"});
  }
};

}  // namespace

TEST_CASE("staff find past chats by a Chinese word, a transaction id, an English word or the customer") {
  TempDir data("search");
  const auto args = server_args({"--data-dir", data.path().string(), "--messages-per-second", "1000"});
  std::string chinese, english;
  {
    ServerProcess server(args);
    const auto port = server.port();
    auto alice = staff(port, "alice");
    // A chat in Chinese about a withdrawal, with a transaction id, closed and rated.
    auto li = visitor(port);
    li.ws.send([] {
      auto f = start_chat("我的提现还没有到账，已经两个小时了", v1::CATEGORY_WITHDRAWAL, "c-1");
      f.mutable_start_chat()->set_transaction_id("0xfeed42");
      f.mutable_start_chat()->set_subject("提现未到账");
      f.mutable_start_chat()->set_display_name("李伟");
      return f;
    }());
    chinese = li.ws.expect(F::kAck).ack().conversation_id();
    alice.ws.expect(F::kConversation);
    alice.ws.send(send_message(chinese, "a-1", "您好，我们正在核实这笔提现"));
    alice.ws.expect(F::kAck);
    v1::ClientFrame note;
    note.set_request_id(20);
    note.mutable_add_note()->set_conversation_id(chinese);
    note.mutable_add_note()->set_text("chain shows 12 confirmations");
    alice.ws.send(note);
    alice.ws.expect(F::kAck);
    alice.ws.send(close_chat(chinese));
    alice.ws.expect(F::kAck);
    li.ws.send(rate(chinese, 4, "快"));
    li.ws.expect(F::kAck);
    // An English chat about a deposit.
    auto bob = visitor(port);
    english = start(bob.ws, "My USDT deposit was never credited", "e-1");

    // Found as soon as it is acknowledged.
    Staff sam{port, login(port, "sam")};
    CHECK(sam.search("提现") == std::vector<std::string>{chinese});
    CHECK(sam.search("0xfeed42") == std::vector<std::string>{chinese});
    CHECK(sam.search("credited") == std::vector<std::string>{english});
    CHECK(sam.search("李伟") == std::vector<std::string>{chinese});
    CHECK(sam.search("提款").empty());          // a different word, not two of its characters
    CHECK(sam.search("deposit credited") == std::vector<std::string>{english});  // all words must match
    CHECK(sam.search("nothing like this").empty());
    server.signal(SIGKILL);
    server.wait();
  }
  // After a crash and restart the index still finds them.
  ServerProcess server(args);
  const auto port = server.port();
  Staff alice{port, login(port, "alice")};
  CHECK(alice.search("提现") == std::vector<std::string>{chinese});
  const auto found = json::parse(alice.get("/api/search?q=" + url_encode("提现")).body);
  const auto& hits = found.at("results").as_array();
  REQUIRE(hits.size() == 1);
  CHECK(std::string(hits[0].at("snippet").as_string()).find("<b>提现</b>") != std::string::npos);
  CHECK(hits[0].at("visitor_name").as_string() == "李伟");
  CHECK(hits[0].at("state").as_string() == "closed");

  // The whole transcript, with notes and rating.
  const auto res = alice.get("/api/conversations/" + chinese);
  REQUIRE(res.status == 200);
  const auto t = json::parse(res.body);
  CHECK(t.at("conversation").at("transaction_id").as_string() == "0xfeed42");
  bool reply = false;
  for (const auto& m : t.at("messages").as_array()) reply = reply || m.at("text").as_string() == "您好，我们正在核实这笔提现";
  CHECK(reply);
  CHECK(t.at("notes").as_array().at(0).at("text").as_string() == "chain shows 12 confirmations");
  CHECK(t.at("rating").at("score").as_int64() == 4);
  // Every chat of the same visitor, by their id.
  const auto visitor_id = std::string(t.at("conversation").at("visitor_id").as_string());
  CHECK(json::parse(alice.get("/api/search?visitor=" + url_encode(visitor_id)).body).at("results").as_array().size() == 1);
}

TEST_CASE("past conversations: who may ask, and what a bad request gets") {
  TempDir data("search");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  const auto port = server.port();
  Staff alice{port, login(port, "alice")};
  struct Case {
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    int status;
  };
  const std::vector<Case> cases = {
      {"/api/search?q=deposit", {}, 401},
      {"/api/search?q=deposit", {{"Authorization", "Bearer not-a-token"}}, 401},
      {"/api/search?q=deposit", {{"Authorization", "Bearer " + alice.token + "x"}}, 401},
      {"/api/conversations/c_1", {}, 401},
      {"/api/search", {{"Authorization", "Bearer " + alice.token}}, 400},
      {"/api/search?q=%20%20", {{"Authorization", "Bearer " + alice.token}}, 400},
      {"/api/search?q=%zz", {{"Authorization", "Bearer " + alice.token}}, 400},
      {"/api/search?q=" + std::string(201, 'a'), {{"Authorization", "Bearer " + alice.token}}, 400},
      {"/api/search?q=deposit", {{"Authorization", "Bearer " + alice.token}}, 200},
      {"/api/search?q=deposit&limit=100000", {{"Authorization", "Bearer " + alice.token}}, 200},
      {"/api/search?q=%22unbalanced", {{"Authorization", "Bearer " + alice.token}}, 200},
      {"/api/search?q=AND%20OR%20NOT", {{"Authorization", "Bearer " + alice.token}}, 200},
      {"/api/conversations/c_nope", {{"Authorization", "Bearer " + alice.token}}, 404},
      {"/api/conversations/" + std::string(100, 'c'), {{"Authorization", "Bearer " + alice.token}}, 404},
      {"/api/conversations/%2e%2e%2fetc", {{"Authorization", "Bearer " + alice.token}}, 404},
  };
  for (const auto& c : cases) {
    const auto res = http_request(port, "GET", c.target, {}, c.headers);
    INFO(c.target << " -> " << res.status << " " << res.body);
    CHECK(res.status == c.status);
    CHECK(res.content_type.starts_with("application/json"));
  }
  CHECK(http_request(port, "POST", "/api/search?q=x", "{}", {{"Authorization", "Bearer " + alice.token}}).status == 405);
  // Without a system of record there is nothing to search, and it says so.
  ServerProcess memory_only(server_args());
  const auto token = login(memory_only.port(), "alice");
  CHECK(http_request(memory_only.port(), "GET", "/api/search?q=x", {}, {{"Authorization", "Bearer " + token}}).status ==
        503);
}

TEST_CASE("supervisors export a conversation as JSON or a readable page and set a legal hold, agents may not") {
  TempDir data("records");
  ServerProcess server(server_args({"--data-dir", data.path().string()}));
  const auto port = server.port();
  auto alice_ws = staff(port, "alice");
  auto v = visitor(port);
  const auto id = start(v.ws, "<script>alert('x')</script> my deposit & withdrawal", "x-1");
  alice_ws.ws.expect(F::kConversation);
  Staff alice{port, login(port, "alice")};
  Staff sam{port, login(port, "sam")};
  auto put_hold = [&](const Staff& who, const std::string& conversation, const std::string& body) {
    return http_request(port, "PUT", "/api/conversations/" + conversation + "/hold", body,
                        {{"Authorization", "Bearer " + who.token}, {"Content-Type", "application/json"}});
  };

  // Agents read transcripts, but exports and holds are for supervisors.
  CHECK(alice.get("/api/conversations/" + id).status == 200);
  CHECK(alice.get("/api/conversations/" + id + "/export?format=json").status == 403);
  CHECK(put_hold(alice, id, R"({"hold":true})").status == 403);

  const auto page = sam.get("/api/conversations/" + id + "/export?format=html");
  REQUIRE(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(page.headers.count("Content-Disposition"));
  CHECK(page.body.find("<script>") == std::string::npos);  // the visitor's text, escaped
  CHECK(page.body.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; my deposit &amp; withdrawal") != std::string::npos);
  const auto exported = sam.get("/api/conversations/" + id + "/export?format=json");
  REQUIRE(exported.status == 200);
  CHECK(json::parse(exported.body).at("conversation").at("conversation_id").as_string() == id);
  CHECK(sam.get("/api/conversations/" + id + "/export?format=pdf").status == 400);
  CHECK(sam.get("/api/conversations/" + id + "/export").status == 400);
  CHECK(sam.get("/api/conversations/c_nope/export?format=json").status == 404);
  CHECK(sam.get("/api/conversations/" + id + "/delete").status == 404);

  for (const char* bad : {"", "{}", R"({"hold":"yes"})", "[true]", "not json"}) {
    INFO(bad);
    CHECK(put_hold(sam, id, bad).status == 400);
  }
  CHECK(put_hold(sam, "c_nope", R"({"hold":true})").status == 404);
  const auto held = put_hold(sam, id, R"({"hold":true})");
  CHECK(held.status == 200);
  CHECK(held.body.find(R"("legal_hold":true)") != std::string::npos);
  CHECK(http_request(port, "GET", "/api/conversations/" + id + "/hold", {}, {{"Authorization", "Bearer " + sam.token}}).status ==
        405);

  // Every read is on record: the history says who viewed and who exported.
  CHECK(alice.get("/api/conversations/" + id + "/events").status == 403);
  CHECK(sam.get("/api/conversations/c_nope/events").status == 404);
  const auto history = sam.get("/api/conversations/" + id + "/events");
  REQUIRE(history.status == 200);
  std::vector<std::pair<std::string, std::string>> trail;  // (kind, actor)
  const auto events = json::parse(history.body);
  for (const auto& e : events.at("events").as_array())
    trail.emplace_back(e.at("kind").as_string().c_str(), e.at("actor_id").as_string().c_str());
  auto has = [&](const std::string& kind, const std::string& actor) {
    return std::find(trail.begin(), trail.end(), std::make_pair(kind, actor)) != trail.end();
  };
  CHECK(trail.front().first == "chat_started");
  CHECK(has("chat_assigned", ""));
  CHECK(has("transcript_viewed", "alice"));
  CHECK(has("transcript_exported", "sam"));
  CHECK(has("legal_hold_changed", "sam"));
  const auto formats = std::count_if(trail.begin(), trail.end(), [](const auto& k) { return k.first == "transcript_exported"; });
  CHECK(formats == 2);  // html and json; the refused ones are not exports
}

TEST_CASE("flag --retention-days deletes closed chats past their time, except those on legal hold, search forgets them") {
  TempDir data("retention");
  // 0.0001 days = 8.6 s; resume tokens must end before that.
  ServerProcess server(server_args({"--data-dir", data.path().string(), "--retention-days", "0.0001",
                                    "--resume-token-hours", "0.0005", "--visitor-timeout", "1"}));
  const auto port = server.port();
  auto agent = staff(port, "alice");
  Staff sam{port, login(port, "sam")};
  auto close_one = [&](const std::string& text, const std::string& client_id) {
    auto v = visitor(port);
    const auto id = start(v.ws, text, client_id);
    agent.ws.expect(F::kConversation);
    agent.ws.send(close_chat(id));
    while (agent.ws.expect(F::kAck).ack().conversation_id() != id) {
    }
    return id;
  };
  const auto expiring = close_one("expiring withdrawal question", "r-1");
  const auto kept = close_one("withdrawal under investigation", "r-2");
  REQUIRE(http_request(port, "PUT", "/api/conversations/" + kept + "/hold", R"({"hold":true})",
                       {{"Authorization", "Bearer " + sam.token}, {"Content-Type", "application/json"}})
              .status == 200);
  CHECK(sam.search("withdrawal").size() == 2);
  // Retention runs every quarter of its period: wait for the record to go.
  const auto deadline = std::chrono::steady_clock::now() + 40s;
  while (sam.get("/api/conversations/" + expiring).status == 200 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(200ms);
  CHECK(sam.get("/api/conversations/" + expiring).status == 404);
  CHECK(sam.get("/api/conversations/" + kept).status == 200);  // on legal hold
  CHECK(sam.search("withdrawal") == std::vector<std::string>{kept});
  CHECK(sam.search("expiring").empty());
}

TEST_CASE("flag --retention-days refuses settings that would delete what a visitor may still come back to") {
  TempDir data("retention");
  CHECK_THROWS(ServerProcess(server_args({"--data-dir", data.path().string(), "--retention-days", "0.5"})));  // 12 h < 24 h tokens
  CHECK_THROWS(ServerProcess(server_args({"--retention-days", "30"})));  // nothing to delete from
  CHECK_THROWS(ServerProcess(server_args({"--data-dir", data.path().string(), "--retention-days", "-1"})));
}

TEST_CASE("supervisors export everything about one verified customer, agents may not") {
  VerifyingServer site;
  const auto port = site.port();
  auto agent = staff(port, "alice");
  auto chat_as = [&](const std::string& customer, const std::string& text, const std::string& client_id) {
    WsClient ws(port);
    ws.send(site.hello(customer, customer + "@example.com", "Customer"));
    ws.expect(F::kWelcome);
    const auto id = start(ws, text, client_id);
    agent.ws.expect(F::kConversation);
    agent.ws.send(close_chat(id));
    while (agent.ws.expect(F::kAck).ack().conversation_id() != id) {
    }
    return id;
  };
  const auto first = chat_as("cust-42", "first question", "q-1");
  const auto second = chat_as("cust-42", "second question", "q-2");
  chat_as("cust-7", "someone else", "q-3");

  Staff sam{port, login(port, "sam")};
  Staff alice{port, login(port, "alice")};
  CHECK(alice.get("/api/customers/export?customer=cust-42").status == 403);
  CHECK(sam.get("/api/customers/export").status == 400);
  CHECK(sam.get("/api/customers/export?customer=a&visitor=b").status == 400);
  const auto res = sam.get("/api/customers/export?customer=cust-42");
  REQUIRE(res.status == 200);
  const auto body = json::parse(res.body);
  const auto& conversations = body.at("conversations").as_array();
  REQUIRE(conversations.size() == 2);
  CHECK(conversations[0].at("conversation").at("conversation_id").as_string() == first);  // oldest first
  CHECK(conversations[1].at("conversation").at("conversation_id").as_string() == second);
  CHECK(conversations[1].at("messages").as_array()[0].at("text").as_string() == "second question");
  CHECK(json::parse(sam.get("/api/customers/export?customer=nobody").body).at("conversations").as_array().empty());

  // The same as one readable page, oldest first, nobody else's chats in it.
  CHECK(sam.get("/api/customers/export?customer=cust-42&format=pdf").status == 400);
  const auto page = sam.get("/api/customers/export?customer=cust-42&format=html");
  REQUIRE(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(page.headers.at("Content-Disposition").find("customer-export.html") != std::string::npos);
  const auto at_first = page.body.find("first question"), at_second = page.body.find("second question");
  CHECK(at_first != std::string::npos);
  CHECK(at_second != std::string::npos);
  CHECK(at_first < at_second);
  CHECK(page.body.find("someone else") == std::string::npos);
  CHECK(page.body.find("cust-42@example.com") != std::string::npos);
}

TEST_CASE("erasure on request: a customer's chats are anonymised everywhere, the counts stay, open chats and agents are refused") {
  VerifyingServer site;
  const auto port = site.port();
  auto agent = staff(port, "alice");
  WsClient ws(port);
  ws.send(site.hello("cust-99", "wang@example.com", "王芳"));
  const auto token = ws.expect(F::kWelcome).welcome().resume_token();
  const auto id = start(ws, "我的提现地址是 0xdeadbeef，请帮我查一下", "e-1");
  agent.ws.expect(F::kConversation);

  Staff sam{port, login(port, "sam")};
  Staff alice{port, login(port, "alice")};
  auto erase = [&](const Staff& who, const std::string& body) {
    return http_request(port, "POST", "/api/customers/erase", body,
                        {{"Authorization", "Bearer " + who.token}, {"Content-Type", "application/json"}});
  };
  CHECK(erase(alice, R"({"customer_id":"cust-99"})").status == 403);
  for (const char* bad : {"", "{}", R"({"customer_id":"a","visitor_id":"b"})", R"({"customer_id":5})", "nope"}) {
    INFO(bad);
    CHECK(erase(sam, bad).status == 400);
  }
  CHECK(erase(sam, R"({"customer_id":"cust-99"})").status == 409);  // the chat is still open
  CHECK(sam.search("提现") == std::vector<std::string>{id});

  agent.ws.send(close_chat(id));
  while (agent.ws.expect(F::kAck).ack().conversation_id() != id) {
  }
  const auto erased = erase(sam, R"({"customer_id":"cust-99"})");
  INFO(erased.body);
  REQUIRE(erased.status == 200);
  // The visitor's connection is closed and their resume token is gone.
  CHECK(ws.expect_close(10s).code == 1008);
  WsClient back(port);
  back.send(visitor_hello(token, {{id, 0}}));
  CHECK(back.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
  // The record stays (counts, times, states), without personal data.
  const auto t = json::parse(sam.get("/api/conversations/" + id).body);
  CHECK(t.at("conversation").at("visitor_name").as_string() == "(erased)");
  CHECK(t.at("conversation").at("email").as_string() == "");
  CHECK(t.at("conversation").at("customer_id").as_string() == "");
  CHECK(t.at("conversation").at("state").as_string() == "closed");
  CHECK(t.at("messages").as_array().size() >= 2);
  for (const auto& m : t.at("messages").as_array())
    CHECK(std::string(m.at("text").as_string()).find("0xdeadbeef") == std::string::npos);
  // Search and the customer export no longer find anything of theirs.
  CHECK(sam.search("提现").empty());
  CHECK(sam.search("0xdeadbeef").empty());
  CHECK(json::parse(sam.get("/api/customers/export?customer=cust-99").body).at("conversations").as_array().empty());
  // Asking again is harmless.
  CHECK(erase(sam, R"({"customer_id":"cust-99"})").status == 200);
  CHECK(http_request(port, "GET", "/api/customers/erase", {}, {{"Authorization", "Bearer " + sam.token}}).status == 405);
  CHECK(sam.get("/api/customers/other").status == 404);
}
