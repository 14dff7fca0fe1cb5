// The wcloud operator: the shared typed informers and the controllers over them
// (artifact_controller.h, deployment_controller.h, replica_set_controller.h, scheduler.h,
// workload_dispatcher.h), and the host registry its heartbeats feed. Works the same against
// `wcloud up` and a real cluster: it speaks the Kubernetes API, and reaches hosts only through
// the host protocol (hostapi::HostClient).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "hostapi/host_api.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "metrics/registry.h"
#include "oci/component_store.h"
#include "operator/artifact_controller.h"
#include "operator/controller_metrics.h"
#include "operator/deployment_controller.h"
#include "operator/host_registry.h"
#include "operator/informers.h"
#include "operator/replica_set_controller.h"
#include "operator/scheduler.h"
#include "operator/workload_dispatcher.h"
#include "util/mutex.h"

namespace wcloud::operator_ {

class Operator {
 public:
  struct Options {
    ArtifactController::Options artifacts = {};
    // The hosts; none: Workloads are placed but not started anywhere.
    hostapi::HostClient* hosts = nullptr;
    WorkloadDispatcher::Options dispatch = {};
    // Where Host objects live, and how long a silent host stays Ready: three of our hosts'
    // heartbeats (every 2 s). Slower hosts (wasmCloud's, every 15 s) are asked before they
    // are given up.
    std::string hosts_namespace = "default";
    std::chrono::seconds host_ttl{6};
    // Where the controllers' and work queues' metrics and wcloud_hosts go; none when null.
    metrics::Registry* metrics = nullptr;
  };

  // Watches `ns`, or every namespace when empty.
  Operator(kube::Client& client, const std::string& ns);
  Operator(kube::Client& client, const std::string& ns, Options options);
  ~Operator();
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  void Start();
  void Stop();
  bool WaitForSync(std::chrono::milliseconds timeout);
  // Every informer has listed once (readiness).
  bool Synced() const { return informers_.WaitForSync(std::chrono::milliseconds(0)); }
  // The controllers run: started and not stopped (readiness).
  bool Running() const { return started_; }
  // A heartbeat from a host (any transport): its Host object is written, and stops it missed
  // while unreachable are sent again.
  Status HeartbeatReceived(const hostapi::HostHeartbeat& heartbeat);
  // Hosts as the scheduler currently sees them (its informer cache).
  std::vector<kube::TypedInformer<api::Host>::Ptr> KnownHosts() const {
    return informers_.hosts.List();
  }

 private:
  void WatchHostsLoop();
  void CountHosts();

  Options options_;
  std::unique_ptr<ControllerMetrics> metrics_;  // before the controllers that record into it
  kube::EventRecorder events_;                  // likewise
  Informers informers_;
  HostRegistry registry_;
  ArtifactController artifacts_;
  DeploymentController deployments_;
  ReplicaSetController replica_sets_;
  Scheduler scheduler_;
  std::unique_ptr<WorkloadDispatcher> dispatcher_;
  std::atomic<bool> started_ = false;
  Mutex mu_;
  CondVar cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread stale_hosts_;
  prometheus::Family<prometheus::Gauge>* hosts_by_state_ = nullptr;
  metrics::ScrapeHook count_hosts_;  // last: it reads the informers
};

}  // namespace wcloud::operator_
