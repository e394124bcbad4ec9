#pragma once
// Staff sign-ins: an opaque random token handed to the browser at login, and
// a record kept by the backend under a hash of it (so a leaked store does not
// leak usable tokens). The embedded backend keeps records in memory; the Redis
// backend in keys that expire with the session, shared by every node.
//
// Callbacks may run on any thread (the store's own executor): callers post
// back to theirs.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace parley::auth {

struct StaffSession {
  std::string agent_id;
  std::string credential_stamp;  // the account's stamp at sign-in
  std::int64_t expires_at_ms = 0;
};

struct IssuedToken {
  std::string token;     // goes to the client, once
  std::string key;       // the store's key: a hash of the token
  std::string token_id;  // a short name of the sign-in for logs and sign-out; not the token
};

IssuedToken issue_session_token();
// The store key for a token a client presented. Empty for something that
// cannot be a token (wrong length or characters).
std::string session_key(std::string_view token);
std::string token_id_of_key(std::string_view key);

std::string encode_staff_session(const StaffSession& session);
std::optional<StaffSession> decode_staff_session(std::string_view text);

class StaffSessionStore {
 public:
  virtual ~StaffSessionStore() = default;
  virtual void put(const std::string& key, const StaffSession& session, std::function<void(bool stored)> done) = 0;
  // Nothing for an unknown or expired key, or when the store cannot answer.
  virtual void get(const std::string& key, std::function<void(std::optional<StaffSession>)> done) = 0;
  virtual void remove(const std::string& key, std::function<void(bool removed)> done) = 0;
};

}  // namespace parley::auth
