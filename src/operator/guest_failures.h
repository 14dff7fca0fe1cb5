// A Workload's failed requests as its status shows them (status.guestFailures), from what its
// host last reported (hostapi::GuestFailures, wcloud's extension of WorkloadStatus), and the
// Event worth recording when the counts rose: `MemoryLimitExceeded`, `DeadlineExceeded` or
// `GuestTrapped`, the first that rose in that order, with how many more and the last failure.
#pragma once

#include <optional>
#include <string>

#include "api/types.h"
#include "hostapi/messages.h"

namespace wcloud::operator_ {

struct GuestFailureReport {
  std::optional<api::GuestFailures> failures;  // none: nothing failed on this placement yet
  struct Event {
    std::string reason;
    std::string message;
  };
  std::optional<Event> event;  // a Warning
};

// `answered`: the host answered for the running workload, with `reported` or, when nothing
// failed (or it has no such extension), without; the status then shows what it says. Not
// answered (unreachable, starting): the status keeps what it showed.
GuestFailureReport ReportGuestFailures(const api::Workload& w, bool answered,
                                       const std::optional<hostapi::GuestFailures>& reported);

}  // namespace wcloud::operator_
