// When a workload's service runs again: after an exit with status 0 it has completed and stays
// down; after a failure (a non-zero exit or a trap) it restarts after an exponential backoff
// (Kubernetes' CrashLoopBackOff: 1 s doubling, capped), at most `max_restarts` times, after
// which it has failed. No engine here, so the policy is tested on its own.
#pragma once

#include <chrono>
#include <cstdint>

namespace wcloud::host {

class RestartPolicy {
 public:
  struct Backoff {
    std::chrono::milliseconds initial{std::chrono::seconds(1)};
    std::chrono::milliseconds max{std::chrono::seconds(60)};
  };
  enum class Decision { kCompleted, kRestart, kFailed };
  struct Next {
    Decision decision;
    std::chrono::milliseconds delay{0};  // with kRestart: wait this long first
  };

  RestartPolicy(uint64_t max_restarts, Backoff backoff);

  // What follows a run that ended with `succeeded` (exit status 0). Counts the restart it orders.
  Next AfterExit(bool succeeded);
  // Restarts ordered so far.
  uint64_t restarts() const { return restarts_; }

 private:
  uint64_t max_restarts_;
  Backoff backoff_;
  uint64_t restarts_ = 0;
  std::chrono::milliseconds next_delay_;
};

}  // namespace wcloud::host
