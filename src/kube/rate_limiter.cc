#include "kube/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <memory>

namespace wcloud::kube {

Clock::duration ItemExponentialRateLimiter::When(const std::string& key) {
  MutexLock lock(mu_);
  int exp = failures_[key]++;
  // Past 2^40 the product only overflows; the cap is reached long before.
  if (exp > 40) return max_;
  auto delay = base_ * (int64_t{1} << exp);
  return std::min<Clock::duration>(delay, max_);
}

void ItemExponentialRateLimiter::Forget(const std::string& key) {
  MutexLock lock(mu_);
  failures_.erase(key);
}

int ItemExponentialRateLimiter::NumRequeues(const std::string& key) {
  MutexLock lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

BucketRateLimiter::BucketRateLimiter(double qps, int burst)
    : qps_(qps), burst_(burst), tokens_(burst), last_(Clock::now()) {}

Clock::duration BucketRateLimiter::When(const std::string&) {
  MutexLock lock(mu_);
  auto now = Clock::now();
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
  last_ = now;
  tokens_ -= 1;  // reserve a token, possibly going into debt like golang.org/x/time/rate
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(-tokens_ / qps_));
}

Clock::duration MaxOfRateLimiter::When(const std::string& key) {
  return std::max(a_->When(key), b_->When(key));
}

void MaxOfRateLimiter::Forget(const std::string& key) {
  a_->Forget(key);
  b_->Forget(key);
}

int MaxOfRateLimiter::NumRequeues(const std::string& key) {
  return std::max(a_->NumRequeues(key), b_->NumRequeues(key));
}

std::unique_ptr<RateLimiter> DefaultControllerRateLimiter() {
  using namespace std::chrono_literals;
  return std::make_unique<MaxOfRateLimiter>(
      std::make_unique<ItemExponentialRateLimiter>(5ms, 1000s),
      std::make_unique<BucketRateLimiter>(10.0, 100));
}

}  // namespace wcloud::kube
