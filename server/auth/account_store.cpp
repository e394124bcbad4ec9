#include "auth/account_store.hpp"

#include "auth/accounts_file.hpp"

#include <iostream>

namespace parley::auth {

AccountStore::AccountStore(std::optional<std::filesystem::path> file, chat::AccountDirectory initial)
    : file_(std::move(file)), accounts_(std::make_shared<const chat::AccountDirectory>(std::move(initial))) {
  loaded_version_ = version_of_file();
}

std::shared_ptr<const chat::AccountDirectory> AccountStore::snapshot() const {
  std::lock_guard lock(mutex_);
  return accounts_;
}

std::optional<AccountStore::FileVersion> AccountStore::version_of_file() const {
  if (!file_) return std::nullopt;
  std::error_code ec;
  FileVersion version;
  version.modified = std::filesystem::last_write_time(*file_, ec);
  if (ec) return std::nullopt;
  version.size = std::filesystem::file_size(*file_, ec);
  if (ec) return std::nullopt;
  return version;
}

std::shared_ptr<const chat::AccountDirectory> AccountStore::reload_if_changed() {
  auto version = version_of_file();
  if (!version || version == loaded_version_) return nullptr;
  loaded_version_ = version;
  try {
    auto accounts = std::make_shared<const chat::AccountDirectory>(load_accounts(*file_));
    std::lock_guard lock(mutex_);
    accounts_ = accounts;
    std::cerr << "parley: reloaded " << accounts->size() << " staff accounts from " << file_->string() << "\n";
    return accounts;
  } catch (const AccountsFileError& e) {
    std::cerr << "parley: keeping the previous staff accounts: " << e.what() << "\n";
    return nullptr;
  }
}

}  // namespace parley::auth
