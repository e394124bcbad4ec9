#include "auth/account_store.hpp"
#include "log/log.hpp"

#include "auth/accounts_file.hpp"

#include <iostream>

namespace parley::auth {

AccountStore::AccountStore(std::optional<std::filesystem::path> file, chat::AccountDirectory initial)
    : watch_(std::move(file)), accounts_(std::make_shared<const chat::AccountDirectory>(std::move(initial))) {}

std::shared_ptr<const chat::AccountDirectory> AccountStore::snapshot() const {
  std::lock_guard lock(mutex_);
  return accounts_;
}

std::shared_ptr<const chat::AccountDirectory> AccountStore::reload_if_changed() {
  if (!watch_.changed()) return nullptr;
  const auto& file = *watch_.path();
  try {
    auto accounts = std::make_shared<const chat::AccountDirectory>(load_accounts(file));
    std::lock_guard lock(mutex_);
    accounts_ = accounts;
    log::info("auth", "reloaded the staff accounts", {{"accounts", accounts->size()}, {"file", file.string()}});
    return accounts;
  } catch (const AccountsFileError& e) {
    log::error("auth", "the staff accounts file is wrong; keeping the previous accounts", {{"file", file.string()}, {"error", e.what()}});
    return nullptr;
  }
}

}  // namespace parley::auth
