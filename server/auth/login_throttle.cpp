#include "auth/login_throttle.hpp"

#include <algorithm>

namespace parley::auth {
namespace {
// Past this many tracked accounts, settled ones are dropped: an attacker
// cycling account names cannot grow memory without bound.
constexpr std::size_t sweep_above = 10'000;
}  // namespace

std::int64_t LoginThrottle::admit(const std::string& ip, const std::string& account, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (auto it = accounts_.find(account); it != accounts_.end() && it->second.locked_until_ms > now_ms)
    return (it->second.locked_until_ms - now_ms + 999) / 1000;
  if (!addresses_.try_take(ip, now_ms)) return (addresses_.wait_ms(ip, now_ms) + 999) / 1000;
  return 0;
}

void LoginThrottle::record(const std::string& account, bool succeeded, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (succeeded) {
    accounts_.erase(account);
    return;
  }
  if (accounts_.size() >= sweep_above && !accounts_.count(account)) sweep_accounts(now_ms);
  auto& a = accounts_[account];
  if (++a.failures < limits_.failures_before_lock) return;
  const auto doublings = std::min<std::uint32_t>(a.failures - limits_.failures_before_lock, 20);
  a.locked_until_ms = now_ms + std::min(limits_.longest_lock_ms, limits_.first_lock_ms << doublings);
}

void LoginThrottle::sweep_accounts(std::int64_t now_ms) {
  std::erase_if(accounts_, [&](const auto& entry) {
    return entry.second.locked_until_ms <= now_ms && entry.second.failures < limits_.failures_before_lock;
  });
}

}  // namespace parley::auth
