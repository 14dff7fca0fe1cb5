// This host as the host protocol sees it (hostapi::HostHandler): workload start, stop and status
// by workload ID, and heartbeats. A start request is self-contained: the host fetches its images
// (a file on this machine, or an OCI registry with the credentials the request carries), opens
// the values the operator sealed for this host's key, and runs the result on the WorkloadHost.
// It needs no Kubernetes access. Transports (in-process, NATS) call it from any thread.
#pragma once

#include <map>
#include <set>
#include <string>

#include "host/component_images.h"
#include "host/system_info.h"
#include "host/workload_host.h"
#include "hostapi/host_api.h"
#include "hostapi/sealing.h"
#include "util/mutex.h"

namespace wcloud::host {

class HostService final : public hostapi::HostHandler {
 public:
  // What the heartbeat says about this host beyond its machine figures and load.
  struct Identity {
    std::string host_id = {};                        // NKey public key, "N..."
    std::string hostname = {};                       // empty: the machine's
    std::string version = {};                        // empty: wcloud's
    std::map<std::string, std::string> labels = {};  // "hostgroup" is added when missing
    std::string started_at = {};                     // RFC 3339
    uint32_t http_port = 0;
    std::string environment = {};
  };

  // `seal_key` may be null: sealed values are then refused. Everything must outlive this.
  HostService(WorkloadHost& workloads, ComponentImages& images, const hostapi::SealKey* seal_key,
              Identity identity);

  hostapi::WorkloadStatus Start(const hostapi::WorkloadStartRequest& request) override;
  hostapi::WorkloadStatus Stop(const std::string& workload_id) override;
  hostapi::WorkloadStatus Status(const std::string& workload_id) override;
  hostapi::HostHeartbeat Heartbeat() override;
  hostapi::WorkloadList List() override;
  hostapi::WorkloadLogs Logs(const hostapi::WorkloadLogsRequest& request) override;

  // From now on the heartbeat says the host is draining (kDrainingLabel), so the operator moves
  // its Workloads away; it keeps serving until they are stopped.
  void SetDraining();
  // Stops every workload (a host shutting down).
  void StopAll();

 private:
  // A start request as the WorkloadHost runs it, its images fetched and values opened.
  Result<WorkloadRun> Prepare(const hostapi::WorkloadStartRequest& request, std::string& reason,
                              std::set<std::string>& digests);
  // One component (or the service) of a start request: its image fetched, values opened; what
  // the revision covers is appended to `hashed`.
  struct PreparedComponent {
    api::Component component;
    ComponentImage image;
    plugins::ResolvedReferences references;
  };
  Result<PreparedComponent> PrepareComponent(const hostapi::Component& c, const std::string& where,
                                             const std::string& id, std::string& reason,
                                             std::set<std::string>& digests, std::string& hashed);
  // The service's status on the wire, when the workload has one.
  std::optional<hostapi::ServiceStatus> ServiceOf(const std::string& workload_id) const;
  // wcloud's extensions of a status answer (the service, failed requests), for an operator that
  // asked for them.
  void AddExtensions(hostapi::WorkloadStatus& status) const;
  Result<std::string> OpenValue(const std::string& value, const std::string& workload_id) const;
  void RetainImages();

  WorkloadHost& workloads_;
  ComponentImages& images_;
  const hostapi::SealKey* seal_key_;
  Mutex mu_;
  Identity identity_ GUARDED_BY(mu_);
  // Live workloads by ID: the content digests of their images, and their status message.
  struct Live {
    std::set<std::string> digests;
    std::string message;
    bool extensions = false;  // its operator reads wcloud's extensions (kExtensionsAnnotation)
  };
  std::map<std::string, Live> live_ GUARDED_BY(mu_);
  std::set<std::string> starting_ GUARDED_BY(mu_);
  std::set<std::string> cancelled_ GUARDED_BY(mu_);  // stopped while starting
  CpuUsage cpu_ GUARDED_BY(mu_);
};

}  // namespace wcloud::host
