#pragma once
// Tells whether a file an operator edits (the agents file, the hours file)
// was replaced or modified since it was last looked at: its modification time
// and size. Cheap enough to ask every second. Not thread-safe: one owner.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <system_error>

namespace parley::util {

class FileWatch {
 public:
  explicit FileWatch(std::optional<std::filesystem::path> file) : file_(std::move(file)), seen_(version()) {}

  // True once per change (false while unchanged, missing or unreadable).
  bool changed() {
    auto now = version();
    if (!now || now == seen_) return false;
    seen_ = now;
    return true;
  }
  const std::optional<std::filesystem::path>& path() const { return file_; }

 private:
  struct Version {
    std::filesystem::file_time_type modified{};
    std::uintmax_t size = 0;
    bool operator==(const Version&) const = default;
  };
  std::optional<Version> version() const {
    if (!file_) return std::nullopt;
    std::error_code ec;
    Version v;
    v.modified = std::filesystem::last_write_time(*file_, ec);
    if (ec) return std::nullopt;
    v.size = std::filesystem::file_size(*file_, ec);
    if (ec) return std::nullopt;
    return v;
  }

  std::optional<std::filesystem::path> file_;
  std::optional<Version> seen_;
};

}  // namespace parley::util
