#include "auth/login_throttle.hpp"

#include <algorithm>

namespace parley::auth {
namespace {
// Past this many tracked pairs (or accounts with known addresses), settled
// entries are dropped: an attacker cycling names or addresses cannot grow
// memory without bound (the per-address budget bounds the rate at which
// unsettled ones appear).
constexpr std::size_t sweep_above = 10'000;
constexpr std::size_t known_per_account = 8;

std::int64_t seconds_from(std::int64_t ms) { return (ms + 999) / 1000; }
}  // namespace

std::int64_t LoginThrottle::admit(const std::string& ip, const std::string& account, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (auto it = pairs_.find({account, ip}); it != pairs_.end() && it->second.locked_until_ms > now_ms)
    return seconds_from(it->second.locked_until_ms - now_ms);
  if (!addresses_.try_take(ip, now_ms)) return seconds_from(addresses_.wait_ms(ip, now_ms));
  // The ceiling is spent: only an address this account is known to use gets through.
  if (const auto wait = account_failures_.wait_ms(account, now_ms); wait > 0 && !known_address(account, ip, now_ms))
    return seconds_from(wait);
  return 0;
}

void LoginThrottle::record(const std::string& ip, const std::string& account, bool succeeded, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  if (succeeded) {
    pairs_.erase({account, ip});
    // Only real accounts sign in successfully: this map is as large as the agents file.
    auto& known = known_[account];
    std::erase_if(known, [&](const auto& k) { return k.first == ip || k.second + limits_.known_address_ms <= now_ms; });
    known.emplace_back(ip, now_ms);
    if (known.size() > known_per_account) known.erase(known.begin());
    return;
  }
  account_failures_.try_take(account, now_ms);
  if (pairs_.size() >= sweep_above && !pairs_.count({account, ip})) sweep_pairs(now_ms);
  auto& p = pairs_[{account, ip}];
  if (++p.failures < limits_.failures_before_lock) return;
  const auto doublings = std::min<std::uint32_t>(p.failures - limits_.failures_before_lock, 20);
  p.locked_until_ms = now_ms + std::min(limits_.longest_lock_ms, limits_.first_lock_ms << doublings);
}

bool LoginThrottle::known_address(const std::string& account, const std::string& ip, std::int64_t now_ms) const {
  auto it = known_.find(account);
  if (it == known_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(),
                     [&](const auto& k) { return k.first == ip && k.second + limits_.known_address_ms > now_ms; });
}

void LoginThrottle::sweep_pairs(std::int64_t now_ms) {
  std::erase_if(pairs_, [&](const auto& entry) {
    // Unlocked and under the threshold, or a lock long over: nothing worth remembering.
    return entry.second.locked_until_ms <= now_ms &&
           (entry.second.failures < limits_.failures_before_lock ||
            entry.second.locked_until_ms + limits_.longest_lock_ms <= now_ms);
  });
}

}  // namespace parley::auth
