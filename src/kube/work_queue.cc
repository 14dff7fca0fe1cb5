#include "kube/work_queue.h"

#include <algorithm>

namespace wcloud::kube {

WorkQueue::WorkQueue(std::unique_ptr<RateLimiter> limiter) : limiter_(std::move(limiter)) {}

WorkQueue::WorkQueue(const std::string& name, WorkQueueMetrics* metrics,
                     std::unique_ptr<RateLimiter> limiter)
    : limiter_(std::move(limiter)) {
  if (!metrics) return;
  metrics_.emplace(metrics->For(name));
  // The time items have been in processing grows between scrapes: read it at each one.
  in_progress_ = metrics->registry().OnScrape([this] { UpdateInProgressMetrics(); });
}

void WorkQueue::UpdateInProgressMetrics() {
  MutexLock lock(mu_);
  const auto now = Clock::now();
  double total = 0, longest = 0;
  for (const auto& [key, started] : started_at_) {
    const double seconds = std::chrono::duration<double>(now - started).count();
    total += seconds;
    longest = std::max(longest, seconds);
  }
  metrics_->unfinished_work.Set(total);
  metrics_->longest_running.Set(longest);
}

void WorkQueue::AddLocked(const std::string& key) {
  if (shutting_down_ || dirty_.count(key)) return;
  if (metrics_) {
    metrics_->adds.Increment();
    metrics_->depth.Increment();
    added_at_.try_emplace(key, Clock::now());
  }
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
  if (metrics_) metrics_->retries.Increment();  // as client-go counts: every delayed add
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
  if (metrics_) {
    const auto now = Clock::now();
    metrics_->depth.Decrement();
    if (auto it = added_at_.find(key); it != added_at_.end()) {
      metrics_->queue_duration.Observe(std::chrono::duration<double>(now - it->second).count());
      added_at_.erase(it);
    }
    started_at_[key] = now;
  }
  return key;
}

void WorkQueue::Done(const std::string& key) {
  MutexLock lock(mu_);
  processing_.erase(key);
  if (auto it = started_at_.find(key); it != started_at_.end()) {
    metrics_->work_duration.Observe(
        std::chrono::duration<double>(Clock::now() - it->second).count());
    started_at_.erase(it);
  }
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
