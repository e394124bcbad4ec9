#pragma once
// The staff accounts file (JSON): read by the server at start-up and whenever
// it changes, written by parley-admin. Writes replace the file atomically.
//
// {"agents": [{"id": "alice", "name": "Alice", "role": "agent", "capacity": 3,
//   "auto_assign": true, "categories": ["deposit"], "disabled": false,
//   "password_hash": "$argon2id$v=19$..."}]}

#include "chat/accounts.hpp"

#include <filesystem>
#include <stdexcept>
#include <string>

namespace parley::auth {

class AccountsFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws AccountsFileError naming the file and the field.
chat::AccountDirectory load_accounts(const std::filesystem::path& file);
chat::AccountDirectory parse_accounts(const std::string& text, const std::string& name);
// Replaces the file atomically. A new file is the caller's, mode 0600; an
// existing one keeps its owner, group and the owner's and group's read and
// write bits (a packaged install's root:parley 0640 stays readable by the
// service), never anything for others.
void save_accounts(const std::filesystem::path& file, const chat::AccountDirectory& accounts);

v1::Role parse_role(const std::string& name);  // throws AccountsFileError
const char* role_name(v1::Role role);
v1::Category parse_category(const std::string& name);  // throws AccountsFileError
const char* category_name(v1::Category category);

}  // namespace parley::auth
