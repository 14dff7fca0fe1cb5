#include "operator/deployment_controller.h"

#include <algorithm>
#include <cmath>

#include "api/label_selector.h"
#include "operator/object_types.h"
#include "util/sha256.h"

namespace wcloud::operator_ {
namespace {

constexpr char kHashLabel[] = "runtime.wasmcloud.dev/template-hash";
constexpr std::string_view kArtifactScheme = "artifact://";

using SetPtr = kube::TypedInformer<api::WorkloadReplicaSet>::Ptr;

int SpecReplicas(const api::WorkloadReplicaSet& rs) { return rs.spec.replicas.value_or(0); }
int Present(const api::WorkloadReplicaSet& rs) { return rs.status.replicas.value_or(0); }
int Ready(const api::WorkloadReplicaSet& rs) { return rs.status.ready_replicas.value_or(0); }

// maxSurge/maxUnavailable: an int, or a percent of `desired` (surge rounds up, unavailable down).
int Resolve(const std::optional<api::IntOrString>& v, const std::string& fallback_percent,
            int desired, bool round_up) {
  std::string percent = fallback_percent;
  if (v) {
    if (v->is_int()) return static_cast<int>(std::get<int64_t>(v->value));
    percent = std::get<std::string>(v->value);
  }
  if (percent.empty() || percent.back() != '%') return round_up ? 1 : 0;
  const double share = std::stod(percent.substr(0, percent.size() - 1)) * desired / 100.0;
  return static_cast<int>(round_up ? std::ceil(share) : std::floor(share));
}

// The template without the hash label and empty metadata, to find the set that already runs
// it (as Kubernetes' EqualIgnoreHash does), whatever hash named it.
api::WorkloadTemplate Normalized(api::WorkloadTemplate t) {
  if (t.metadata) {
    t.metadata->labels.erase(kHashLabel);
    if (t.metadata->labels.empty() && t.metadata->annotations.empty()) t.metadata.reset();
  }
  return t;
}

std::string TemplateHash(const api::WorkloadTemplate& t) {
  api::WorkloadReplicaSet holder;
  holder.spec.template_ = t;
  return Sha256Hex(api::EncodeObject(holder)["spec"]["template"].dump()).substr(0, 10);
}

}  // namespace

DeploymentController::DeploymentController(kube::Client& client, Informers& informers,
                                           ControllerMetrics* metrics, kube::EventRecorder* events)
    : client_(client),
      informers_(informers),
      events_(events),
      loop_(
          "workloaddeployment-controller",
          [this](const std::string& key) { return Reconcile(key); }, metrics) {
  using DPtr = kube::TypedInformer<api::WorkloadDeployment>::Ptr;
  using APtr = kube::TypedInformer<api::Artifact>::Ptr;
  auto enqueue = [this](const DPtr& wd) { loop_.Enqueue(kube::KeyOf(wd->metadata)); };
  informers_.deployments.AddEventHandler(
      {enqueue, [=](const DPtr&, const DPtr& wd) { enqueue(wd); }, nullptr});
  // A set changing (its replicas, its readiness) moves its deployment's rollout on.
  auto owner = [this](const SetPtr& rs) {
    if (auto name = ControllerName(rs->metadata, "WorkloadDeployment"); !name.empty()) {
      loop_.Enqueue(rs->metadata.namespace_ + "/" + name);
    }
  };
  informers_.replica_sets.AddEventHandler(
      {owner, [=](const SetPtr&, const SetPtr& rs) { owner(rs); }, owner});
  // An Artifact's new revision rolls out every deployment that takes a component from it.
  auto on_artifact = [this](const APtr& a) {
    for (const auto& wd : informers_.deployments.List()) {
      if (wd->metadata.namespace_ != a->metadata.namespace_) continue;
      for (const auto& ref : wd->spec.artifacts) {
        if (ref.artifact_from.name == a->metadata.name) loop_.Enqueue(kube::KeyOf(wd->metadata));
      }
    }
  };
  informers_.artifacts.AddEventHandler(
      {on_artifact, [=](const APtr&, const APtr& a) { on_artifact(a); }, nullptr});
}

// The template with each artifacts[] component's image replaced by its Artifact's current
// revision; an error (to wait on) when an artifact:// image has nothing to resolve to yet.
Result<api::WorkloadTemplate> DeploymentController::ResolveTemplate(
    const api::WorkloadDeployment& wd) const {
  api::WorkloadTemplate tmpl = wd.spec.template_;
  for (const auto& ref : wd.spec.artifacts) {
    auto artifact = informers_.artifacts.Get(wd.metadata.namespace_ + "/" + ref.artifact_from.name);
    if (!artifact || artifact->status.artifact_url.empty()) continue;
    for (auto& c : tmpl.spec.components) {
      if (c.name != ref.name) continue;
      c.image = artifact->status.artifact_url;
      // The host pulls the resolved image from the same private registry the Artifact did.
      if (!c.image_pull_secret) c.image_pull_secret = artifact->spec.image_pull_secret;
    }
  }
  for (const auto& c : tmpl.spec.components) {
    if (c.image.rfind(kArtifactScheme, 0) == 0) {
      return Error("artifact " + c.image.substr(kArtifactScheme.size()) + " has no revision yet");
    }
  }
  return tmpl;
}

Status DeploymentController::Reconcile(const std::string& key) {
  auto wd = informers_.deployments.Get(key);
  if (!wd || !wd->metadata.deletion_timestamp.empty()) return Ok();
  const auto& spec = wd->spec;
  const std::string& ns = wd->metadata.namespace_;
  const int desired = spec.replicas.value_or(1);
  const bool recreate = spec.deploy_policy == "Recreate";
  const api::RollingUpdate rolling = spec.rolling_update.value_or(api::RollingUpdate{});
  int surge = Resolve(rolling.max_surge, "25%", desired, true);
  const int unavailable = Resolve(rolling.max_unavailable, "25%", desired, false);
  if (surge == 0 && unavailable == 0) surge = 1;
  api::WorkloadDeployment updated = *wd;
  auto condition = [&](const std::string& type, bool ok, const std::string& reason,
                       const std::string& message) {
    return MakeCondition(type, ok ? "True" : "False", reason, message, wd->metadata,
                         wd->status.conditions);
  };

  auto tmpl = ResolveTemplate(*wd);
  if (!tmpl) {
    updated.status.observed_generation = wd->metadata.generation.value_or(1);
    updated.status.conditions = {
        condition("Progressing", false, "ArtifactNotResolved", tmpl.error().message())};
    return PatchStatus(client_, kDeployments, *wd, updated);
  }

  const api::WorkloadTemplate wanted = Normalized(*tmpl);
  std::vector<SetPtr> old_sets;
  SetPtr current;
  for (const auto& rs : informers_.replica_sets.ByIndex(kByOwner, wd->metadata.uid)) {
    if (!rs->metadata.deletion_timestamp.empty()) continue;
    if (!current && Normalized(rs->spec.template_) == wanted) {
      current = rs;
    } else {
      old_sets.push_back(rs);
    }
  }
  int old_spec = 0, old_ready = 0, old_present = 0;
  for (const auto& rs : old_sets) {
    old_spec += SpecReplicas(*rs);
    old_ready += Ready(*rs);
    old_present += Present(*rs);
  }
  auto scaled = [&](const std::string& set, int from, int to) {
    RecordEvent(events_, *wd, "Normal", "ScalingReplicaSet",
                std::string(to > from ? "Scaled up" : "Scaled down") + " replica set " + set +
                    " from " + std::to_string(from) + " to " + std::to_string(to));
  };
  auto scale = [&](const api::WorkloadReplicaSet& rs, int replicas) -> Status {
    const int from = SpecReplicas(rs);
    if (from == replicas) return Ok();
    Json patch = {{"spec", {{"replicas", replicas}}}};
    auto r = client_.Do(
        "PATCH",
        kube::ObjectPath(kReplicaSets, ns, rs.metadata.name) + "?fieldManager=" + kFieldManager,
        &patch, "application/merge-patch+json");
    if (!r && !kube::IsNotFound(r.error())) return r.error();
    if (r) scaled(rs.metadata.name, from, replicas);
    return Ok();
  };

  if (!current) {
    // Recreate: the new set starts once the old Workloads are gone; rolling: within the surge.
    int start = recreate ? (old_present == 0 && old_spec == 0 ? desired : 0)
                         : std::clamp(desired + surge - old_spec, 0, desired);
    if (old_sets.empty()) start = desired;
    const std::string hash = TemplateHash(*tmpl);
    api::WorkloadReplicaSet rs;
    rs.metadata.name = wd->metadata.name + "-" + hash;
    rs.metadata.namespace_ = ns;
    rs.spec.template_ = *tmpl;
    if (!rs.spec.template_.metadata) rs.spec.template_.metadata.emplace();
    rs.spec.template_.metadata->labels[kHashLabel] = hash;
    rs.metadata.labels = rs.spec.template_.metadata->labels;
    rs.metadata.annotations[kHashLabel] = hash;
    rs.metadata.owner_references.push_back(
        {api::kApiVersion, "WorkloadDeployment", wd->metadata.name, wd->metadata.uid, true, true});
    rs.spec.replicas = start;
    const Json body = api::EncodeObject(rs);
    auto created = client_.Do(
        "POST", kube::CollectionPath(kReplicaSets, ns) + "?fieldManager=" + kFieldManager, &body);
    if (!created && !kube::IsAlreadyExists(created.error())) return created.error();
    if (created) {
      if (!old_sets.empty()) {
        RecordEvent(events_, *wd, "Normal", "NewReplicaSetCreated",
                    "Created new replica set " + rs.metadata.name);
      }
      if (start > 0) scaled(rs.metadata.name, 0, start);
    }
    if (recreate) {
      for (const auto& old : old_sets) WCLOUD_TRY_STATUS(scale(*old, 0));
    }
    return Ok();  // the new set's events bring us back
  }

  int new_spec = SpecReplicas(*current);
  const int new_ready = Ready(*current);
  if (recreate) {
    for (const auto& old : old_sets) WCLOUD_TRY_STATUS(scale(*old, 0));
    if (old_present == 0) WCLOUD_TRY_STATUS(scale(*current, desired));
  } else if (old_sets.empty()) {
    WCLOUD_TRY_STATUS(scale(*current, desired));
  } else {
    // Grow the new set within the surge...
    const int room = desired + surge - (new_spec + old_spec);
    if (new_spec < desired && room > 0) {
      new_spec += std::min(room, desired - new_spec);
      WCLOUD_TRY_STATUS(scale(*current, new_spec));
    }
    // ...and shrink the old ones: unready Workloads at once, ready ones while at least
    // desired - maxUnavailable stay available.
    int removable = std::max(0, new_ready + old_ready - (desired - unavailable));
    for (const auto& old : old_sets) {
      const int spec_n = SpecReplicas(*old);
      if (spec_n == 0) continue;
      const int unready = std::max(0, spec_n - Ready(*old));
      const int take = std::min(spec_n, unready + removable);
      removable -= std::max(0, take - unready);
      WCLOUD_TRY_STATUS(scale(*old, spec_n - take));
    }
  }

  // History: empty old sets beyond revisionHistoryLimit go, oldest first.
  const int limit = spec.revision_history_limit.value_or(10);
  std::vector<SetPtr> empty;
  for (const auto& rs : old_sets) {
    if (SpecReplicas(*rs) == 0 && Present(*rs) == 0) empty.push_back(rs);
  }
  std::sort(empty.begin(), empty.end(), [](const SetPtr& a, const SetPtr& b) {
    return a->metadata.creation_timestamp < b->metadata.creation_timestamp;
  });
  for (size_t i = 0; i + static_cast<size_t>(limit) < empty.size(); ++i) {
    auto deleted =
        client_.Do("DELETE", kube::ObjectPath(kReplicaSets, ns, empty[i]->metadata.name));
    if (!deleted && !kube::IsNotFound(deleted.error())) return deleted.error();
  }

  const int ready = new_ready + old_ready;
  const int updated_n = Present(*current);
  // Kubernetes' DeploymentComplete: every replica updated and available, no old ones left.
  const bool complete = old_present == 0 && updated_n == desired && new_ready >= desired;
  const bool available = ready >= desired - unavailable;
  api::Labels labels;
  if (tmpl->metadata) labels = tmpl->metadata->labels;
  auto& status = updated.status;
  status.replicas = updated_n + old_present;
  status.updated_replicas = updated_n;
  status.ready_replicas = ready;
  status.available_replicas = ready;
  status.observed_generation = wd->metadata.generation.value_or(1);
  status.selector = api::LabelSelector::FromEquals(labels).ToString();
  const std::string counts = std::to_string(ready) + "/" + std::to_string(desired);
  // Once per rollout: the Progressing condition says so from now on.
  const bool was_complete = std::any_of(
      wd->status.conditions.begin(), wd->status.conditions.end(), [&](const api::Condition& c) {
        return c.type == "Progressing" && c.reason == "NewReplicaSetAvailable" &&
               c.message.find(" " + current->metadata.name + " ") != std::string::npos;
      });
  if (complete && !was_complete) {
    RecordEvent(events_, *wd, "Normal", "NewReplicaSetAvailable",
                "WorkloadReplicaSet " + current->metadata.name + " has successfully progressed");
  }
  status.conditions = {
      condition("Available", available,
                available ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                counts + " ready"),
      condition("Progressing", true, complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                "WorkloadReplicaSet " + current->metadata.name +
                    (complete ? " has rolled out" : " is progressing")),
      condition("Ready", ready == desired && complete, ready == desired ? "AllReady" : "NotReady",
                counts + " workloads ready")};
  return PatchStatus(client_, kDeployments, *wd, updated);
}

}  // namespace wcloud::operator_
