#include "wasm/v8_watchdog.h"

namespace wcloud::wasm {

Watchdog::Watchdog() : thread_([this] { Run(); }) {}

Watchdog::~Watchdog() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Watchdog::Arm(DeadlineTarget* target, Clock::time_point deadline) {
  bool earliest;
  {
    MutexLock lock(mu_);
    EraseLocked(target);
    armed_.emplace(target, deadline);
    queue_.emplace(deadline, target);
    earliest = deadline < waking_at_;
  }
  if (earliest) wake_.notify_one();
}

void Watchdog::Disarm(DeadlineTarget* target) {
  MutexLock lock(mu_);
  EraseLocked(target);
}

void Watchdog::EraseLocked(DeadlineTarget* target) {
  auto it = armed_.find(target);
  if (it == armed_.end()) return;
  queue_.erase({it->second, target});
  armed_.erase(it);
}

void Watchdog::Run() {
  MutexLock lock(mu_);
  while (!stop_) {
    if (queue_.empty()) {
      waking_at_ = Clock::time_point::max();
      wake_.Wait(lock);
      continue;
    }
    const auto [deadline, target] = *queue_.begin();
    if (Clock::now() < deadline) {
      waking_at_ = deadline;
      wake_.WaitUntil(lock, deadline);
      continue;
    }
    queue_.erase(queue_.begin());
    armed_.erase(target);
    target->OnDeadline();
  }
}

}  // namespace wcloud::wasm
