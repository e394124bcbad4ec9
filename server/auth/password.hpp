#pragma once
// Staff passwords: argon2id hashes in libsodium's self-describing string form
// ("$argon2id$v=19$m=...,t=...,p=1$salt$hash"), so the cost travels with the hash.

#include <string>
#include <string_view>

namespace parley::auth {

enum class HashCost {
  interactive,  // libsodium's interactive limits (64 MiB, ~0.1 s): for real accounts
  minimal,      // the smallest argon2id allows: for test fixtures only
};

std::string hash_password(std::string_view password, HashCost cost = HashCost::interactive);
// Constant time in the password; false for any malformed hash.
bool verify_password(std::string_view hash, std::string_view password);
// True when the hash was made with weaker limits than `interactive`.
bool is_weak_hash(std::string_view hash);
// Changes whenever the hash changes (a password reset) or the account's
// sign-in generation does (parley-admin disable, revoke), so sessions issued
// before either can be recognised. Reveals nothing usable about the hash.
std::string credential_stamp(std::string_view hash, std::uint64_t sign_in_generation = 0);

// The id visitors see for an agent: "agent-" and 16 hex digits of a hash of
// the id keyed with the password hash, so it cannot be turned back into a
// login id by guessing names. Changes with a password reset.
std::string public_agent_id(std::string_view id, std::string_view password_hash);

// A password a person can type once and then change: 16 random characters.
std::string generate_password();

}  // namespace parley::auth
