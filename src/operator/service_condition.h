// A Workload's service as its status shows it: the ServiceReady condition and serviceRestarts,
// from what the host last reported (hostapi::ServiceStatus, wcloud's extension of
// WorkloadStatus), and the Event worth recording when that changed — Kubernetes' names: a
// restart is `BackOff`, a service past maxRestarts `Failed`, one that exited 0 `Completed`.
#pragma once

#include <optional>
#include <string>

#include "api/types.h"
#include "hostapi/messages.h"

namespace wcloud::operator_ {

inline constexpr char kServiceReady[] = "ServiceReady";

struct ServiceReport {
  std::optional<api::Condition> condition;  // none: the Workload has no service
  std::optional<int64_t> restarts;
  struct Event {
    std::string type;  // Normal, Warning
    std::string reason;
    std::string message;
  };
  std::optional<Event> event;
};

// `reported` is the host's answer; none when the host said nothing about a service (not
// started yet, or a host without the extension), which keeps the restart count and says
// Unknown.
ServiceReport ReportService(const api::Workload& w,
                            const std::optional<hostapi::ServiceStatus>& reported);

}  // namespace wcloud::operator_
