#include "auth/account_store.hpp"

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
    std::cerr << "parley: reloaded " << accounts->size() << " staff accounts from " << file.string() << "\n";
    return accounts;
  } catch (const AccountsFileError& e) {
    std::cerr << "parley: keeping the previous staff accounts: " << e.what() << "\n";
    return nullptr;
  }
}

}  // namespace parley::auth
