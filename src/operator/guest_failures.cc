#include "operator/guest_failures.h"

namespace wcloud::operator_ {

GuestFailureReport ReportGuestFailures(const api::Workload& w, bool answered,
                                       const std::optional<hostapi::GuestFailures>& reported) {
  GuestFailureReport report;
  if (!answered) {
    report.failures = w.status.guest_failures;
    return report;
  }
  if (!reported) return report;
  api::GuestFailures now;
  now.traps = static_cast<int64_t>(reported->traps);
  now.deadline_exceeded = static_cast<int64_t>(reported->deadline_exceeded);
  now.memory_limit = static_cast<int64_t>(reported->memory_limit);
  now.last_failure_time = reported->last_time;
  now.last_failure_message = reported->last_message;
  report.failures = now;

  // Counts below what the status shows come from a new start (another host or revision): all new.
  const api::GuestFailures before = w.status.guest_failures.value_or(api::GuestFailures{});
  auto rise = [](int64_t was, int64_t is) { return is >= was ? is - was : is; };
  const int64_t memory = rise(before.memory_limit, now.memory_limit);
  const int64_t deadline = rise(before.deadline_exceeded, now.deadline_exceeded);
  const int64_t traps = rise(before.traps, now.traps);
  const std::string last =
      now.last_failure_message.empty() ? "" : "; the last: " + now.last_failure_message;
  if (memory > 0) {
    report.event = {"MemoryLimitExceeded", std::to_string(memory) +
                                               " request(s) trapped with the guest's memory at "
                                               "its limit" +
                                               last};
  } else if (deadline > 0) {
    report.event = {"DeadlineExceeded", std::to_string(deadline) +
                                            " request(s) stopped at the request deadline" + last};
  } else if (traps > 0) {
    report.event = {"GuestTrapped", std::to_string(traps) + " request(s) trapped" + last};
  }
  return report;
}

}  // namespace wcloud::operator_
