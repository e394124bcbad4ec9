#pragma once
// The current staff accounts, shared by every thread: the login handler reads
// them, the hub replaces them when the agents file changes (parley-admin
// writes it). Readers take a snapshot and keep it for as long as they need.

#include "chat/accounts.hpp"
#include "util/file_watch.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

namespace parley::auth {

class AccountStore {
 public:
  AccountStore(std::optional<std::filesystem::path> file, chat::AccountDirectory initial);

  std::shared_ptr<const chat::AccountDirectory> snapshot() const;
  // Re-reads the file when it was replaced or modified. Returns the new
  // accounts then; nothing when unchanged or unreadable (the old accounts stay,
  // and the reason is logged once per change of the file).
  std::shared_ptr<const chat::AccountDirectory> reload_if_changed();

 private:
  util::FileWatch watch_;
  mutable std::mutex mutex_;
  std::shared_ptr<const chat::AccountDirectory> accounts_;
};

}  // namespace parley::auth
