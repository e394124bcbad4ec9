#pragma once
// Staff sign-ins that were ended by logout, remembered until they would have
// expired anyway. A Hello whose token the network layer found valid may reach
// the service after the logout of that token was processed; the service
// refuses it by looking here, so a sign-out is final whatever the order.
// Plain class; runs on the hub.
//
// Limit policy: at most `limit` entries. Expired ones are dropped first; past
// the limit the entry closest to its expiry goes (only a Hello already in
// flight at its logout could still use it, and such a Hello is milliseconds
// old, not hours).

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>

namespace parley::chat {

class EndedSignIns {
 public:
  explicit EndedSignIns(std::size_t limit = 100'000) : limit_(limit) {}

  void add(const std::string& token_id, std::int64_t expires_at_ms, std::int64_t now_ms) {
    if (token_id.empty() || expires_at_ms <= now_ms || by_id_.count(token_id)) return;
    forget_expired(now_ms);
    while (by_id_.size() >= limit_ && !by_expiry_.empty()) erase(by_expiry_.begin());
    by_id_.emplace(token_id, by_expiry_.emplace(expires_at_ms, token_id));
  }
  bool contains(const std::string& token_id) const { return by_id_.count(token_id) > 0; }
  void forget_expired(std::int64_t now_ms) {
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_ms) erase(by_expiry_.begin());
  }
  std::size_t size() const { return by_id_.size(); }

 private:
  using ByExpiry = std::multimap<std::int64_t, std::string>;
  void erase(ByExpiry::iterator it) {
    by_id_.erase(it->second);
    by_expiry_.erase(it);
  }
  std::size_t limit_;
  ByExpiry by_expiry_;
  std::unordered_map<std::string, ByExpiry::iterator> by_id_;
};

}  // namespace parley::chat
