#pragma once
// Slows password guessing from two sides: each address gets a budget of
// attempts per minute, and each account locks for a while after consecutive
// failures (the lock doubles with every further failure). Both are per node.
// Thread-safe.

#include "util/token_bucket.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace parley::auth {

struct LoginLimits {
  double attempts_per_ip_per_minute = 20;
  std::uint32_t failures_before_lock = 5;
  std::int64_t first_lock_ms = 30'000;
  std::int64_t longest_lock_ms = 15 * 60'000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginLimits limits)
      : limits_(limits), addresses_(limits.attempts_per_ip_per_minute / 60.0, limits.attempts_per_ip_per_minute) {}

  // 0 when the attempt may go ahead (and is counted against the address),
  // else how many seconds to wait.
  std::int64_t admit(const std::string& ip, const std::string& account, std::int64_t now_ms);
  void record(const std::string& account, bool succeeded, std::int64_t now_ms);

 private:
  struct Account {
    std::uint32_t failures = 0;
    std::int64_t locked_until_ms = 0;
  };
  void sweep_accounts(std::int64_t now_ms);

  LoginLimits limits_;
  std::mutex mutex_;
  util::KeyedTokenBuckets addresses_;
  std::map<std::string, Account> accounts_;
};

}  // namespace parley::auth
