#pragma once
// A fresh directory under the system's temporary directory, removed with
// everything in it when the object goes. Unique per process and per object.

#include <atomic>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace parley::test {

class TempDir {
 public:
  explicit TempDir(const std::string& name) {
    static std::atomic<int> count{0};
    path_ = std::filesystem::temp_directory_path() /
            ("parley-" + name + "-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace parley::test
