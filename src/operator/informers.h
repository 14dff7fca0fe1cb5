// The shared, typed informer caches every operator controller reads, with the indexes they
// look objects up by: Workloads and WorkloadReplicaSets by owner uid, Workloads by host id.
#pragma once

#include <chrono>
#include <string>

#include "api/types.h"
#include "kube/client.h"
#include "kube/typed_informer.h"

namespace wcloud::operator_ {

inline constexpr char kByOwner[] = "owner";
inline constexpr char kByHost[] = "host";

struct Informers {
  // Watches `ns`, or every namespace when empty; Hosts always in every namespace.
  Informers(kube::Client& client, const std::string& ns);

  void Start();
  void Stop();
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  kube::TypedInformer<api::Artifact> artifacts;
  kube::TypedInformer<api::WorkloadDeployment> deployments;
  kube::TypedInformer<api::WorkloadReplicaSet> replica_sets;
  kube::TypedInformer<api::Workload> workloads;
  kube::TypedInformer<api::Host> hosts;
};

}  // namespace wcloud::operator_
