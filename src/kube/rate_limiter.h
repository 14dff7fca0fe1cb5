// How long a controller waits before retrying a key, with client-go's semantics: per-item
// exponential backoff on failures, capped, combined with a global token bucket that bounds the
// overall retry rate.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "util/mutex.h"

namespace wcloud::kube {

using Clock = std::chrono::steady_clock;

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // The delay before `key` may be processed again; counts one more failure for it.
  virtual Clock::duration When(const std::string& key) = 0;
  // Forgets `key`'s failures (it succeeded).
  virtual void Forget(const std::string& key) = 0;
  virtual int NumRequeues(const std::string& key) = 0;
};

// base * 2^failures, capped at `max`.
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  ItemExponentialRateLimiter(Clock::duration base, Clock::duration max) : base_(base), max_(max) {}
  Clock::duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  const Clock::duration base_;
  const Clock::duration max_;
  Mutex mu_;
  std::map<std::string, int> failures_ GUARDED_BY(mu_);
};

// A token bucket of `burst` tokens refilled at `qps`; the delay is when the next token is free.
class BucketRateLimiter : public RateLimiter {
 public:
  BucketRateLimiter(double qps, int burst);
  Clock::duration When(const std::string& key) override;
  void Forget(const std::string&) override {}
  int NumRequeues(const std::string&) override { return 0; }

 private:
  const double qps_;
  const double burst_;
  Mutex mu_;
  double tokens_ GUARDED_BY(mu_);
  Clock::time_point last_ GUARDED_BY(mu_);
};

// The longest delay of its parts: client-go's DefaultControllerRateLimiter is
// max(exponential 5ms..1000s, bucket 10 qps burst 100).
class MaxOfRateLimiter : public RateLimiter {
 public:
  MaxOfRateLimiter(std::unique_ptr<RateLimiter> a, std::unique_ptr<RateLimiter> b)
      : a_(std::move(a)), b_(std::move(b)) {}
  Clock::duration When(const std::string& key) override;
  void Forget(const std::string& key) override;
  int NumRequeues(const std::string& key) override;

 private:
  std::unique_ptr<RateLimiter> a_;
  std::unique_ptr<RateLimiter> b_;
};

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter();

}  // namespace wcloud::kube
