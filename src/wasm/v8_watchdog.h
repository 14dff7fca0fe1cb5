// One thread per engine that stops guest code at its store's deadline.
#pragma once

#include <chrono>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "util/mutex.h"

namespace wcloud::wasm {

// What the watchdog stops: a store. OnDeadline runs on the watchdog thread.
class DeadlineTarget {
 public:
  virtual void OnDeadline() = 0;

 protected:
  ~DeadlineTarget() = default;
};

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog();
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Calls target->OnDeadline() once `deadline` has passed, replacing an earlier deadline of the
  // same target.
  void Arm(DeadlineTarget* target, Clock::time_point deadline);
  // Forgets the target's deadline. OnDeadline runs under the watchdog's lock, so once this
  // returns it is not running and will not run: a target calls it before it goes away.
  void Disarm(DeadlineTarget* target);

 private:
  void Run();
  void EraseLocked(DeadlineTarget* target) REQUIRES(mu_);

  Mutex mu_;
  CondVar wake_;
  bool stop_ GUARDED_BY(mu_) = false;
  // When the thread wakes by itself next (max: not until notified). A deadline no earlier than
  // this needs no notify, so arming per request does not wake the thread per request.
  Clock::time_point waking_at_ GUARDED_BY(mu_) = Clock::time_point::max();
  std::set<std::pair<Clock::time_point, DeadlineTarget*>> queue_ GUARDED_BY(mu_);
  std::unordered_map<DeadlineTarget*, Clock::time_point> armed_ GUARDED_BY(mu_);
  std::thread thread_;  // last: starts after the state above exists
};

}  // namespace wcloud::wasm
