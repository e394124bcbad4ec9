#pragma once
// The current staff accounts, shared by every thread: the login handler reads
// them, the hub replaces them when the agents file changes (parley-admin
// writes it). Readers take a snapshot and keep it for as long as they need.

#include "chat/accounts.hpp"

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
  struct FileVersion {
    std::filesystem::file_time_type modified{};
    std::uintmax_t size = 0;
    bool operator==(const FileVersion&) const = default;
  };
  std::optional<FileVersion> version_of_file() const;

  std::optional<std::filesystem::path> file_;
  std::optional<FileVersion> loaded_version_;
  mutable std::mutex mutex_;
  std::shared_ptr<const chat::AccountDirectory> accounts_;
};

}  // namespace parley::auth
