#pragma once
// Token buckets: `rate` tokens a second, holding at most `burst`, starting
// full. Plain classes; the caller passes the time, so tests need no clock, and
// the caller provides any locking.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>

namespace parley::util {

class TokenBucket {
 public:
  TokenBucket(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst), tokens_(burst) {}

  bool try_take(std::int64_t now_ms) {
    refill(now_ms);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // How long until try_take would succeed.
  std::int64_t wait_ms(std::int64_t now_ms) {
    refill(now_ms);
    return tokens_ >= 1.0 ? 0 : static_cast<std::int64_t>(std::ceil((1.0 - tokens_) * 1000.0 / rate_));
  }
  bool full(std::int64_t now_ms) const { return tokens_at(now_ms) >= burst_; }

 private:
  double tokens_at(std::int64_t now_ms) const {
    if (last_ms_ == never || now_ms <= last_ms_) return tokens_;
    return std::min(burst_, tokens_ + (now_ms - last_ms_) * rate_ / 1000.0);
  }
  void refill(std::int64_t now_ms) {
    tokens_ = tokens_at(now_ms);
    last_ms_ = std::max(last_ms_, now_ms);
  }

  static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::min();
  double rate_;
  double burst_;
  double tokens_;
  std::int64_t last_ms_ = never;
};

// One bucket per key (a client address). Full buckets carry no information, so
// they are dropped once there are many: cycling keys cannot grow memory
// without bound.
class KeyedTokenBuckets {
 public:
  KeyedTokenBuckets(double rate_per_second, double burst, std::size_t sweep_above = 10'000)
      : rate_(rate_per_second), burst_(burst), sweep_above_(sweep_above) {}

  bool try_take(const std::string& key, std::int64_t now_ms) { return bucket(key, now_ms).try_take(now_ms); }
  std::int64_t wait_ms(const std::string& key, std::int64_t now_ms) { return bucket(key, now_ms).wait_ms(now_ms); }
  std::size_t size() const { return buckets_.size(); }

 private:
  TokenBucket& bucket(const std::string& key, std::int64_t now_ms) {
    if (buckets_.size() >= sweep_above_ && !buckets_.count(key))
      std::erase_if(buckets_, [now_ms](const auto& entry) { return entry.second.full(now_ms); });
    return buckets_.try_emplace(key, rate_, burst_).first->second;
  }

  double rate_;
  double burst_;
  std::size_t sweep_above_;
  std::unordered_map<std::string, TokenBucket> buckets_;
};

}  // namespace parley::util
