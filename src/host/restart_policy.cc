#include "host/restart_policy.h"

#include <algorithm>

namespace wcloud::host {

RestartPolicy::RestartPolicy(uint64_t max_restarts, Backoff backoff)
    : max_restarts_(max_restarts), backoff_(backoff), next_delay_(backoff.initial) {}

RestartPolicy::Next RestartPolicy::AfterExit(bool succeeded) {
  if (succeeded) return {Decision::kCompleted};
  if (restarts_ >= max_restarts_) return {Decision::kFailed};
  ++restarts_;
  const std::chrono::milliseconds delay = std::min(next_delay_, backoff_.max);
  next_delay_ = std::min(next_delay_ * 2, backoff_.max);
  return {Decision::kRestart, delay};
}

}  // namespace wcloud::host
