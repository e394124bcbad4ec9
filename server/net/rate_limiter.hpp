#pragma once
// Token bucket: `rate` tokens a second, holding at most `burst`. Plain class;
// the caller passes the time so tests need no clock.

#include <algorithm>
#include <cstdint>

namespace parley::net {

class RateLimiter {
 public:
  RateLimiter(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst), tokens_(burst) {}

  bool try_take(std::int64_t now_ms) {
    if (last_ms_ != 0 && now_ms > last_ms_) tokens_ = std::min(burst_, tokens_ + (now_ms - last_ms_) * rate_ / 1000.0);
    last_ms_ = std::max(last_ms_, now_ms);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::int64_t last_ms_ = 0;
};

}  // namespace parley::net
