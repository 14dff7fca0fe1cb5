// The wcloud operator's controllers over informer caches:
// - Artifact: image → digest, revision, artifactURL; polled for new digests (artifact.cc).
// - WorkloadDeployment → WorkloadReplicaSets: a set per resolved template hash, rolled out
//   by RollingUpdate (maxSurge/maxUnavailable) or Recreate, history trimmed (deployment.cc).
// - WorkloadReplicaSet → Workloads: keeps spec.replicas Workloads from the template, owned by the
//   set; scale-down removes unscheduled and unready Workloads first; status and /scale selector.
// - Workload scheduling: places each Workload on a Ready Host whose labels match hostSelector
//   (or its pinned spec.hostId), spreading replicas over the least loaded hosts.
// Works the same against `wcloud up` and a real cluster: it only speaks the Kubernetes API.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kube/informer.h"
#include "kube/client.h"
#include "oci/component_store.h"
#include "oci/credentials.h"
#include "operator/controller.h"

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
  Operator(kube::Client& client, std::string ns);
  Operator(kube::Client& client, std::string ns, Options options);
  ~Operator();
  Operator(const Operator&) = delete;
  Operator& operator=(const Operator&) = delete;

  void Start();
  void Stop();
  bool WaitForSync(std::chrono::milliseconds timeout);
  // Hosts as the scheduler currently sees them (its informer cache).
  std::vector<kube::ObjectPtr> KnownHosts() const { return hosts_.List(); }

 private:
  Status ReconcileArtifact(const std::string& key);
  Result<std::optional<oci::Credentials>> PullCredentials(const std::string& ns,
                                                          const Json& secret_ref,
                                                          const std::string& registry);
  Status ReconcileDeployment(const std::string& key);
  Result<Json> ResolveTemplate(const Json& deployment);
  Status ReconcileReplicaSet(const std::string& key);
  Status ScheduleWorkload(const std::string& key);
  Result<std::string> MissingConfig(const Json& workload);
  Status PatchStatus(const kube::ResourceType& type, const Json& object, const Json& status);

  kube::Client& client_;
  std::string namespace_;
  Options options_;
  kube::Informer artifacts_;
  kube::Informer deployments_;
  kube::Informer replica_sets_;
  kube::Informer workloads_;
  kube::Informer hosts_;
  Controller artifact_controller_;
  Controller deployment_controller_;
  Controller replica_set_controller_;
  Controller scheduler_;
  bool started_ = false;
  // Creates a set has made that the Workload cache has not shown yet (client-go's
  // "expectations"): until they arrive, another reconcile would count too few and create again.
  struct Expectation {
    int pending = 0;
    std::chrono::steady_clock::time_point deadline;
  };
  std::mutex expectations_mu_;
  std::map<std::string, Expectation> expectations_;  // by owner uid
  // Placements made but not yet seen in the Workload cache, counted as load meanwhile so that
  // back-to-back decisions still spread (kube-scheduler's "assumed" pods).
  std::map<std::string, std::string> assumed_;  // workload key → host id; scheduler thread only
};

}  // namespace wcloud::operator_
