#include "host/guest_failures.h"

#include <algorithm>

#include "util/timestamp.h"

namespace wcloud::host {
namespace {
constexpr size_t kMaxMessage = 1024;
}  // namespace

bool NearMemoryLimit(size_t memory_bytes, std::optional<uint64_t> limit_bytes) {
  if (!limit_bytes) return false;
  const uint64_t slack = std::max<uint64_t>(uint64_t{1} << 20, *limit_bytes / 8);
  return memory_bytes + slack >= *limit_bytes;
}

void GuestFailureCounter::Record(GuestFailure failure, std::string message) {
  MutexLock lock(mu_);
  switch (failure) {
    case GuestFailure::kTrapAtMemoryLimit:
      ++counts_.memory_limit;
      [[fallthrough]];
    case GuestFailure::kTrap:
      ++counts_.traps;
      break;
    case GuestFailure::kDeadline:
      ++counts_.deadline_exceeded;
      break;
  }
  // The guest writes part of it (a trap's message): kept to a size a status holds well.
  if (message.size() > kMaxMessage) message.resize(kMaxMessage);
  counts_.last_time = NowTime();
  counts_.last_message = std::move(message);
}

std::optional<GuestFailureCounts> GuestFailureCounter::Counts() const {
  MutexLock lock(mu_);
  if (counts_.traps == 0 && counts_.deadline_exceeded == 0) return std::nullopt;
  return counts_;
}

}  // namespace wcloud::host
