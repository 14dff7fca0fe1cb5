#include "operator/replica_set_controller.h"

#include <algorithm>

#include "api/label_selector.h"
#include "operator/object_types.h"

namespace wcloud::operator_ {
namespace {

constexpr auto kExpectationTimeout = std::chrono::seconds(30);

std::string OwnerSetKey(const api::Workload& w) {
  const std::string owner = ControllerName(w.metadata, "WorkloadReplicaSet");
  return owner.empty() ? "" : w.metadata.namespace_ + "/" + owner;
}

bool IsReady(const api::Workload& w) {
  return ConditionStatus(w.status.conditions, "Ready") == "True";
}

}  // namespace

ReplicaSetController::ReplicaSetController(kube::Client& client, Informers& informers,
                                           ControllerMetrics* metrics, kube::EventRecorder* events)
    : client_(client),
      informers_(informers),
      events_(events),
      loop_(
          "workloadreplicaset-controller",
          [this](const std::string& key) { return Reconcile(key); }, metrics) {
  using RsPtr = kube::TypedInformer<api::WorkloadReplicaSet>::Ptr;
  using WPtr = kube::TypedInformer<api::Workload>::Ptr;
  auto enqueue = [this](const RsPtr& rs) { loop_.Enqueue(kube::KeyOf(rs->metadata)); };
  informers_.replica_sets.AddEventHandler(
      {enqueue, [=](const RsPtr&, const RsPtr& rs) { enqueue(rs); }, nullptr});
  auto owner = [this](const WPtr& w) {
    if (std::string key = OwnerSetKey(*w); !key.empty()) loop_.Enqueue(key);
  };
  informers_.workloads.AddEventHandler({[this, owner](const WPtr& w) {
                                          Observed(*w);
                                          owner(w);
                                        },
                                        [=](const WPtr&, const WPtr& w) { owner(w); }, owner});
}

void ReplicaSetController::Observed(const api::Workload& workload) {
  MutexLock lock(mu_);
  for (const auto& uid : OwnerUids(workload.metadata)) {
    auto it = expectations_.find(uid);
    if (it != expectations_.end() && --it->second.pending <= 0) expectations_.erase(it);
  }
}

Status ReplicaSetController::Reconcile(const std::string& key) {
  auto rs = informers_.replica_sets.Get(key);
  if (!rs || !rs->metadata.deletion_timestamp.empty()) return Ok();
  const int desired = rs->spec.replicas.value_or(1);
  const std::string& uid = rs->metadata.uid;
  const std::string& ns = rs->metadata.namespace_;
  std::vector<kube::TypedInformer<api::Workload>::Ptr> owned;
  for (auto& w : informers_.workloads.ByIndex(kByOwner, uid)) {
    if (w->metadata.deletion_timestamp.empty()) owned.push_back(std::move(w));
  }
  const int have = static_cast<int>(owned.size());
  {
    MutexLock lock(mu_);
    auto it = expectations_.find(uid);
    if (it != expectations_.end()) {
      if (std::chrono::steady_clock::now() < it->second.deadline) return Ok();
      expectations_.erase(it);  // never arrived: count again
    }
  }

  if (have < desired) {
    api::Workload workload;
    workload.metadata.namespace_ = ns;
    workload.metadata.generate_name = rs->metadata.name + "-";
    workload.metadata.owner_references.push_back(
        {api::kApiVersion, "WorkloadReplicaSet", rs->metadata.name, uid, true, true});
    if (const auto& m = rs->spec.template_.metadata) {
      workload.metadata.labels = m->labels;
      workload.metadata.annotations = m->annotations;
    }
    workload.spec = rs->spec.template_.spec;
    const Json body = api::EncodeObject(workload);
    {
      MutexLock lock(mu_);
      expectations_[uid] = {desired - have, std::chrono::steady_clock::now() + kExpectationTimeout};
    }
    for (int i = have; i < desired; ++i) {
      auto created = client_.Do(
          "POST", kube::CollectionPath(kWorkloads, ns) + "?fieldManager=" + kFieldManager, &body);
      if (!created) {
        RecordEvent(events_, *rs, "Warning", "FailedCreate",
                    "Error creating: " + created.error().message());
        MutexLock lock(mu_);
        expectations_.erase(uid);
        return created.error();
      }
      RecordEvent(
          events_, *rs, "Normal", "SuccessfulCreate",
          "Created workload: " + created->value("metadata", Json::object()).value("name", ""));
    }
    // The cache sees the new Workloads shortly; their events reconcile this set again.
    return Ok();
  }
  if (have > desired) {
    // Remove what serves nobody first: unscheduled, then not Ready, then the newest.
    auto rank = [](const api::Workload& w) {
      if (w.status.host_id.empty()) return 0;
      return IsReady(w) ? 2 : 1;
    };
    std::sort(owned.begin(), owned.end(), [&](const auto& a, const auto& b) {
      if (rank(*a) != rank(*b)) return rank(*a) < rank(*b);
      return a->metadata.creation_timestamp > b->metadata.creation_timestamp;
    });
    for (int i = 0; i < have - desired; ++i) {
      const auto& name = owned[static_cast<size_t>(i)]->metadata.name;
      auto deleted = client_.Do("DELETE", kube::ObjectPath(kWorkloads, ns, name));
      if (!deleted && !kube::IsNotFound(deleted.error())) {
        RecordEvent(events_, *rs, "Warning", "FailedDelete",
                    "Error deleting: " + deleted.error().message());
        return deleted.error();
      }
      if (deleted)
        RecordEvent(events_, *rs, "Normal", "SuccessfulDelete", "Deleted workload: " + name);
    }
    return Ok();
  }

  int ready = 0;
  for (const auto& w : owned) ready += IsReady(*w);
  api::Labels template_labels;
  if (rs->spec.template_.metadata) template_labels = rs->spec.template_.metadata->labels;
  api::WorkloadReplicaSet updated = *rs;
  auto& status = updated.status;
  status.replicas = have;
  status.ready_replicas = ready;
  status.available_replicas = ready;
  status.observed_generation = rs->metadata.generation.value_or(1);
  status.selector = api::LabelSelector::FromEquals(template_labels).ToString();
  status.conditions = {
      MakeCondition("Ready", ready == desired ? "True" : "False",
                    ready == desired ? "AllReplicasReady" : "ReplicasNotReady",
                    std::to_string(ready) + "/" + std::to_string(desired) + " workloads ready",
                    rs->metadata, rs->status.conditions)};
  return PatchStatus(client_, kReplicaSets, *rs, updated);
}

}  // namespace wcloud::operator_
