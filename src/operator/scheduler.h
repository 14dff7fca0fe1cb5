// Workload scheduling: places each Workload on a Ready Host whose labels match its hostSelector
// (or its pinned spec.hostId) and that offers every host interface it declares (status
// interfaces, from the host's heartbeat), spreading over the least loaded hosts; waits, with a
// condition naming it, for a missing ConfigMap or Secret; places again the Workloads of a host that
// stopped being Ready. Events on the Workload as kube-scheduler's: Scheduled, and FailedScheduling
// saying why, once per change of why (not at every retry).
#pragma once

#include <map>
#include <string>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "operator/controller.h"
#include "operator/informers.h"

namespace wcloud::operator_ {

class Scheduler {
 public:
  // Records events into `events` when given.
  Scheduler(kube::Client& client, Informers& informers, ControllerMetrics* metrics = nullptr,
            kube::EventRecorder* events = nullptr);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  // One pass over the Workload with `key`, as the worker would run it.
  Status Reconcile(const std::string& key);

 private:
  Result<std::string> MissingConfig(const api::Workload& workload);
  bool HostLost(const std::string& host_id) const;

  kube::Client& client_;
  Informers& informers_;
  kube::EventRecorder* events_;
  // Placements made but not yet seen in the Workload cache, counted as load meanwhile so that
  // back-to-back decisions still spread (kube-scheduler's "assumed" pods). The one worker only.
  std::map<std::string, std::string> assumed_;  // workload key → host id
  Controller loop_;
};

}  // namespace wcloud::operator_
