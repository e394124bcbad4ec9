// parley-admin: manages the staff accounts file. A running server notices the
// change within a second: disabled accounts and reset passwords end their
// sign-ins and close their connections at once.

#include "util/version.hpp"
#include "auth/accounts_file.hpp"
#include "auth/password.hpp"

#include <boost/program_options.hpp>

#include <filesystem>
#include <iostream>
#include <sstream>

namespace po = boost::program_options;
using namespace parley;

namespace {

constexpr const char* usage = R"(parley-admin: manage Parley staff accounts

Usage:
  parley-admin --file FILE list
  parley-admin --file FILE add ID --role agent|tier2|supervisor|admin [--name NAME]
               [--capacity N] [--categories deposit,withdrawal,...] [--manual-assign] [--password-stdin]
  parley-admin --file FILE reset ID [--password-stdin]
  parley-admin --file FILE disable ID      ends its sign-ins; they stay ended after enable
  parley-admin --file FILE enable ID
  parley-admin --file FILE revoke ID       ends every sign-in of the account (sign out everywhere)

Without --password-stdin a random password is generated and printed once.
The file is created by the first `add`, readable by its owner only.
)";

std::string read_password(bool from_stdin) {
  if (!from_stdin) return auth::generate_password();
  std::string password;
  std::getline(std::cin, password);
  if (password.size() < 10) throw auth::AccountsFileError("the password must be at least 10 characters");
  return password;
}

std::set<v1::Category> parse_categories(const std::string& list) {
  std::set<v1::Category> categories;
  std::stringstream in(list);
  for (std::string name; std::getline(in, name, ',');)
    if (!name.empty()) categories.insert(auth::parse_category(name));
  return categories;
}

int run(int argc, char** argv) {
  std::string file, command, id, name, role, categories;
  std::uint32_t capacity = 3;
  std::string cost = "interactive";
  po::options_description options("Options");
  options.add_options()
      ("help,h", "print this help")
      ("version", "print the version")
      ("file", po::value(&file)->value_name("FILE"), "the agents file the server reads (--agents)")
      ("command", po::value(&command))
      ("id", po::value(&id))
      ("name", po::value(&name)->value_name("NAME"), "display name shown to visitors (default: the id)")
      ("role", po::value(&role)->value_name("ROLE"), "agent, tier2, supervisor or admin")
      ("capacity", po::value(&capacity)->value_name("N"), "most chats at once (1..50, default 3)")
      ("categories", po::value(&categories)->value_name("LIST"), "only these categories (default: all)")
      ("manual-assign", "chats are picked from the queue by hand, never pushed")
      ("password-stdin", "read the password from the first line of standard input")
      ("hash-cost", po::value(&cost), "interactive (default) or minimal: minimal is for test fixtures only");
  po::positional_options_description positional;
  positional.add("command", 1).add("id", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(options).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("version")) {
    std::cout << "parley-admin " << parley::version << "\n";
    return 0;
  }
  if (vm.count("help") || command.empty()) {
    std::cout << usage;
    return command.empty() && !vm.count("help") ? 2 : 0;
  }
  if (file.empty()) throw auth::AccountsFileError("--file is required");
  if (cost != "interactive" && cost != "minimal") throw auth::AccountsFileError("--hash-cost: interactive or minimal");
  const auto hash_cost = cost == "minimal" ? auth::HashCost::minimal : auth::HashCost::interactive;

  chat::AccountDirectory accounts;
  if (std::filesystem::exists(file)) accounts = auth::load_accounts(file);
  else if (command != "add") throw auth::AccountsFileError(file + ": no such file; `add` creates it");

  if (command == "list") {
    for (const auto& [account_id, a] : accounts)
      std::cout << account_id << "\t" << auth::role_name(a.role) << "\t" << (a.disabled ? "disabled" : "enabled")
                << "\t" << a.display_name << "\n";
    return 0;
  }
  if (id.empty()) throw auth::AccountsFileError(command + ": which account? give its id");
  auto existing = accounts.find(id);
  const bool from_stdin = vm.count("password-stdin") > 0;

  if (command == "add") {
    if (existing != accounts.end()) throw auth::AccountsFileError("account \"" + id + "\" exists; use reset or enable");
    if (id.size() > 64) throw auth::AccountsFileError("the id must be at most 64 characters");
    if (role.empty()) throw auth::AccountsFileError("add: --role is required");
    chat::AgentAccount account;
    account.id = id;
    account.display_name = name.empty() ? id : name;
    account.role = auth::parse_role(role);
    if (capacity < 1 || capacity > 50) throw auth::AccountsFileError("--capacity must be from 1 to 50");
    account.max_capacity = capacity;
    account.auto_assign = !vm.count("manual-assign");
    account.categories = parse_categories(categories);
    const auto password = read_password(from_stdin);
    account.password_hash = auth::hash_password(password, hash_cost);
    accounts.emplace(id, std::move(account));
    auth::save_accounts(file, accounts);
    if (!from_stdin) std::cout << "password for " << id << ": " << password << "\n";
    std::cout << "added " << id << "\n";
    return 0;
  }
  if (existing == accounts.end()) throw auth::AccountsFileError("no account \"" + id + "\"");
  auto& account = existing->second;
  if (command == "reset") {
    const auto password = read_password(from_stdin);
    account.password_hash = auth::hash_password(password, hash_cost);
    auth::save_accounts(file, accounts);
    if (!from_stdin) std::cout << "new password for " << id << ": " << password << "\n";
    std::cout << "reset " << id << ": its sign-ins have ended\n";
    return 0;
  }
  if (command == "disable" || command == "enable") {
    account.disabled = command == "disable";
    // Disabling ends every sign-in for good: enabling later does not revive them.
    if (account.disabled) ++account.sign_in_generation;
    auth::save_accounts(file, accounts);
    std::cout << command << "d " << id << (account.disabled ? ": its sign-ins have ended" : "") << "\n";
    return 0;
  }
  if (command == "revoke") {
    ++account.sign_in_generation;
    auth::save_accounts(file, accounts);
    std::cout << "revoked every sign-in of " << id << "\n";
    return 0;
  }
  throw auth::AccountsFileError("unknown command \"" + command + "\"; see --help");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "parley-admin: " << e.what() << "\n";
    return 2;
  }
}
