// Runs each placed Workload on its host, through the host protocol only (hostapi::HostClient):
// builds the self-contained start request (start_request.h), seals its Secret values for that
// host, starts it under a workload ID of the Workload's uid and revision, and reports the host's
// answer as the Workload's phase and Ready condition. A new revision (a spec, ConfigMap or
// Secret change) starts under a new ID before the old one stops, so serving never pauses; a
// Workload moved to another host starts there before it stops on the old one. What runs where
// is kept in the kWorkloadIdAnnotation ("<workloadId>@<hostId>"), so a restarted operator finds
// the running workloads again and restarts none. A finalizer holds each Workload until its host
// has stopped it (or is gone). Stops a host missed because it was unreachable are sent again
// when it is heard from (HostSeen).
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>

#include "hostapi/host_api.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "operator/controller.h"
#include "operator/informers.h"
#include "operator/start_request.h"
#include "util/mutex.h"

namespace wcloud::operator_ {

class WorkloadDispatcher {
 public:
  // Held on every Workload a host runs, removed once the host has stopped it.
  static constexpr char kFinalizer[] = "runtime.wasmcloud.dev/host";

  struct Options {
    // How often a running workload's status is asked of its host even without a change.
    std::chrono::milliseconds resync{30000};
    int workers = 4;
    // Send Secret values in plaintext to hosts that advertise no seal key (wasmCloud's hosts).
    bool allow_plaintext_secrets = false;
  };

  WorkloadDispatcher(kube::Client& client, Informers& informers, hostapi::HostClient& hosts,
                     Options options, ControllerMetrics* metrics = nullptr);
  WorkloadDispatcher(const WorkloadDispatcher&) = delete;
  WorkloadDispatcher& operator=(const WorkloadDispatcher&) = delete;

  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  // A Workload's key ("namespace/name"), or a host's sweep ("host:<hostId>").
  Status Reconcile(const std::string& key);
  // A heartbeat: stops the host missed are sent now; a wcloud host (it advertises a seal key)
  // that runs more workloads than are placed on it is swept: asked for its workload IDs
  // (hostapi::WorkloadList), and those no Workload is placed under are stopped.
  void HostSeen(const hostapi::HostHeartbeat& heartbeat);

 private:
  // Where a Workload runs: the host and the workload ID it was started under there.
  struct Placement {
    std::string workload_id;
    std::string host_id;
    bool operator==(const Placement&) const = default;
  };
  // What Reconcile decided the Workload's status should say.
  struct Outcome {
    std::string phase = {};  // Running, Pending, Failed
    bool ready = false;
    std::string reason = {};
    std::string message = {};
    bool config_resolved = true;
    std::string config_message = {};
    // Worth retrying with backoff (a registry, a host or a ConfigMap may come back any moment),
    // unlike a component the host refused, which only a new spec or image fixes.
    bool retry = false;
    // Set when Run changed the Workload's metadata: the version its status is written against.
    std::string resource_version = {};
    std::optional<hostapi::ServiceStatus> service = {};  // what the host said of spec.service
    std::optional<hostapi::GuestFailures> guest_failures = {};  // what the host counted
  };

  static std::optional<Placement> PlacementOf(const api::Workload& w);
  Outcome Run(const api::Workload& w, const std::optional<Placement>& current);
  Status Finish(const api::Workload& w, const std::optional<Placement>& current);
  Status StopOn(const Placement& placement);
  Status Sweep(const std::string& host_id);
  // A merge patch of the Workload's metadata; answers the new resourceVersion.
  Result<std::string> Patch(const api::Workload& w, const Json& metadata);
  Status Report(const api::Workload& w, const Outcome& outcome);
  std::optional<api::Host> HostById(const std::string& host_id) const;

  kube::Client& client_;
  Informers& informers_;
  hostapi::HostClient& hosts_;
  Options options_;
  kube::EventRecorder events_;

  Mutex mu_;
  // Stops a host did not get (unreachable): sent again when it is heard from.
  std::map<std::string, std::set<std::string>> owed_stops_ GUARDED_BY(mu_);  // host → IDs
  // Starts the host refused, by Workload key: not tried again until the revision changes.
  std::map<std::string, std::pair<std::string, Outcome>> refused_ GUARDED_BY(mu_);
  // Workload IDs started lately ("id@host"), which the informer cache may not show yet: a sweep
  // leaves them alone.
  std::map<std::string, std::chrono::steady_clock::time_point> recent_starts_ GUARDED_BY(mu_);
  Controller loop_;
};

}  // namespace wcloud::operator_
