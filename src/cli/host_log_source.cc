#include "cli/host_log_source.h"

namespace wcloud::cli {

apiserver::LogLine ToLogLine(const hostapi::WorkloadLogEntry& entry) {
  return {.time = entry.time,
          .component = entry.component,
          .stream = entry.stream,
          .level = entry.level,
          .context = entry.context,
          .text = entry.text};
}

Result<apiserver::LogBatch> HostLogSource::Fetch(const std::string& host_id,
                                                 const apiserver::LogFetch& fetch) {
  const hostapi::WorkloadLogsRequest request{.workload_id = fetch.workload_id,
                                             .component = fetch.component,
                                             .since_time = fetch.since_time,
                                             .tail_lines = fetch.tail_lines,
                                             .after_sequence = fetch.after_sequence,
                                             .wait_millis = fetch.wait_millis};
  WCLOUD_ASSIGN_OR_RETURN(hostapi::WorkloadLogs logs, hosts_.Logs(host_id, request));
  apiserver::LogBatch batch{.found = logs.found,
                            .lines = {},
                            .last_sequence = logs.last_sequence,
                            .more = logs.more,
                            .ended = logs.ended,
                            .error = logs.error};
  for (const hostapi::WorkloadLogEntry& e : logs.entries) batch.lines.push_back(ToLogLine(e));
  return batch;
}

}  // namespace wcloud::cli
