#pragma once
// Staff accounts as loaded from the agents file (auth/accounts_file.cpp parses it).

#include "parley/v1/protocol.pb.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace parley::chat {

namespace v1 = parley::v1;

struct AgentAccount {
  std::string id;
  std::string display_name;
  std::string password_hash;         // argon2id; checked by the HTTP login, never by the domain
  std::string credential_stamp;      // changes with the password and the generation: older sessions are refused
  std::uint64_t sign_in_generation = 0;
  // What visitors see instead of `id` (login ids are half of a credential):
  // an opaque, stable name derived from the account (auth/accounts_file.cpp).
  std::string public_id;  // bumped by parley-admin disable/revoke: ends every sign-in for good
  bool disabled = false;
  v1::Role role = v1::ROLE_AGENT;    // AGENT, TIER2, SUPERVISOR or ADMIN
  std::uint32_t max_capacity = 3;    // most concurrent chats
  bool auto_assign = true;           // false: picks chats from the queue by hand
  std::set<v1::Category> categories; // empty: every category
};

using AccountDirectory = std::map<std::string, AgentAccount>;

inline bool takes_chats(v1::Role role) { return role == v1::ROLE_AGENT || role == v1::ROLE_TIER2; }
// Supervisors and admins watch every queue and chat; they take none themselves.
inline bool oversees(v1::Role role) { return role == v1::ROLE_SUPERVISOR || role == v1::ROLE_ADMIN; }
inline bool is_staff(v1::Role role) { return takes_chats(role) || oversees(role); }

}  // namespace parley::chat
