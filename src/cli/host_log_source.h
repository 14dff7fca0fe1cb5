// The API server's WorkloadLogSource over the host protocol: `wcloud up` answers
// workloads/NAME/log from its own host in-process and from remote hosts over NATS.
#pragma once

#include "apiserver/workload_log.h"
#include "hostapi/host_api.h"

namespace wcloud::cli {

apiserver::LogLine ToLogLine(const hostapi::WorkloadLogEntry& entry);

class HostLogSource final : public apiserver::WorkloadLogSource {
 public:
  // `hosts` must outlive this.
  explicit HostLogSource(hostapi::HostClient& hosts) : hosts_(hosts) {}
  Result<apiserver::LogBatch> Fetch(const std::string& host_id,
                                    const apiserver::LogFetch& fetch) override;

 private:
  hostapi::HostClient& hosts_;
};

}  // namespace wcloud::cli
