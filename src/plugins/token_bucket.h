// A token bucket: `burst` tokens at most, refilled at `per_second`. Not thread-safe: each
// instance owns its own (instances are single-threaded).
#pragma once

#include <algorithm>
#include <chrono>

namespace wcloud::plugins {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  TokenBucket(double per_second, double burst, Clock::time_point now = Clock::now())
      : per_second_(per_second), burst_(burst), tokens_(burst), last_(now) {}

  // Takes a token if one is there.
  bool TryTake(Clock::time_point now = Clock::now()) {
    if (now > last_) {
      std::chrono::duration<double> elapsed = now - last_;
      tokens_ = std::min(burst_, tokens_ + elapsed.count() * per_second_);
      last_ = now;
    }
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double per_second_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace wcloud::plugins
