// Runs watch responses without a thread each: a watch is a task that does what it can without
// blocking and says when it wants to run again (its next bookmark, its timeout); store events,
// bytes reaching the client and the client leaving wake it early. A few threads serve every
// watch, so 1,000 watches cost 1,000 small objects, not 1,000 threads.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "util/mutex.h"

namespace wcloud::apiserver {

class WatchHub {
 public:
  using Clock = std::chrono::steady_clock;

  class Task {
   public:
    virtual ~Task() = default;
    // Never on two threads at once. Returns when to run again (at the latest: a Wake comes
    // first), or nullopt when the task is finished and is to be dropped.
    virtual std::optional<Clock::time_point> Run(bool stopping) = 0;
  };

  explicit WatchHub(int threads = 2);
  ~WatchHub();
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Runs the task soon, and from then on whenever it is woken or due.
  void Add(std::shared_ptr<Task> task);
  // Thread-safe and cheap (callable under other locks that a Run never takes): runs the task
  // soon; a task woken while running runs once more after.
  void Wake(const Task* task);
  // Runs every task with stopping=true until each is finished, then joins the threads.
  void Stop();

  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<Task> task;
    bool queued = false;
    bool running = false;
    bool rerun = false;
    std::optional<Clock::time_point> due;
  };
  void Loop();
  void QueueLocked(Entry& entry, const Task* key) REQUIRES(mu_);

  mutable Mutex mu_;
  CondVar cv_;
  std::map<const Task*, Entry> entries_ GUARDED_BY(mu_);
  std::deque<const Task*> ready_ GUARDED_BY(mu_);
  std::multimap<Clock::time_point, const Task*> timers_ GUARDED_BY(mu_);  // stale ones skipped
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace wcloud::apiserver
