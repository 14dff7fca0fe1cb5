// The host protocol's workload.logs (hostapi::WorkloadLogsRequest) answered from a workload's
// LogRing.
#pragma once

#include <chrono>

#include "host/log_ring.h"
#include "hostapi/messages.h"

namespace wcloud::host {

// A follower waits at most this long per request, whatever it asks: a host shutting down, or a
// NATS worker, is never held longer.
inline constexpr std::chrono::milliseconds kMaxLogsWait{5000};

// `ring` null: the workload is not here (found false).
hostapi::WorkloadLogs ReadWorkloadLogs(const LogRing* ring,
                                       const hostapi::WorkloadLogsRequest& request);

}  // namespace wcloud::host
