// WorkloadDeployment → WorkloadReplicaSets: one set per resolved template (named by its hash),
// rolled out by policy: RollingUpdate within maxSurge/maxUnavailable, or Recreate (old sets to
// zero and gone before the new one grows); old sets kept at zero up to revisionHistoryLimit.
#include <algorithm>
#include <cmath>

#include "api/label_selector.h"
#include "operator/object_types.h"
#include "operator/operator.h"
#include "util/sha256.h"
#include "util/timestamp.h"

namespace wcloud::operator_ {
namespace {

constexpr char kHashLabel[] = "runtime.wasmcloud.dev/template-hash";
constexpr std::string_view kArtifactScheme = "artifact://";

std::string Name(const Json& o) { return o["metadata"].value("name", ""); }

int Replicas(const Json& rs, const char* where = "spec") {
  if (!rs.contains(where) || !rs[where].is_object()) return 0;
  return rs[where].value("replicas", 0);
}
int Ready(const Json& rs) {
  if (!rs.contains("status") || !rs["status"].is_object()) return 0;
  return rs["status"].value("readyReplicas", 0);
}

// maxSurge/maxUnavailable: an int, or a percent of `desired` (surge rounds up, unavailable down).
int Resolve(const Json& v, int desired, bool round_up, int fallback) {
  if (v.is_number_integer()) return v.get<int>();
  if (!v.is_string()) return fallback;
  std::string s = v.get<std::string>();
  if (s.empty() || s.back() != '%') return fallback;
  double pct = std::stod(s.substr(0, s.size() - 1)) * desired / 100.0;
  return static_cast<int>(round_up ? std::ceil(pct) : std::floor(pct));
}

Json Condition(const std::string& type, bool ok, const std::string& reason,
               const std::string& message, const Json& object) {
  return MakeCondition(type, ok ? "True" : "False", reason, message, object);
}

}  // namespace

// The template with each artifacts[] component's image replaced by its Artifact's current
// revision; an error (to wait on) when an artifact:// image has nothing to resolve to yet.
Result<Json> Operator::ResolveTemplate(const Json& wd) {
  Json tmpl = wd["spec"]["template"];
  std::string ns = wd["metadata"].value("namespace", "");
  for (const auto& ref : wd["spec"].value("artifacts", Json::array())) {
    std::string component = ref.value("name", "");
    std::string artifact = ref.value("artifactFrom", Json::object()).value("name", "");
    std::string resolved;
    Json pull_secret;
    auto got = client_.Get(kube::ObjectPath(kArtifacts, ns, artifact));
    if (got && got->contains("status")) resolved = (*got)["status"].value("artifactURL", "");
    if (got && got->contains("spec")) pull_secret = (*got)["spec"].value("imagePullSecret", Json());
    for (auto& c : tmpl["spec"]["components"]) {
      if (c.value("name", "") != component) continue;
      if (resolved.empty()) continue;
      c["image"] = resolved;
      // The host pulls the resolved image from the same private registry the Artifact did.
      if (!c.contains("imagePullSecret") && pull_secret.is_object()) {
        c["imagePullSecret"] = pull_secret;
      }
    }
  }
  for (const auto& c : tmpl["spec"].value("components", Json::array())) {
    std::string image = c.value("image", "");
    if (image.rfind(kArtifactScheme, 0) == 0) {
      return Error("artifact " + image.substr(kArtifactScheme.size()) + " has no revision yet");
    }
  }
  return tmpl;
}

Status Operator::ReconcileDeployment(const std::string& key) {
  kube::ObjectPtr wd_ptr = deployments_.Get(key);
  if (!wd_ptr || (*wd_ptr)["metadata"].contains("deletionTimestamp")) return Ok();
  const Json& wd = *wd_ptr;
  const Json& spec = wd["spec"];
  std::string ns = wd["metadata"].value("namespace", "");
  std::string uid = wd["metadata"].value("uid", "");
  int desired = spec.value("replicas", 1);
  bool recreate = spec.value("deployPolicy", "RollingUpdate") == "Recreate";
  Json rolling = spec.value("rollingUpdate", Json::object());
  int surge = Resolve(rolling.value("maxSurge", Json("25%")), desired, true, 1);
  int unavailable = Resolve(rolling.value("maxUnavailable", Json("25%")), desired, false, 0);
  if (surge == 0 && unavailable == 0) surge = 1;

  auto tmpl = ResolveTemplate(wd);
  if (!tmpl) {
    Json status = wd.value("status", Json::object());
    status["observedGeneration"] = wd["metadata"].value("generation", 1);
    status["conditions"] = Json::array(
        {Condition("Progressing", false, "ArtifactNotResolved", tmpl.error().message(), wd)});
    return PatchStatus(kDeployments, wd, status);
  }
  std::string hash = Sha256Hex(tmpl->dump()).substr(0, 10);
  (*tmpl)["metadata"]["labels"][kHashLabel] = hash;

  std::vector<Json> old_sets;
  std::optional<Json> current;
  for (const auto& rs : replica_sets_.ByIndex("owner", uid)) {
    if ((*rs)["metadata"].contains("deletionTimestamp")) continue;
    auto labels = (*rs)["metadata"].value("labels", Json::object());
    if (labels.value(kHashLabel, "") == hash) {
      current = *rs;
    } else {
      old_sets.push_back(*rs);
    }
  }
  int old_spec = 0, old_ready = 0, old_present = 0;
  for (const auto& rs : old_sets) {
    old_spec += Replicas(rs);
    old_ready += Ready(rs);
    old_present += Replicas(rs, "status");
  }
  auto scale = [&](const Json& rs, int replicas) -> Status {
    if (Replicas(rs) == replicas) return Ok();
    Json patch = {{"spec", {{"replicas", replicas}}}};
    auto r = client_.Do(
        "PATCH", kube::ObjectPath(kReplicaSets, ns, Name(rs)) + "?fieldManager=" + kFieldManager,
        &patch, "application/merge-patch+json");
    if (!r && !kube::IsNotFound(r.error())) return r.error();
    return Ok();
  };

  if (!current) {
    // Recreate: the new set starts once the old Workloads are gone; rolling: within the surge.
    int start = recreate ? (old_present == 0 && old_spec == 0 ? desired : 0)
                         : std::clamp(desired + surge - old_spec, 0, desired);
    if (old_sets.empty()) start = desired;
    Json rs = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
               {"kind", "WorkloadReplicaSet"},
               {"metadata",
                {{"name", Name(wd) + "-" + hash},
                 {"namespace", ns},
                 {"labels", (*tmpl)["metadata"]["labels"]},
                 {"annotations", {{kHashLabel, hash}}},
                 {"ownerReferences", Json::array({{{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                                                   {"kind", "WorkloadDeployment"},
                                                   {"name", Name(wd)},
                                                   {"uid", uid},
                                                   {"controller", true},
                                                   {"blockOwnerDeletion", true}}})}}},
               {"spec", {{"replicas", start}, {"template", *tmpl}}}};
    auto created = client_.Do(
        "POST", kube::CollectionPath(kReplicaSets, ns) + "?fieldManager=" + kFieldManager, &rs);
    if (!created && !kube::IsAlreadyExists(created.error())) return created.error();
    if (recreate) {
      for (const auto& old : old_sets) WCLOUD_TRY_STATUS(scale(old, 0));
    }
    return Ok();  // the new set's events bring us back
  }

  int new_spec = Replicas(*current);
  int new_ready = Ready(*current);
  if (recreate) {
    for (const auto& old : old_sets) WCLOUD_TRY_STATUS(scale(old, 0));
    if (old_present == 0) WCLOUD_TRY_STATUS(scale(*current, desired));
  } else if (old_sets.empty()) {
    WCLOUD_TRY_STATUS(scale(*current, desired));
  } else {
    // Grow the new set within the surge...
    int room = desired + surge - (new_spec + old_spec);
    if (new_spec < desired && room > 0) {
      new_spec += std::min(room, desired - new_spec);
      WCLOUD_TRY_STATUS(scale(*current, new_spec));
    }
    // ...and shrink the old ones: unready Workloads at once, ready ones while at least
    // desired - maxUnavailable stay available.
    int removable = std::max(0, new_ready + old_ready - (desired - unavailable));
    for (const auto& old : old_sets) {
      int spec_n = Replicas(old);
      if (spec_n == 0) continue;
      int unready = std::max(0, spec_n - Ready(old));
      int take = std::min(spec_n, unready + removable);
      removable -= std::max(0, take - unready);
      WCLOUD_TRY_STATUS(scale(old, spec_n - take));
    }
  }

  // History: empty old sets beyond revisionHistoryLimit go, oldest first.
  int limit = spec.value("revisionHistoryLimit", 10);
  std::vector<Json> empty;
  for (const auto& rs : old_sets) {
    if (Replicas(rs) == 0 && Replicas(rs, "status") == 0) empty.push_back(rs);
  }
  std::sort(empty.begin(), empty.end(), [](const Json& a, const Json& b) {
    return a["metadata"].value("creationTimestamp", "") <
           b["metadata"].value("creationTimestamp", "");
  });
  for (size_t i = 0; i + static_cast<size_t>(limit) < empty.size(); ++i) {
    (void)client_.Do("DELETE", kube::ObjectPath(kReplicaSets, ns, Name(empty[i])));
  }

  int total = Replicas(*current, "status") + old_present;
  int ready = new_ready + old_ready;
  int updated = Replicas(*current, "status");
  bool complete = old_present == 0 && updated == desired;
  api::Labels labels;
  for (auto it = (*tmpl)["metadata"]["labels"].begin(); it != (*tmpl)["metadata"]["labels"].end();
       ++it) {
    if (it.key() != kHashLabel) labels[it.key()] = it.value().get<std::string>();
  }
  Json status = {
      {"replicas", total},
      {"updatedReplicas", updated},
      {"readyReplicas", ready},
      {"availableReplicas", ready},
      {"observedGeneration", wd["metadata"].value("generation", 1)},
      {"selector", api::LabelSelector::FromEquals(labels).ToString()},
      {"conditions",
       Json::array(
           {Condition("Available", ready >= desired - unavailable,
                      ready >= desired - unavailable ? "MinimumReplicasAvailable"
                                                     : "MinimumReplicasUnavailable",
                      std::to_string(ready) + "/" + std::to_string(desired) + " ready", wd),
            Condition("Progressing", true,
                      complete ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                      "WorkloadReplicaSet " + Name(*current) +
                          (complete ? " has rolled out" : " is progressing"),
                      wd),
            Condition(
                "Ready", ready == desired && complete, ready == desired ? "AllReady" : "NotReady",
                std::to_string(ready) + "/" + std::to_string(desired) + " workloads ready", wd)})}};
  return PatchStatus(kDeployments, wd, status);
}

}  // namespace wcloud::operator_
