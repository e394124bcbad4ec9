#pragma once
// Staff sign-in, sign-out and token checks, for the HTTP API and the
// WebSocket Hello. Password hashes are checked on a worker thread of their own
// (argon2id takes ~0.1 s and 64 MiB on purpose), never on a network thread,
// and only a few at a time. Results come back through callbacks on any thread.

#include "auth/account_store.hpp"
#include "auth/login_throttle.hpp"
#include "auth/staff_sessions.hpp"
#include "chat/clock.hpp"
#include "parley/v1/protocol.pb.h"

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace parley::auth {

struct LoginResult {
  enum class Outcome { signed_in, bad_credentials, throttled, busy, unavailable };
  Outcome outcome = Outcome::bad_credentials;
  std::string token;
  std::string agent_id;
  std::string display_name;
  parley::v1::Role role = parley::v1::ROLE_UNSPECIFIED;
  std::int64_t expires_at_ms = 0;
  std::int64_t retry_after_s = 0;  // throttled
};

struct SignedOut {
  std::string agent_id;
  std::string token_id;
  std::int64_t expires_at_ms = 0;  // when the sign-in would have expired
};

// A signed-in staff member as the account is now.
struct StaffMember {
  std::string agent_id;
  parley::v1::Role role = parley::v1::ROLE_UNSPECIFIED;
  std::string display_name;
};

class StaffAuthenticator {
 public:
  StaffAuthenticator(AccountStore& accounts, StaffSessionStore& sessions, LoginLimits limits,
                     std::int64_t session_ttl_ms, const chat::Clock& clock);
  ~StaffAuthenticator();

  void login(const std::string& ip, const std::string& agent_id, const std::string& password,
             std::function<void(LoginResult)> done);
  // Nothing when the token was not a live session.
  void logout(const std::string& token, std::function<void(std::optional<SignedOut>)> done);
  // The identity a Hello may carry to the chat service, or nothing when the
  // token is unknown, expired, or from before a password change.
  void verify(const std::string& token, std::function<void(std::optional<v1::VerifiedIdentity>)> done);
  // For the HTTP API (no Hello follows to check the account): verify(), and
  // the account as it is now: enabled, with the same credential stamp (so a
  // disable, revoke, password or role change ends the token here too).
  void verify_member(const std::string& token, std::function<void(std::optional<StaffMember>)> done);
  // The accounts as they are now.
  std::shared_ptr<const chat::AccountDirectory> accounts() const { return accounts_.snapshot(); }

 private:
  void issue(const chat::AgentAccount& account, std::function<void(LoginResult)> done);

  AccountStore& accounts_;
  StaffSessionStore& sessions_;
  LoginThrottle throttle_;
  std::int64_t session_ttl_ms_;
  const chat::Clock& clock_;
  std::atomic<int> hashing_{0};
  boost::asio::thread_pool hasher_{1};
};

}  // namespace parley::auth
