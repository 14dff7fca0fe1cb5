#include "operator/informers.h"

#include "operator/object_types.h"

namespace wcloud::operator_ {

Informers::Informers(kube::Client& client, const std::string& ns)
    : artifacts(std::make_unique<kube::RestListWatch>(client, kArtifacts, ns)),
      deployments(std::make_unique<kube::RestListWatch>(client, kDeployments, ns)),
      replica_sets(std::make_unique<kube::RestListWatch>(client, kReplicaSets, ns)),
      workloads(std::make_unique<kube::RestListWatch>(client, kWorkloads, ns)),
      hosts(std::make_unique<kube::RestListWatch>(client, kHosts, "")) {
  workloads.AddIndex(kByOwner, [](const api::Workload& w) { return OwnerUids(w.metadata); });
  workloads.AddIndex(kByHost, [](const api::Workload& w) -> std::vector<std::string> {
    if (w.status.host_id.empty()) return {};
    return {w.status.host_id};
  });
  replica_sets.AddIndex(kByOwner,
                        [](const api::WorkloadReplicaSet& rs) { return OwnerUids(rs.metadata); });
}

void Informers::Start() {
  hosts.Start();
  workloads.Start();
  replica_sets.Start();
  deployments.Start();
  artifacts.Start();
}

void Informers::Stop() {
  // Asked all at once: each watch notices only at its next chance.
  artifacts.RequestStop();
  deployments.RequestStop();
  replica_sets.RequestStop();
  workloads.RequestStop();
  hosts.RequestStop();
  artifacts.Stop();
  deployments.Stop();
  replica_sets.Stop();
  workloads.Stop();
  hosts.Stop();
}

bool Informers::WaitForSync(std::chrono::milliseconds timeout) const {
  return hosts.WaitForSync(timeout) && workloads.WaitForSync(timeout) &&
         replica_sets.WaitForSync(timeout) && deployments.WaitForSync(timeout) &&
         artifacts.WaitForSync(timeout);
}

}  // namespace wcloud::operator_
