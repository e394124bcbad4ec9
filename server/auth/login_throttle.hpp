#pragma once
// Slows password guessing without handing strangers a way to lock staff out.
// Three limits, all per node:
//  - each client address has a budget of attempts per minute (any account);
//  - each (account, address) pair locks after consecutive failures, for
//    30 s doubling to 15 min: the address that guesses is locked, not the
//    account, so an agent signing in from anywhere else still gets in;
//  - each account has a slower ceiling of failures per hour from all
//    addresses together (distributed guessing). Past it, only addresses that
//    signed in to that account successfully before (its last few, for 30
//    days) may still try; everyone else waits for the ceiling to refill.
// Thread-safe.

#include "util/token_bucket.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace parley::auth {

struct LoginLimits {
  double attempts_per_ip_per_minute = 20;
  std::uint32_t failures_before_lock = 5;  // per account and address
  std::int64_t first_lock_ms = 30'000;
  std::int64_t longest_lock_ms = 15 * 60'000;
  double account_failures_per_hour = 100;  // per account, from all addresses together
  std::int64_t known_address_ms = 30LL * 24 * 3600 * 1000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(LoginLimits limits)
      : limits_(limits),
        addresses_(limits.attempts_per_ip_per_minute / 60.0, limits.attempts_per_ip_per_minute),
        account_failures_(limits.account_failures_per_hour / 3600.0, limits.account_failures_per_hour) {}

  // 0 when the attempt may go ahead (and is counted against the address),
  // else how many seconds to wait.
  std::int64_t admit(const std::string& ip, const std::string& account, std::int64_t now_ms);
  void record(const std::string& ip, const std::string& account, bool succeeded, std::int64_t now_ms);

 private:
  struct Pair {
    std::uint32_t failures = 0;
    std::int64_t locked_until_ms = 0;
  };
  bool known_address(const std::string& account, const std::string& ip, std::int64_t now_ms) const;
  void sweep_pairs(std::int64_t now_ms);

  LoginLimits limits_;
  std::mutex mutex_;
  util::KeyedTokenBuckets addresses_;
  util::KeyedTokenBuckets account_failures_;
  std::map<std::pair<std::string, std::string>, Pair> pairs_;  // (account, address)
  // Per account: addresses that signed in successfully, newest last, at most 8.
  std::map<std::string, std::vector<std::pair<std::string, std::int64_t>>> known_;
};

}  // namespace parley::auth
