// A controller work queue with client-go's semantics: a key waiting in the queue is held once
// however often it is added; a key is never handed to two workers at once (added while being
// processed, it is queued again when the worker calls Done); delayed and rate-limited adds; and,
// given WorkQueueMetrics, client-go's workqueue_* metrics.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "kube/rate_limiter.h"
#include "kube/work_queue_metrics.h"
#include "util/mutex.h"

namespace wcloud::kube {

class WorkQueue {
 public:
  explicit WorkQueue(std::unique_ptr<RateLimiter> limiter = DefaultControllerRateLimiter());
  // A queue recording `metrics`' series for `name` (none when null).
  WorkQueue(const std::string& name, WorkQueueMetrics* metrics,
            std::unique_ptr<RateLimiter> limiter = DefaultControllerRateLimiter());
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(const std::string& key);
  void AddAfter(const std::string& key, Clock::duration delay);
  // Adds after the rate limiter's delay for the key (one more failure counted).
  void AddRateLimited(const std::string& key);
  // Resets the key's failure count: call after processing it succeeded.
  void Forget(const std::string& key);
  int NumRequeues(const std::string& key);

  // Blocks for the next key; empty once the queue is shut down (and drained, for Drain).
  std::optional<std::string> Get();
  // Marks `key`, returned by Get, as processed.
  void Done(const std::string& key);

  // Stops handing out keys; waiting Get calls return empty.
  void ShutDown();
  // Stops accepting keys and waits until every key handed out is Done.
  void ShutDownWithDrain();
  bool shutting_down() const;

  size_t Len() const;  // keys ready to be handed out now

 private:
  struct Delayed {
    Clock::time_point ready;
    std::string key;
    bool operator>(const Delayed& o) const { return ready > o.ready; }
  };
  void AddLocked(const std::string& key) REQUIRES(mu_);
  void PromoteDueLocked(Clock::time_point now) REQUIRES(mu_);
  void UpdateInProgressMetrics();

  std::unique_ptr<RateLimiter> limiter_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<std::string> queue_ GUARDED_BY(mu_);
  std::set<std::string> dirty_ GUARDED_BY(mu_);       // waiting to be processed
  std::set<std::string> processing_ GUARDED_BY(mu_);  // handed out, not yet Done
  std::priority_queue<Delayed, std::vector<Delayed>, std::greater<>> delayed_ GUARDED_BY(mu_);
  bool shutting_down_ GUARDED_BY(mu_) = false;
  // With metrics only: when each key was added, and when each key in processing was handed out.
  std::optional<WorkQueueMetrics::Queue> metrics_;
  std::map<std::string, Clock::time_point> added_at_ GUARDED_BY(mu_);
  std::map<std::string, Clock::time_point> started_at_ GUARDED_BY(mu_);
  metrics::ScrapeHook in_progress_;  // last: it reads started_at_
};

}  // namespace wcloud::kube
