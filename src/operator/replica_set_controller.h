// WorkloadReplicaSet → Workloads: keeps spec.replicas Workloads from the template, owned by the
// set (generateName "<set>-"); scale-down removes unscheduled and unready Workloads first, then
// the newest; status counts ready replicas and carries the /scale selector. Events on the set, as
// Kubernetes' replicaset controller records them: SuccessfulCreate, SuccessfulDelete,
// FailedCreate, FailedDelete.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "operator/controller.h"
#include "operator/informers.h"
#include "util/mutex.h"

namespace wcloud::operator_ {

class ReplicaSetController {
 public:
  // Records events into `events` when given.
  ReplicaSetController(kube::Client& client, Informers& informers,
                       ControllerMetrics* metrics = nullptr, kube::EventRecorder* events = nullptr);
  ReplicaSetController(const ReplicaSetController&) = delete;
  ReplicaSetController& operator=(const ReplicaSetController&) = delete;

  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  // One pass over the set with `key` ("namespace/name"), as a worker would run it.
  Status Reconcile(const std::string& key);

 private:
  void Observed(const api::Workload& workload);

  kube::Client& client_;
  Informers& informers_;
  kube::EventRecorder* events_;
  // Creates a set has made that the Workload cache has not shown yet (client-go's
  // "expectations"): until they arrive, another reconcile would count too few and create again.
  struct Expectation {
    int pending = 0;
    std::chrono::steady_clock::time_point deadline;
  };
  Mutex mu_;
  std::map<std::string, Expectation> expectations_ GUARDED_BY(mu_);  // by owner uid
  Controller loop_;
};

}  // namespace wcloud::operator_
