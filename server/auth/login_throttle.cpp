#include "auth/login_throttle.hpp"

#include <algorithm>

namespace parley::auth {
namespace {
// Past this many tracked entries, settled ones are dropped: an attacker
// cycling addresses or account names cannot grow memory without bound.
constexpr std::size_t sweep_above = 10'000;
}  // namespace

std::int64_t LoginThrottle::admit(const std::string& ip, const std::string& account, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (addresses_.size() + accounts_.size() > sweep_above) sweep(now_ms);
  const double capacity = limits_.attempts_per_ip_per_minute;
  auto [address, inserted] = addresses_.try_emplace(ip, Address{capacity, now_ms});
  auto& a = address->second;
  a.tokens = std::min(capacity, a.tokens + (now_ms - a.refilled_ms) * capacity / 60'000.0);
  a.refilled_ms = now_ms;
  if (auto it = accounts_.find(account); it != accounts_.end() && it->second.locked_until_ms > now_ms)
    return (it->second.locked_until_ms - now_ms + 999) / 1000;
  if (a.tokens < 1) return static_cast<std::int64_t>((1 - a.tokens) * 60 / capacity) + 1;
  a.tokens -= 1;
  return 0;
}

void LoginThrottle::record(const std::string& account, bool succeeded, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (succeeded) {
    accounts_.erase(account);
    return;
  }
  auto& a = accounts_[account];
  if (++a.failures < limits_.failures_before_lock) return;
  const auto doublings = std::min<std::uint32_t>(a.failures - limits_.failures_before_lock, 20);
  a.locked_until_ms = now_ms + std::min(limits_.longest_lock_ms, limits_.first_lock_ms << doublings);
}

void LoginThrottle::sweep(std::int64_t now_ms) {
  const double capacity = limits_.attempts_per_ip_per_minute;
  std::erase_if(addresses_, [&](const auto& entry) {
    return entry.second.tokens + (now_ms - entry.second.refilled_ms) * capacity / 60'000.0 >= capacity;
  });
  std::erase_if(accounts_, [&](const auto& entry) {
    return entry.second.locked_until_ms <= now_ms && entry.second.failures < limits_.failures_before_lock;
  });
}

}  // namespace parley::auth
