// WorkloadDeployment → WorkloadReplicaSets: one set per resolved template (each artifacts[]
// component's image replaced by its Artifact's current revision), rolled out by policy:
// RollingUpdate within maxSurge/maxUnavailable, or Recreate (old sets to zero and gone before
// the new one grows); old sets kept at zero up to revisionHistoryLimit. A new Artifact revision
// makes a new template, so it rolls out by itself. Events on the deployment, as Kubernetes'
// deployment controller words them: ScalingReplicaSet for each scale, NewReplicaSetCreated when
// a new template (a spec change, an Artifact's new revision) starts a rollout after the first,
// NewReplicaSetAvailable when a rollout completes.
#pragma once

#include <string>

#include "kube/client.h"
#include "kube/event_recorder.h"
#include "operator/controller.h"
#include "operator/informers.h"

namespace wcloud::operator_ {

class DeploymentController {
 public:
  // Records events into `events` when given.
  DeploymentController(kube::Client& client, Informers& informers,
                       ControllerMetrics* metrics = nullptr, kube::EventRecorder* events = nullptr);
  DeploymentController(const DeploymentController&) = delete;
  DeploymentController& operator=(const DeploymentController&) = delete;

  void Start() { loop_.Start(); }
  void Stop() { loop_.Stop(); }
  // One pass over the deployment with `key`, as the worker would run it.
  Status Reconcile(const std::string& key);

 private:
  Result<api::WorkloadTemplate> ResolveTemplate(const api::WorkloadDeployment& wd) const;

  kube::Client& client_;
  Informers& informers_;
  kube::EventRecorder* events_;
  Controller loop_;
};

}  // namespace wcloud::operator_
