// The seam between the operator and its hosts: the four commands of the host protocol and the
// heartbeats that flow the other way. A host implements HostHandler; the operator reaches hosts
// only through HostClient. `wcloud up` connects them in-process (LocalHosts); distributed mode
// over NATS (nats_transport.h), with the subjects and JSON of wasmCloud's protocol.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "hostapi/messages.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::hostapi {

// What a host does on command. Every answer is a WorkloadStatus, never an Error: a workload
// that cannot start is WORKLOAD_STATE_ERROR with the reason in its message (see ErrorMessage).
// Implementations are thread-safe.
class HostHandler {
 public:
  virtual ~HostHandler() = default;
  // Starts the workload under `workload_id`. An ID already live answers ERROR and leaves the
  // running workload untouched; a start that fails does not use the ID up.
  virtual WorkloadStatus Start(const WorkloadStartRequest& request) = 0;
  // Unknown IDs answer NOT_FOUND, so teardown is idempotent.
  virtual WorkloadStatus Stop(const std::string& workload_id) = 0;
  virtual WorkloadStatus Status(const std::string& workload_id) = 0;
  virtual HostHeartbeat Heartbeat() = 0;
  // wcloud's extension (messages.h WorkloadList): the IDs live here.
  virtual WorkloadList List() = 0;
  // wcloud's extension (messages.h WorkloadLogs): a workload's lines. May wait up to the
  // request's waitMillis (bounded by the host) for new ones. A host that keeps no logs answers
  // not found.
  virtual WorkloadLogs Logs(const WorkloadLogsRequest& request) {
    (void)request;
    return {};
  }
};

// The operator's side: a host by its ID. An Error means the command did not reach the host or
// no answer came (code kUnavailable or kDeadlineExceeded), never that the host refused it.
class HostClient {
 public:
  virtual ~HostClient() = default;
  virtual Result<WorkloadStatus> Start(const std::string& host_id,
                                       const WorkloadStartRequest& request) = 0;
  virtual Result<WorkloadStatus> Stop(const std::string& host_id,
                                      const std::string& workload_id) = 0;
  virtual Result<WorkloadStatus> Status(const std::string& host_id,
                                        const std::string& workload_id) = 0;
  virtual Result<HostHeartbeat> Heartbeat(const std::string& host_id) = 0;
  virtual Result<WorkloadList> List(const std::string& host_id) = 0;
  // kUnimplemented from a client that cannot reach hosts' logs.
  virtual Result<WorkloadLogs> Logs(const std::string& host_id,
                                    const WorkloadLogsRequest& request) {
    (void)request;
    return Error("host " + host_id + ": workload logs: not supported by this client",
                 ErrorCode::kUnimplemented);
  }
};

// A host shutting down says so in its heartbeats' labels (an extension wasmCloud's operator
// ignores): ours marks it NotReady at once, so its Workloads move before it exits.
inline constexpr char kDrainingLabel[] = "wcloud.dev/draining";

// Where heartbeats go: the operator's host registry.
using HeartbeatSink = std::function<void(const HostHeartbeat&)>;

// Hosts in this process, by ID: `wcloud up`'s own host, and tests. Other IDs go to `remote`
// (`wcloud up --nats`: hosts on other machines), or are unreachable without one.
class LocalHosts final : public HostClient {
 public:
  explicit LocalHosts(HostClient* remote = nullptr) : remote_(remote) {}
  // `handler` must outlive its registration.
  void Add(const std::string& host_id, HostHandler& handler);
  void Remove(const std::string& host_id);

  Result<WorkloadStatus> Start(const std::string& host_id,
                               const WorkloadStartRequest& request) override;
  Result<WorkloadStatus> Stop(const std::string& host_id, const std::string& workload_id) override;
  Result<WorkloadStatus> Status(const std::string& host_id,
                                const std::string& workload_id) override;
  Result<HostHeartbeat> Heartbeat(const std::string& host_id) override;
  Result<WorkloadList> List(const std::string& host_id) override;
  Result<WorkloadLogs> Logs(const std::string& host_id,
                            const WorkloadLogsRequest& request) override;

 private:
  HostHandler* Find(const std::string& host_id);
  Error Unreachable(const std::string& host_id) const;

  HostClient* remote_;
  Mutex mu_;
  std::map<std::string, HostHandler*> hosts_ GUARDED_BY(mu_);
};

// A failed workload's message carries a Kubernetes-style reason in front ("ImagePullFailed:
// image ghcr.io/x: 401"), so the operator can set its condition's reason. wasmCloud's hosts send
// free text; SplitReason then answers `fallback` as the reason and the whole message.
std::string ErrorMessage(std::string_view reason, std::string_view message);
struct ReasonAndMessage {
  std::string reason;
  std::string message;
};
ReasonAndMessage SplitReason(std::string_view message, std::string_view fallback);

}  // namespace wcloud::hostapi
