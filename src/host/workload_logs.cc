#include "host/workload_logs.h"

#include <algorithm>

namespace wcloud::host {

hostapi::WorkloadLogs ReadWorkloadLogs(const LogRing* ring,
                                       const hostapi::WorkloadLogsRequest& request) {
  hostapi::WorkloadLogs logs;
  if (!ring) return logs;
  logs.found = true;
  LogQuery query;
  query.component = request.component;
  query.tail = request.tail_lines;
  query.after_sequence = request.after_sequence;
  if (!request.since_time.empty()) {
    auto since = ParseTime(request.since_time);
    if (!since) {
      logs.error = "InvalidRequest: sinceTime: " + since.error().message();
      return logs;
    }
    query.since = *since;
  }
  std::optional<std::chrono::steady_clock::time_point> wait_until;
  if (request.wait_millis > 0) {
    wait_until = std::chrono::steady_clock::now() +
                 std::min(kMaxLogsWait, std::chrono::milliseconds(request.wait_millis));
  }
  LogPage page = ring->Read(query, wait_until);
  for (LogEntry& e : page.entries) {
    logs.entries.push_back({.sequence = e.sequence,
                            .time = FormatMicroTime(e.time),
                            .component = std::move(e.component),
                            .stream = std::string(LogStreamName(e.stream)),
                            .level = std::move(e.level),
                            .context = std::move(e.context),
                            .text = std::move(e.text)});
  }
  logs.last_sequence = page.last_sequence;
  logs.more = page.more;
  logs.ended = page.closed;
  return logs;
}

}  // namespace wcloud::host
