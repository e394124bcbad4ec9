#include "auth/accounts_file.hpp"

#include "auth/password.hpp"

#include <boost/json.hpp>

#include <fstream>

#include <sys/stat.h>
#include <unistd.h>
#include <sstream>
#include <system_error>

namespace parley::auth {
namespace json = boost::json;
namespace {

constexpr std::pair<const char*, v1::Role> role_names[] = {
    {"agent", v1::ROLE_AGENT}, {"tier2", v1::ROLE_TIER2}, {"supervisor", v1::ROLE_SUPERVISOR}, {"admin", v1::ROLE_ADMIN}};
constexpr std::pair<const char*, v1::Category> category_names[] = {
    {"account", v1::CATEGORY_ACCOUNT}, {"deposit", v1::CATEGORY_DEPOSIT}, {"withdrawal", v1::CATEGORY_WITHDRAWAL},
    {"trading", v1::CATEGORY_TRADING}, {"refund", v1::CATEGORY_REFUND},   {"other", v1::CATEGORY_OTHER}};

std::string string_field(const json::object& object, const char* key, const std::string& where, bool required) {
  auto it = object.find(key);
  if (it == object.end()) {
    if (required) throw AccountsFileError(where + "." + key + ": missing");
    return {};
  }
  if (!it->value().is_string()) throw AccountsFileError(where + "." + key + ": expected a string");
  return std::string(it->value().as_string());
}

chat::AgentAccount parse_account(const json::object& object, const std::string& where) {
  chat::AgentAccount account;
  account.id = string_field(object, "id", where, true);
  if (account.id.empty() || account.id.size() > 64) throw AccountsFileError(where + ".id: must be 1 to 64 characters");
  account.display_name = string_field(object, "name", where, false);
  if (account.display_name.empty()) account.display_name = account.id;
  if (object.contains("secret"))
    throw AccountsFileError(where + ".secret: plain secrets are no longer read; set a password with "
                                    "`parley-admin reset " + account.id + "`");
  account.password_hash = string_field(object, "password_hash", where, true);
  if (account.password_hash.rfind("$argon2id$", 0) != 0)
    throw AccountsFileError(where + ".password_hash: expected an argon2id hash made by parley-admin");
  try {
    account.role = parse_role(string_field(object, "role", where, true));
  } catch (const AccountsFileError& e) {
    throw AccountsFileError(where + ".role: " + e.what());
  }
  if (auto it = object.find("capacity"); it != object.end()) {
    if (!it->value().is_int64() || it->value().as_int64() < 1 || it->value().as_int64() > 50)
      throw AccountsFileError(where + ".capacity: expected a whole number from 1 to 50");
    account.max_capacity = static_cast<std::uint32_t>(it->value().as_int64());
  }
  if (auto it = object.find("auto_assign"); it != object.end()) {
    if (!it->value().is_bool()) throw AccountsFileError(where + ".auto_assign: expected true or false");
    account.auto_assign = it->value().as_bool();
  }
  if (auto it = object.find("disabled"); it != object.end()) {
    if (!it->value().is_bool()) throw AccountsFileError(where + ".disabled: expected true or false");
    account.disabled = it->value().as_bool();
  }
  if (auto it = object.find("sign_in_generation"); it != object.end()) {
    if (!it->value().is_int64() || it->value().as_int64() < 0)
      throw AccountsFileError(where + ".sign_in_generation: expected a whole number from 0");
    account.sign_in_generation = static_cast<std::uint64_t>(it->value().as_int64());
  }
  account.credential_stamp = credential_stamp(account.password_hash, account.sign_in_generation);
  account.public_id = public_agent_id(account.id, account.password_hash);
  if (auto it = object.find("categories"); it != object.end()) {
    if (!it->value().is_array()) throw AccountsFileError(where + ".categories: expected an array of names");
    for (const auto& category : it->value().as_array()) {
      if (!category.is_string()) throw AccountsFileError(where + ".categories: expected an array of names");
      try {
        account.categories.insert(parse_category(std::string(category.as_string())));
      } catch (const AccountsFileError& e) {
        throw AccountsFileError(where + ".categories: " + e.what());
      }
    }
  }
  return account;
}

}  // namespace

v1::Role parse_role(const std::string& name) {
  for (const auto& [text, role] : role_names)
    if (name == text) return role;
  throw AccountsFileError("expected agent, tier2, supervisor or admin, got \"" + name + "\"");
}

const char* role_name(v1::Role role) {
  for (const auto& [text, r] : role_names)
    if (r == role) return text;
  return "unknown";
}

v1::Category parse_category(const std::string& name) {
  for (const auto& [text, category] : category_names)
    if (name == text) return category;
  throw AccountsFileError("unknown category \"" + name + "\"");
}

const char* category_name(v1::Category category) {
  for (const auto& [text, c] : category_names)
    if (c == category) return text;
  return "unknown";
}

chat::AccountDirectory parse_accounts(const std::string& text, const std::string& name) {
  boost::system::error_code ec;
  json::value root = json::parse(text, ec);
  if (ec) throw AccountsFileError(name + ": not valid JSON (" + ec.message() + ")");
  if (!root.is_object() || !root.as_object().contains("agents") || !root.at("agents").is_array())
    throw AccountsFileError(name + ": expected an object with an \"agents\" array");
  chat::AccountDirectory accounts;
  std::size_t index = 0;
  for (const auto& entry : root.at("agents").as_array()) {
    const std::string where = name + ": agents[" + std::to_string(index++) + "]";
    if (!entry.is_object()) throw AccountsFileError(where + ": expected an object");
    auto account = parse_account(entry.as_object(), where);
    if (accounts.count(account.id)) throw AccountsFileError(where + ".id: duplicate id \"" + account.id + "\"");
    accounts.emplace(account.id, std::move(account));
  }
  return accounts;
}

chat::AccountDirectory load_accounts(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw AccountsFileError("agents file " + file.string() + ": cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  return parse_accounts(text.str(), "agents file " + file.string());
}

void save_accounts(const std::filesystem::path& file, const chat::AccountDirectory& accounts) {
  json::array list;
  for (const auto& [id, account] : accounts) {
    json::object entry;
    entry["id"] = account.id;
    entry["name"] = account.display_name;
    entry["role"] = role_name(account.role);
    if (chat::takes_chats(account.role)) {
      entry["capacity"] = account.max_capacity;
      entry["auto_assign"] = account.auto_assign;
    }
    if (!account.categories.empty()) {
      json::array categories;
      for (auto category : account.categories) categories.emplace_back(category_name(category));
      entry["categories"] = std::move(categories);
    }
    entry["disabled"] = account.disabled;
    if (account.sign_in_generation) entry["sign_in_generation"] = account.sign_in_generation;
    entry["password_hash"] = account.password_hash;
    list.emplace_back(std::move(entry));
  }
  std::string text = "{\"agents\": [\n";
  for (std::size_t i = 0; i < list.size(); ++i) text += "  " + json::serialize(list[i]) + (i + 1 < list.size() ? ",\n" : "\n");
  text += "]}\n";

  // Write beside the file and rename over it, so a running server never reads
  // half a file, and keep the password hashes private to the owner.
  const auto temp = file.string() + ".tmp";
  struct stat existing {};
  const bool replacing = ::stat(file.c_str(), &existing) == 0;
  {
    std::ofstream out(temp, std::ios::trunc);
    if (!out) throw AccountsFileError("cannot write " + temp);
    std::filesystem::permissions(temp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    if (replacing) {
      // Only root may give the file away; anyone else writes a file of their own.
      if ((existing.st_uid != ::geteuid() || existing.st_gid != ::getegid()) &&
          ::chown(temp.c_str(), existing.st_uid, existing.st_gid) != 0)
        throw AccountsFileError("cannot keep the owner of " + file.string() + " (run parley-admin as its owner or root)");
      ::chmod(temp.c_str(), existing.st_mode & (S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP));
    }
    out << text;
    out.flush();
    if (!out) throw AccountsFileError("cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, file, ec);
  if (ec) throw AccountsFileError("cannot replace " + file.string() + ": " + ec.message());
}

}  // namespace parley::auth
