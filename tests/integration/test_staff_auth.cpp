// Staff sign-in over HTTP, the session token in the Hello, and sign-ins ending:
// logout, and parley-admin disabling an account or resetting its password
// while the server runs.

#include "auth/accounts_file.hpp"
#include "auth/identity_tokens.hpp"
#include "helpers.hpp"

#include <sys/stat.h>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace parley;
using namespace parley::test;

namespace {

std::string json_field(const std::string& body, const std::string& key) {
  const auto at = body.find("\"" + key + "\":\"");
  if (at == std::string::npos) return {};
  const auto start = at + key.size() + 4;
  return body.substr(start, body.find('"', start) - start);
}

HttpResult logout(unsigned short port, const std::string& token) {
  return http_request(port, "POST", "/api/logout", "", {{"Authorization", "Bearer " + token}});
}

int admin(const std::string& file, const std::string& args, const std::string& password = {}) {
  const std::string command = (password.empty() ? "" : "echo '" + password + "' | ") + PARLEY_ADMIN_PATH +
                              " --file '" + file + "' --hash-cost minimal " +
                              (password.empty() ? "" : "--password-stdin ") + args + " > /dev/null";
  return std::system(command.c_str());
}

// A copy of the test accounts the test may change.
std::string own_agents_file() {
  const auto path = std::filesystem::temp_directory_path() /
                    ("parley-agents-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()) + ".json");
  std::filesystem::copy_file(test_data("agents.json"), path, std::filesystem::copy_options::overwrite_existing);
  return path.string();
}

bool on_roster(const v1::Roster& roster, const std::string& id) {
  for (const auto& agent : roster.agents())
    if (agent.agent_id() == id) return true;
  return false;
}

}  // namespace

TEST_CASE("staff sign in over HTTP and use the token in their Hello") {
  ServerProcess server(server_args());
  const auto port = server.port();

  auto ok = post_login(port, "alice", "alice-secret");
  REQUIRE(ok.status == 200);
  CHECK(ok.content_type == "application/json");
  CHECK(ok.headers["Cache-Control"] == "no-store");
  CHECK(json_field(ok.body, "role") == "agent");
  const auto token = json_field(ok.body, "token");
  REQUIRE(token.rfind("pst_", 0) == 0);

  WsClient ws(port);
  ws.send(staff_hello("alice", token, v1::ROLE_AGENT));
  CHECK(ws.expect(F::kWelcome).welcome().participant_id() == "alice");

  SECTION("bad requests get a JSON error with a status") {
    auto wrong = post_login(port, "alice", "alice-secreT");
    CHECK(wrong.status == 401);
    CHECK(json_field(wrong.body, "error") == "bad_credentials");
    CHECK(post_login(port, "nobody", "whatever-123").body == wrong.body);  // nothing tells the two apart
    CHECK(http_request(port, "POST", "/api/login", "{\"agent_id\":1}", {{"Content-Type", "application/json"}}).status ==
          400);
    CHECK(http_request(port, "POST", "/api/login", "{not json", {{"Content-Type", "application/json"}}).status == 400);
    CHECK(http_request(port, "POST", "/api/login", "agent_id=alice&password=alice-secret",
                       {{"Content-Type", "application/x-www-form-urlencoded"}})
              .status == 415);
    CHECK(http_request(port, "GET", "/api/login").status == 405);
    CHECK(http_request(port, "POST", "/api/nothing").status == 404);
  }

  SECTION("sign-in is not callable from another site") {
    auto cross = post_login(port, "alice", "alice-secret", {{"Origin", "https://evil.example"}});
    CHECK(cross.status == 403);
    CHECK(json_field(cross.body, "error") == "cross_site");
    CHECK(post_login(port, "alice", "alice-secret", {{"Sec-Fetch-Site", "cross-site"}}).status == 403);
    CHECK(post_login(port, "alice", "alice-secret", {{"Origin", "http://127.0.0.1:" + std::to_string(port)}}).status ==
          200);
  }

  SECTION("a token is checked against the account it names, and cannot be forged into the Hello") {
    WsClient as_bob(port);
    as_bob.send(staff_hello("bob", token, v1::ROLE_AGENT));
    CHECK(as_bob.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
    CHECK(as_bob.expect_close().code == 1008);

    WsClient forger(port);
    auto forged = staff_hello("bob", "", v1::ROLE_AGENT);
    forged.mutable_hello()->mutable_verified()->set_agent_id("bob");
    forger.send(forged);
    CHECK(forger.expect_error().code() == v1::ERROR_CODE_FORBIDDEN);
    CHECK(forger.expect_close().code == 1008);

    WsClient visitor_token(port);
    auto v = visitor(port);
    visitor_token.send(staff_hello("alice", v.welcome.resume_token(), v1::ROLE_AGENT));  // a visitor's token
    CHECK(visitor_token.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
  }

  SECTION("logout closes that sign-in's connections at once and the token stops working") {
    auto other = staff(port, "alice");  // a second sign-in (another browser) stays
    auto out = logout(port, token);
    CHECK(out.status == 200);
    auto closed = ws.expect_close();
    CHECK(closed.code == 4001);
    CHECK(closed.reason == "signed out");
    other.ws.sync();  // still served
    WsClient again(port);
    again.send(staff_hello("alice", token, v1::ROLE_AGENT));
    CHECK(again.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
    CHECK(logout(port, token).status == 401);
    CHECK(logout(port, "").status == 401);
  }
}

TEST_CASE("a Hello racing its own sign-out never leaves a connection open") {
  ServerProcess server(server_args({"--login-attempts-per-minute", "10000"}));
  const auto port = server.port();
  int admitted_then_closed = 0, refused = 0;
  for (int i = 0; i < 60; ++i) {
    const auto token = login(port, "sam");
    WsClient ws(port);
    std::thread out([&] { CHECK(logout(port, token).status == 200); });
    ws.send(staff_hello("sam", token, v1::ROLE_SUPERVISOR));
    out.join();
    // Either refused, or admitted and then closed by the sign-out: never left open.
    const auto first = ws.next();
    if (first.has_error()) {
      CHECK(first.error().code() == v1::ERROR_CODE_AUTH_FAILED);
      ++refused;
    } else {
      CHECK(first.has_welcome());
      CHECK(ws.expect_close().code == 4001);
      ++admitted_then_closed;
      continue;
    }
    ws.expect_close();
  }
  INFO("refused " << refused << ", admitted then closed " << admitted_then_closed);
  CHECK(refused + admitted_then_closed == 60);
}

TEST_CASE("repeated wrong passwords lock that account for that address only, and each address has a budget") {
  ServerProcess server(server_args(
      {"--login-attempts-per-minute", "8", "--login-failures-before-lock", "3", "--trusted-proxy", "127.0.0.1"}));
  const auto port = server.port();
  const std::pair<std::string, std::string> stranger{"X-Real-IP", "192.0.2.66"};
  for (int i = 0; i < 3; ++i) CHECK(post_login(port, "bob", "wrong-password", {stranger}).status == 401);
  auto locked = post_login(port, "bob", "bob-secret-1", {stranger});
  CHECK(locked.status == 429);
  CHECK(locked.headers["Retry-After"] == "30");
  CHECK(json_field(locked.body, "error") == "too_many_attempts");
  // Bob himself, from his own address, is not locked out by a stranger's guesses.
  CHECK(post_login(port, "bob", "bob-secret-1", {{"X-Real-IP", "192.0.2.7"}}).status == 200);
  // Other accounts are not locked; the address still has budget left (4 of 8 used).
  CHECK(post_login(port, "carol", "carol-secret", {stranger}).status == 200);
  for (int i = 0; i < 4; ++i) CHECK(post_login(port, "nobody-" + std::to_string(i), "x", {stranger}).status == 401);
  CHECK(post_login(port, "carol", "carol-secret", {stranger}).status == 429);  // this address spent its 8
  // Behind a trusted proxy, X-Real-IP names the client: another address has its own budget.
  CHECK(post_login(port, "carol", "carol-secret", {{"X-Real-IP", "192.0.2.8"}}).status == 200);
}

TEST_CASE("X-Real-IP is believed only from a --trusted-proxy peer") {
  // No trusted proxy (the default): a header cannot buy a fresh budget.
  ServerProcess server(server_args({"--login-attempts-per-minute", "3"}));
  for (int i = 0; i < 3; ++i)
    CHECK(post_login(server.port(), "nobody", "x", {{"X-Real-IP", "192.0.2." + std::to_string(i)}}).status == 401);
  CHECK(post_login(server.port(), "carol", "carol-secret", {{"X-Real-IP", "198.51.100.1"}}).status == 429);
  // A trusted proxy elsewhere (not this peer) is not believed either.
  ServerProcess other(server_args({"--login-attempts-per-minute", "3", "--trusted-proxy", "10.0.0.0/8"}));
  for (int i = 0; i < 3; ++i)
    CHECK(post_login(other.port(), "nobody", "x", {{"X-Real-IP", "192.0.2." + std::to_string(i)}}).status == 401);
  CHECK(post_login(other.port(), "carol", "carol-secret", {{"X-Real-IP", "198.51.100.1"}}).status == 429);
}

TEST_CASE("parley-admin changes take effect on a running server within seconds") {
  const auto file = own_agents_file();
  ServerProcess server({"--agents", file});
  const auto port = server.port();
  auto alice = staff(port, "alice");
  auto v = visitor(port);
  const auto id = start(v.ws);
  alice.ws.expect(F::kConversation);

  SECTION("disable: her connections close, her chat is requeued, she cannot sign in; enable: she can, anew") {
    const auto old_token = login(port, "alice");  // a sign-in in another browser, unused until later
    // Before: the token reaches the staff HTTP API (503 here: this server keeps no records).
    auto records = [&](const std::string& token) {
      return http_request(port, "GET", "/api/search?q=x", {}, {{"Authorization", "Bearer " + token}}).status;
    };
    CHECK(records(old_token) == 503);
    REQUIRE(admin(file, "disable alice") == 0);
    auto closed = alice.ws.expect_close(10s);
    CHECK(closed.code == 4001);
    CHECK(closed.reason == "this account was disabled");
    CHECK(records(old_token) == 401);  // the HTTP API checks the account as it is now, too
    CHECK(post_login(port, "alice", "alice-secret").status == 401);
    auto bob = staff(port, "bob");
    CHECK(bob.ws.expect(F::kConversation).conversation().info().conversation_id() == id);
    CHECK_FALSE(on_roster(bob.ws.expect(F::kRoster).roster(), "alice"));
    REQUIRE(admin(file, "enable alice") == 0);
    // Staff see her on the roster again once the server has re-read the file.
    while (!on_roster(bob.ws.expect(F::kRoster, 10s).roster(), "alice")) {
    }
    CHECK(post_login(port, "alice", "alice-secret").status == 200);
    // A sign-in from before the disable stays ended.
    WsClient again(port);
    again.send(staff_hello("alice", old_token, v1::ROLE_AGENT));
    CHECK(again.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
  }

  SECTION("revoke: every sign-in of the account ends, a new one works") {
    const auto other_token = login(port, "alice");
    REQUIRE(admin(file, "revoke alice") == 0);
    CHECK(alice.ws.expect_close(10s).code == 4001);
    WsClient again(port);
    again.send(staff_hello("alice", other_token, v1::ROLE_AGENT));
    CHECK(again.expect_error().code() == v1::ERROR_CODE_AUTH_FAILED);
    auto fresh = staff(port, "alice");
    CHECK(fresh.welcome.participant_id() == "alice");
  }

  SECTION("reset: sessions from before end, the old password stops working, the new one works") {
    REQUIRE(admin(file, "reset alice", "a-new-password-1") == 0);
    auto closed = alice.ws.expect_close(10s);
    CHECK(closed.code == 4001);
    CHECK(closed.reason.find("password") != std::string::npos);
    CHECK(post_login(port, "alice", "alice-secret").status == 401);
    CHECK(post_login(port, "alice", "a-new-password-1").status == 200);
  }

  SECTION("a broken file is refused and the accounts in force stay") {
    std::ofstream(file) << "{ not json";
    REQUIRE(admin(file, "list") != 0);
    alice.ws.sync();
    CHECK(post_login(port, "bob", "bob-secret-1").status == 200);
  }
  std::filesystem::remove(file);
}

TEST_CASE("host sites vouch for customers with signed tokens, forged and bad ones are refused") {
  const auto secret_file = std::filesystem::temp_directory_path() / ("parley-site-" + std::to_string(::getpid()));
  const std::string secret = "a-site-secret-of-at-least-32-bytes!!";
  std::ofstream(secret_file) << secret << "\n";
  ServerProcess server(server_args({"--identity-site", "exchange=" + secret_file.string()}));
  const auto port = server.port();
  auto alice = staff(port, "alice");
  const auto in_ten_minutes = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch() + 10min).count();

  WsClient customer(port);
  auto hello = visitor_hello();
  hello.mutable_hello()->set_identity_token(
      auth::sign_identity_token("exchange", secret, "cust-42", in_ten_minutes, "li@example.com", "Li Wei"));
  customer.send(hello);
  CHECK(customer.expect(F::kWelcome).welcome().display_name() == "Li Wei");
  start(customer);
  auto info = alice.ws.expect(F::kConversation).conversation().info();
  CHECK(info.verified());
  CHECK(info.customer_id() == "cust-42");

  auto refused = [&](const v1::ClientFrame& frame) {
    WsClient ws(port);
    ws.send(frame);
    auto error = ws.expect_error();
    auto closed = ws.expect_close();
    return std::make_pair(error.code(), closed.code);
  };
  auto forged = visitor_hello();
  forged.mutable_hello()->set_identity_token(
      auth::sign_identity_token("exchange", "a-guessed-secret-also-32-bytes-long", "cust-1", in_ten_minutes));
  CHECK(refused(forged) == std::make_pair(v1::ERROR_CODE_AUTH_FAILED, std::uint16_t{1008}));
  auto expired = visitor_hello();
  expired.mutable_hello()->set_identity_token(auth::sign_identity_token("exchange", secret, "cust-1", 1'000'000'000));
  CHECK(refused(expired) == std::make_pair(v1::ERROR_CODE_AUTH_FAILED, std::uint16_t{1008}));
  auto claimed = visitor_hello();  // claiming the server's own verification field
  claimed.mutable_hello()->mutable_verified()->set_customer_id("cust-1");
  CHECK(refused(claimed) == std::make_pair(v1::ERROR_CODE_FORBIDDEN, std::uint16_t{1008}));
  alice.ws.sync();  // and the server still serves everyone
  std::filesystem::remove(secret_file);
}

TEST_CASE("parley-admin keeps the accounts file's owner, group and mode, and never lets others read it") {
  const auto file = own_agents_file();
  struct stat st {};
  // A packaged install: readable by the service's group.
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  if (::geteuid() == 0) REQUIRE(::chown(file.c_str(), 4321, 4321) == 0);
  REQUIRE(admin(file, "add nina --role agent --name Nina", "nina-secret-1") == 0);
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);  // owner rw, group r, nothing for others
  if (::geteuid() == 0) {
    CHECK(st.st_uid == 4321u);
    CHECK(st.st_gid == 4321u);
  }
  CHECK(auth::load_accounts(file).count("nina") == 1);
  // A new file is its maker's alone.
  const auto fresh = file + ".new";
  REQUIRE(admin(fresh, "add omar --role agent", "omar-secret-1") == 0);
  REQUIRE(::stat(fresh.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  std::filesystem::remove(file);
  std::filesystem::remove(fresh);
}
