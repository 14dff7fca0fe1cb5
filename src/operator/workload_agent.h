// The operator's agent on one host: runs on that host the Workloads the scheduler placed there
// (status.hostId), through host::WorkloadHost. For each one it holds a finalizer, so deleting
// the Workload waits until the host has stopped it; resolves each component's image to bytes
// (file or OCI registry) and its environment (literal config, ConfigMaps, Secrets); applies the
// result to the host and reports the host's answer as the Workload's phase and Ready condition.
// Workloads deleted or moved to another host are removed from this one. Everything goes through
// the Kubernetes API, so it works the same against `wcloud up` and a real cluster.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "host/workload_host.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "oci/component_store.h"
#include "operator/component_images.h"
#include "operator/controller.h"
#include "util/json.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::operator_ {

class WorkloadAgent {
 public:
  // Held on every Workload a host runs, removed once the host has stopped it.
  static constexpr char kFinalizer[] = "runtime.wasmcloud.dev/host";

  struct Options {
    // The namespace to watch; empty: all.
    std::string namespace_ = {};
    // How often every workload is reconciled again even without a change: a ConfigMap edited,
    // a registry back up, a host that lost a workload.
    std::chrono::milliseconds resync{30000};
    int workers = 2;
  };

  // `host_id`: this host's public key, as its Host object's spec.hostId. `components` may be
  // null (pulled bytes are then kept in memory only).
  WorkloadAgent(kube::Client& client, std::string host_id, host::WorkloadHost& host,
                oci::ComponentStore* components, Options options);
  ~WorkloadAgent();  // Stop()
  WorkloadAgent(const WorkloadAgent&) = delete;
  WorkloadAgent& operator=(const WorkloadAgent&) = delete;

  // Starts watching and reconciling. Stop ends that; the workloads keep running on the host
  // and keep their finalizers, so a restarted agent takes them up again.
  void Start();
  void Stop();
  bool WaitForSync(std::chrono::milliseconds timeout) const;

 private:
  // What Reconcile decided a Workload's status and event should be.
  struct Outcome {
    std::string phase = {};  // Running, Pending, Failed
    bool ready = false;
    std::string reason = {};
    std::string message = {};
    bool config_resolved = true;
    std::string config_message = {};
    // Worth retrying with backoff (a registry or a ConfigMap may appear any moment), unlike
    // a component the host refused, which only a new spec or image fixes.
    bool retry = false;
  };

  Status Reconcile(const std::string& key);
  Outcome Run(const std::string& key, const Json& workload);
  Status Finish(const Json& workload);
  Result<Json> AddFinalizer(const Json& workload);
  Status Report(const Json& workload, const Outcome& outcome);
  void RemoveLocal(const std::string& key);
  void RetainImages();
  void ResyncLoop();

  kube::Client& client_;
  std::string host_id_;
  host::WorkloadHost& host_;
  Options options_;
  ComponentImages images_;
  kube::Informer workloads_;
  kube::EventRecorder events_;
  Controller controller_;

  Mutex mu_;
  // Workloads applied to the host, with the content digests of their images.
  std::map<std::string, std::set<std::string>> running_ GUARDED_BY(mu_);

  bool started_ = false;
  Mutex resync_mu_;
  CondVar resync_cv_;
  bool stopping_ GUARDED_BY(resync_mu_) = false;
  std::thread resync_;
};

}  // namespace wcloud::operator_
