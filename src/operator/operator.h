// The wcloud operator: the shared typed informers and the controllers over them
// (artifact_controller.h, deployment_controller.h, replica_set_controller.h, scheduler.h).
// Works the same against `wcloud up` and a real cluster: it only speaks the Kubernetes API.
#pragma once

#include <chrono>
#include <vector>

#include "kube/client.h"
#include "oci/component_store.h"
#include "operator/artifact_controller.h"
#include "operator/deployment_controller.h"
#include "operator/informers.h"
#include "operator/replica_set_controller.h"
#include "operator/scheduler.h"

namespace wcloud::operator_ {

class Operator {
 public:
  struct Options {
    // How often an Artifact's tag is checked for a new digest.
    std::chrono::milliseconds artifact_poll{30000};
    // Where pulled component bytes are kept (by digest); none: resolve only.
    oci::ComponentStore* components = nullptr;
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
  // Hosts as the scheduler currently sees them (its informer cache).
  std::vector<kube::TypedInformer<api::Host>::Ptr> KnownHosts() const {
    return informers_.hosts.List();
  }

 private:
  Informers informers_;
  ArtifactController artifacts_;
  DeploymentController deployments_;
  ReplicaSetController replica_sets_;
  Scheduler scheduler_;
  bool started_ = false;
};

}  // namespace wcloud::operator_
