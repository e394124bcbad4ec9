// Passwords, sign-in tokens, throttles and the sign-in flow, without a network.

#include "auth/identity_tokens.hpp"
#include "auth/password.hpp"
#include "auth/staff_authenticator.hpp"
#include "backend/memory/memory_staff_sessions.hpp"

#include <catch2/catch.hpp>

#include <future>

using namespace parley;
using Outcome = auth::LoginResult::Outcome;

TEST_CASE("argon2id hashes verify only the right password, and a reset changes the stamp") {
  const auto hash = auth::hash_password("correct horse", auth::HashCost::minimal);
  CHECK(hash.rfind("$argon2id$", 0) == 0);
  CHECK(auth::verify_password(hash, "correct horse"));
  CHECK_FALSE(auth::verify_password(hash, "correct horsE"));
  CHECK_FALSE(auth::verify_password(hash, ""));
  CHECK_FALSE(auth::verify_password("not a hash", "correct horse"));
  CHECK_FALSE(auth::verify_password("", ""));
  CHECK(auth::is_weak_hash(hash));
  const auto again = auth::hash_password("correct horse", auth::HashCost::minimal);
  CHECK(again != hash);  // salted
  CHECK(auth::credential_stamp(again) != auth::credential_stamp(hash));
  CHECK(auth::credential_stamp(hash) == auth::credential_stamp(hash));
  CHECK(auth::generate_password().size() == 16);
  CHECK(auth::generate_password() != auth::generate_password());
}

TEST_CASE("session tokens are random, stored by hash, and malformed ones have no key") {
  auto a = auth::issue_session_token();
  auto b = auth::issue_session_token();
  CHECK(a.token != b.token);
  CHECK(a.token.rfind("pst_", 0) == 0);
  CHECK(auth::session_key(a.token) == a.key);
  CHECK(a.key.find(a.token.substr(4)) == std::string::npos);
  CHECK(a.token_id == a.key.substr(0, 16));
  CHECK(auth::session_key("").empty());
  CHECK(auth::session_key("pst_1234").empty());
  CHECK(auth::session_key(a.token + "0").empty());
  auto upper = a.token;
  upper.back() = 'G';
  CHECK(auth::session_key(upper).empty());

  auth::StaffSession s{"alice", "stamp", 1234};
  auto decoded = auth::decode_staff_session(auth::encode_staff_session(s));
  REQUIRE(decoded);
  CHECK(decoded->agent_id == "alice");
  CHECK(decoded->expires_at_ms == 1234);
  CHECK_FALSE(auth::decode_staff_session("alice\tstamp"));
  CHECK_FALSE(auth::decode_staff_session("alice\tstamp\t12x"));
}

TEST_CASE("the login throttle limits each address, and locks an account only for the address that fails") {
  auth::LoginLimits limits;
  limits.attempts_per_ip_per_minute = 3;
  limits.failures_before_lock = 2;
  limits.first_lock_ms = 10'000;
  limits.longest_lock_ms = 25'000;
  auth::LoginThrottle throttle(limits);
  std::int64_t now = 0;
  CHECK(throttle.admit("1.1.1.1", "a", now) == 0);
  CHECK(throttle.admit("1.1.1.1", "b", now) == 0);
  CHECK(throttle.admit("1.1.1.1", "c", now) == 0);
  CHECK(throttle.admit("1.1.1.1", "d", now) > 0);   // the address spent its budget
  CHECK(throttle.admit("2.2.2.2", "d", now) == 0);  // another address has its own
  now += 20'000;                                    // a third of a minute refills one attempt
  CHECK(throttle.admit("1.1.1.1", "d", now) == 0);

  const std::string stranger = "3.3.3.3", agent = "9.9.9.9";
  throttle.record(stranger, "alice", false, now);
  CHECK(throttle.admit(stranger, "alice", now) == 0);
  throttle.record(stranger, "alice", false, now);  // second failure: this address is locked 10 s
  CHECK(throttle.admit(stranger, "alice", now) == 10);
  CHECK(throttle.admit(agent, "alice", now) == 0);  // alice herself, elsewhere, is not
  throttle.record(agent, "alice", true, now);
  now += 10'000;
  CHECK(throttle.admit(stranger, "alice", now) == 0);
  throttle.record(stranger, "alice", false, now);  // third: 20 s
  CHECK(throttle.admit(stranger, "alice", now) == 20);
  now += 20'000;
  throttle.record(stranger, "alice", false, now);  // fourth would be 40 s: capped at 25 s
  CHECK(throttle.admit(stranger, "alice", now) == 25);
  now += 25'000;
  throttle.record(stranger, "alice", true, now);  // success clears the count
  throttle.record(stranger, "alice", false, now);
  CHECK(throttle.admit(stranger, "alice", now) == 0);
}

TEST_CASE("distributed guessing meets an account-wide ceiling, known addresses still get in") {
  auth::LoginLimits limits;
  limits.attempts_per_ip_per_minute = 100;
  limits.failures_before_lock = 5;
  limits.account_failures_per_hour = 10;
  auth::LoginThrottle throttle(limits);
  std::int64_t now = 0;
  const std::string office = "192.0.2.1";
  CHECK(throttle.admit(office, "alice", now) == 0);
  throttle.record(office, "alice", true, now);  // alice signs in from the office
  for (int i = 0; i < 10; ++i) {  // ten guesses, each from a fresh address
    const auto ip = "203.0.113." + std::to_string(i);
    CHECK(throttle.admit(ip, "alice", now) == 0);
    throttle.record(ip, "alice", false, now);
  }
  CHECK(throttle.admit("203.0.113.200", "alice", now) == 360);  // ceiling spent: one failure per 6 min refills
  CHECK(throttle.admit(office, "alice", now) == 0);             // alice's own address still gets in
  CHECK(throttle.admit("203.0.113.201", "bob", now) == 0);      // other accounts are not affected
  now += 360'000;
  CHECK(throttle.admit("203.0.113.200", "alice", now) == 0);
}

TEST_CASE("memory staff sessions expire and can be removed") {
  chat::ManualClock clock;
  backend::MemoryStaffSessions store(clock);
  bool stored = false;
  store.put("k", {"alice", "s", clock.now_ms() + 1000}, [&](bool ok) { stored = ok; });
  CHECK(stored);
  std::optional<auth::StaffSession> found;
  store.get("k", [&](auto s) { found = s; });
  CHECK(found);
  clock.advance(1000);
  store.get("k", [&](auto s) { found = s; });
  CHECK_FALSE(found);
  store.put("k2", {"bob", "s", clock.now_ms() + 1000}, [](bool) {});
  bool removed = false;
  store.remove("k2", [&](bool r) { removed = r; });
  CHECK(removed);
  store.get("k2", [&](auto s) { found = s; });
  CHECK_FALSE(found);
}

namespace {
struct SignIn {
  chat::ManualClock clock;
  backend::MemoryStaffSessions store{clock};
  auth::AccountStore accounts{std::nullopt, directory()};
  auth::LoginLimits limits{20, 3, 30'000, 60'000};
  auth::StaffAuthenticator staff{accounts, store, limits, 3'600'000, clock};

  static chat::AccountDirectory directory() {
    chat::AccountDirectory d;
    for (std::string id : {"alice", "gone"}) {
      chat::AgentAccount a;
      a.id = id;
      a.role = v1::ROLE_AGENT;
      a.password_hash = auth::hash_password(id + " password", auth::HashCost::minimal);
      a.credential_stamp = auth::credential_stamp(a.password_hash);
      a.disabled = id == "gone";
      d.emplace(id, a);
    }
    return d;
  }
  auth::LoginResult login(const std::string& id, const std::string& password, const std::string& ip = "10.0.0.1") {
    std::promise<auth::LoginResult> result;
    staff.login(ip, id, password, [&](auth::LoginResult r) { result.set_value(std::move(r)); });
    return result.get_future().get();
  }
  std::optional<v1::VerifiedIdentity> verify(const std::string& token) {
    std::promise<std::optional<v1::VerifiedIdentity>> result;
    staff.verify(token, [&](auto identity) { result.set_value(std::move(identity)); });
    return result.get_future().get();
  }
};
}  // namespace

TEST_CASE("signing in issues a token the WebSocket Hello can be checked against") {
  SignIn s;
  auto ok = s.login("alice", "alice password");
  REQUIRE(ok.outcome == Outcome::signed_in);
  CHECK(ok.expires_at_ms == s.clock.now_ms() + 3'600'000);
  auto identity = s.verify(ok.token);
  REQUIRE(identity);
  CHECK(identity->agent_id() == "alice");
  CHECK(identity->credential_stamp() == s.accounts.snapshot()->at("alice").credential_stamp);
  CHECK(identity->token_id() == auth::token_id_of_key(auth::session_key(ok.token)));
  CHECK_FALSE(s.verify("pst_" + std::string(64, '0')));
  CHECK_FALSE(s.verify("alice password"));

  std::promise<std::optional<auth::SignedOut>> out;
  s.staff.logout(ok.token, [&](auto signed_out) { out.set_value(signed_out); });
  auto signed_out = out.get_future().get();
  REQUIRE(signed_out);
  CHECK(signed_out->agent_id == "alice");
  CHECK_FALSE(s.verify(ok.token));
}

TEST_CASE("wrong passwords, unknown and disabled accounts all get the same answer, and repeated failures lock that address out") {
  SignIn s;
  CHECK(s.login("alice", "wrong").outcome == Outcome::bad_credentials);
  CHECK(s.login("nobody", "anything").outcome == Outcome::bad_credentials);
  CHECK(s.login("gone", "gone password").outcome == Outcome::bad_credentials);
  CHECK(s.login("alice", "wrong again").outcome == Outcome::bad_credentials);
  CHECK(s.login("alice", "wrong a third time").outcome == Outcome::bad_credentials);
  // Locked now for this address, even with the right password...
  auto locked = s.login("alice", "alice password");
  CHECK(locked.outcome == Outcome::throttled);
  CHECK(locked.retry_after_s == 30);
  // ...but not for alice at another address.
  CHECK(s.login("alice", "alice password", "10.9.9.9").outcome == Outcome::signed_in);
  s.clock.advance(30'000);
  CHECK(s.login("alice", "alice password").outcome == Outcome::signed_in);
}

TEST_CASE("identity tokens from host sites: only a valid, unexpired HS256 token for a known site verifies") {
  const std::string secret(40, 's');
  auth::IdentityVerifier verifier({{"exchange", secret}});
  const std::int64_t now_ms = 1'800'000'000'000;
  const auto later_s = now_ms / 1000 + 600;
  auto refusal = [&](const std::string& token) { return verifier.verify(token, now_ms).refusal; };

  auto good = verifier.verify(auth::sign_identity_token("exchange", secret, "cust-42", later_s, "li@example.com", "Li Wei"),
                              now_ms);
  REQUIRE(good.identity);
  CHECK(good.identity->site() == "exchange");
  CHECK(good.identity->customer_id() == "cust-42");
  CHECK(good.identity->customer_email() == "li@example.com");
  CHECK(good.identity->customer_name() == "Li Wei");
  CHECK(good.identity->expires_at_ms() == later_s * 1000);

  CHECK(refusal(auth::sign_identity_token("exchange", std::string(40, 'x'), "cust-42", later_s)).find("signature") !=
        std::string::npos);
  CHECK(refusal(auth::sign_identity_token("other", secret, "cust-42", later_s)).find("unknown site") != std::string::npos);
  CHECK(refusal(auth::sign_identity_token("exchange", secret, "cust-42", now_ms / 1000 - 1)).find("expired") !=
        std::string::npos);
  CHECK(refusal(auth::sign_identity_token("exchange", secret, "cust-42", 0)).find("no expiry") != std::string::npos);
  CHECK(refusal(auth::sign_identity_token("exchange", secret, "cust-42", later_s, "", "", "HS512")).find("HS256") !=
        std::string::npos);
  CHECK(refusal(auth::sign_identity_token("exchange", secret, "", later_s)).find("sub") != std::string::npos);
  CHECK(refusal("not.a.jwt").find("not a JWT") != std::string::npos);
  CHECK(refusal(std::string(5000, 'a')).find("too long") != std::string::npos);
  // An unsigned token ("alg": "none") claiming the site.
  const std::string none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0."  // {"alg":"none","typ":"JWT"}
                           "eyJpc3MiOiJleGNoYW5nZSIsInN1YiI6ImN1c3QtNDIiLCJleHAiOjk5OTk5OTk5OTl9.";
  CHECK_FALSE(verifier.verify(none, now_ms).identity);
  // A token whose payload was changed after signing.
  auto token = auth::sign_identity_token("exchange", secret, "cust-42", later_s);
  const auto dot = token.find('.');
  auto tampered = token;
  tampered[dot + 5] = tampered[dot + 5] == 'A' ? 'B' : 'A';
  CHECK_FALSE(verifier.verify(tampered, now_ms).identity);

  CHECK(auth::IdentityVerifier().verify(token, now_ms).refusal.find("no --identity-site") != std::string::npos);

  // Field sizes come from the one table (chat/field_limits.hpp); a long Chinese
  // name is accepted here (the chat cuts it at a character boundary).
  std::string chinese_name;
  for (int i = 0; i < 100; ++i) chinese_name += "李";  // 300 bytes
  struct Case {
    std::string customer, email, name;
    bool accepted;
  };
  const std::vector<Case> cases = {
      {std::string(128, 'c'), "", "", true},
      {std::string(129, 'c'), "", "", false},
      {"c", std::string(254, 'e'), "", true},
      {"c", std::string(255, 'e'), "", false},
      {"c", "", chinese_name, true},
      {"c", "", std::string(320, 'n'), true},
      {"c", "", std::string(321, 'n'), false},
  };
  for (const auto& c : cases) {
    INFO(c.customer.size() << " " << c.email.size() << " " << c.name.size());
    auto result = verifier.verify(auth::sign_identity_token("exchange", secret, c.customer, later_s, c.email, c.name), now_ms);
    CHECK(result.identity.has_value() == c.accepted);
  }
}
