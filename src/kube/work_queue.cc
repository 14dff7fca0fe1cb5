#include "kube/work_queue.h"

namespace wcloud::kube {

WorkQueue::WorkQueue(std::unique_ptr<RateLimiter> limiter) : limiter_(std::move(limiter)) {}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  dirty_.insert(key);
  if (processing_.count(key)) return;  // Done will queue it again
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::Add(const std::string& key) {
  MutexLock lock(mu_);
  AddLocked(key);
}

void WorkQueue::AddAfter(const std::string& key, Clock::duration delay) {
  MutexLock lock(mu_);
  if (shutting_down_) return;
  if (delay <= Clock::duration::zero()) {
    AddLocked(key);
    return;
  }
  delayed_.push({Clock::now() + delay, key});
  // A waiting Get may now have an earlier deadline to wake for.
  cv_.notify_all();
}

void WorkQueue::AddRateLimited(const std::string& key) { AddAfter(key, limiter_->When(key)); }

void WorkQueue::Forget(const std::string& key) { limiter_->Forget(key); }

int WorkQueue::NumRequeues(const std::string& key) { return limiter_->NumRequeues(key); }

void WorkQueue::PromoteDueLocked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.top().ready <= now) {
    std::string key = delayed_.top().key;
    delayed_.pop();
    AddLocked(key);
  }
}

std::optional<std::string> WorkQueue::Get() {
  MutexLock lock(mu_);
  while (true) {
    PromoteDueLocked(Clock::now());
    if (!queue_.empty()) break;
    if (shutting_down_) return std::nullopt;
    if (delayed_.empty()) {
      cv_.Wait(lock);
    } else {
      cv_.WaitUntil(lock, delayed_.top().ready);
    }
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::Done(const std::string& key) {
  MutexLock lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key)) {
    queue_.push_back(key);
    cv_.notify_one();
  } else if (processing_.empty()) {
    cv_.notify_all();  // ShutDownWithDrain may be waiting for this
  }
}

void WorkQueue::ShutDown() {
  MutexLock lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

void WorkQueue::ShutDownWithDrain() {
  MutexLock lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
  while (!processing_.empty()) cv_.Wait(lock);
}

bool WorkQueue::shutting_down() const {
  MutexLock lock(mu_);
  return shutting_down_;
}

size_t WorkQueue::Len() const {
  MutexLock lock(mu_);
  return queue_.size();
}

}  // namespace wcloud::kube
