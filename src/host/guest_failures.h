// A workload's failed requests on this host, for its status (hostapi::GuestFailures): traps
// (500) — those with the guest's memory near its cap also counted as memory-limit failures —
// and requests stopped at their deadline (504), with the last failure's time and message.
// Shared by the workload's revisions and components; recorded from worker threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "util/mutex.h"

namespace wcloud::host {

struct GuestFailureCounts {
  uint64_t traps = 0;
  uint64_t deadline_exceeded = 0;
  uint64_t memory_limit = 0;
  std::string last_time;  // RFC 3339
  std::string last_message;
  bool operator==(const GuestFailureCounts&) const = default;
};

enum class GuestFailure { kTrap, kTrapAtMemoryLimit, kDeadline };

// Whether a guest that trapped with `memory_bytes` of linear memory was at its cap: within an
// eighth of it (at least 1 MiB), since a guest asks for memory in pieces and fails on the one
// that no longer fits. No cap: never.
bool NearMemoryLimit(size_t memory_bytes, std::optional<uint64_t> limit_bytes);

class GuestFailureCounter {
 public:
  void Record(GuestFailure failure, std::string message);
  // None while nothing failed.
  std::optional<GuestFailureCounts> Counts() const;

 private:
  mutable Mutex mu_;  // taken only when a guest failed, or the status is asked
  GuestFailureCounts counts_ GUARDED_BY(mu_);
};

}  // namespace wcloud::host
