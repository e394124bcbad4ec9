#include "auth/staff_authenticator.hpp"

#include "auth/password.hpp"

#include <boost/asio/post.hpp>

namespace parley::auth {
namespace {
// Each check holds 64 MiB for ~0.1 s: more waiting than this is refused (503)
// rather than queued without bound.
constexpr int max_hashing = 8;
constexpr std::size_t max_password_bytes = 1024;
}  // namespace

StaffAuthenticator::StaffAuthenticator(AccountStore& accounts, StaffSessionStore& sessions, LoginLimits limits,
                                       std::int64_t session_ttl_ms, const chat::Clock& clock)
    : accounts_(accounts), sessions_(sessions), throttle_(limits), session_ttl_ms_(session_ttl_ms), clock_(clock) {}

StaffAuthenticator::~StaffAuthenticator() { hasher_.join(); }

void StaffAuthenticator::login(const std::string& ip, const std::string& agent_id, const std::string& password,
                               std::function<void(LoginResult)> done) {
  LoginResult refused;
  if (auto wait = throttle_.admit(ip, agent_id, clock_.now_ms())) {
    refused.outcome = LoginResult::Outcome::throttled;
    refused.retry_after_s = wait;
    return done(refused);
  }
  if (password.size() > max_password_bytes) return done(refused);
  if (hashing_.fetch_add(1) >= max_hashing) {
    hashing_.fetch_sub(1);
    refused.outcome = LoginResult::Outcome::busy;
    return done(refused);
  }
  boost::asio::post(hasher_, [this, ip, agent_id, password, done = std::move(done)]() mutable {
    auto accounts = accounts_.snapshot();
    auto it = accounts->find(agent_id);
    // An unknown account costs as much as a known one: timing tells nothing.
    static const std::string decoy = hash_password(generate_password());
    const bool known = it != accounts->end() && !it->second.disabled;
    const bool matches = verify_password(known ? it->second.password_hash : decoy, password) && known;
    hashing_.fetch_sub(1);
    throttle_.record(ip, agent_id, matches, clock_.now_ms());
    if (!matches) return done(LoginResult{});
    issue(it->second, std::move(done));
  });
}

void StaffAuthenticator::issue(const chat::AgentAccount& account, std::function<void(LoginResult)> done) {
  auto issued = issue_session_token();
  StaffSession session{account.id, account.credential_stamp, clock_.now_ms() + session_ttl_ms_};
  LoginResult result;
  result.outcome = LoginResult::Outcome::signed_in;
  result.token = issued.token;
  result.agent_id = account.id;
  result.display_name = account.display_name;
  result.role = account.role;
  result.expires_at_ms = session.expires_at_ms;
  sessions_.put(issued.key, session, [result = std::move(result), done = std::move(done)](bool stored) mutable {
    if (!stored) {
      result = LoginResult{};
      result.outcome = LoginResult::Outcome::unavailable;
    }
    done(std::move(result));
  });
}

void StaffAuthenticator::logout(const std::string& token, std::function<void(std::optional<SignedOut>)> done) {
  const auto key = session_key(token);
  if (key.empty()) return done(std::nullopt);
  sessions_.get(key, [this, key, done = std::move(done)](std::optional<StaffSession> session) mutable {
    if (!session) return done(std::nullopt);
    sessions_.remove(key, [agent = session->agent_id, expires = session->expires_at_ms, key,
                           done = std::move(done)](bool) {
      done(SignedOut{agent, token_id_of_key(key), expires});
    });
  });
}

void StaffAuthenticator::verify(const std::string& token,
                                std::function<void(std::optional<v1::VerifiedIdentity>)> done) {
  const auto key = session_key(token);
  if (key.empty()) return done(std::nullopt);
  sessions_.get(key, [key, done = std::move(done)](std::optional<StaffSession> session) {
    if (!session) return done(std::nullopt);
    v1::VerifiedIdentity identity;
    identity.set_agent_id(session->agent_id);
    identity.set_credential_stamp(session->credential_stamp);
    identity.set_token_id(token_id_of_key(key));
    identity.set_expires_at_ms(session->expires_at_ms);
    done(std::move(identity));
  });
}

}  // namespace parley::auth

namespace parley::auth {

void StaffAuthenticator::verify_member(const std::string& token, std::function<void(std::optional<StaffMember>)> done) {
  verify(token, [this, done = std::move(done)](std::optional<v1::VerifiedIdentity> identity) {
    if (!identity) return done(std::nullopt);
    const auto accounts = accounts_.snapshot();
    const auto it = accounts->find(identity->agent_id());
    if (it == accounts->end() || it->second.disabled || it->second.credential_stamp != identity->credential_stamp())
      return done(std::nullopt);
    done(StaffMember{it->second.id, it->second.role, it->second.display_name});
  });
}

}  // namespace parley::auth
