#include "operator/operator.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "api/label_selector.h"
#include "operator/object_types.h"
#include "util/random.h"
#include "util/timestamp.h"

namespace wcloud::operator_ {
namespace {

std::string Meta(const Json& o, const char* field) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) return "";
  return o["metadata"].value(field, "");
}

std::string ConditionStatus(const Json& o, const std::string& type) {
  if (!o.contains("status") || !o["status"].is_object()) return "";
  for (const auto& c : o["status"].value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c.value("status", "");
  }
  return "";
}

api::Labels LabelsOf(const Json& o, const char* where = "labels") {
  api::Labels labels;
  if (o.contains("metadata") && o["metadata"].contains(where) && o["metadata"][where].is_object()) {
    for (auto it = o["metadata"][where].begin(); it != o["metadata"][where].end(); ++it) {
      if (it.value().is_string()) labels[it.key()] = it.value().get<std::string>();
    }
  }
  return labels;
}

std::vector<std::string> OwnerUids(const Json& o) {
  std::vector<std::string> uids;
  if (o.contains("metadata") && o["metadata"].contains("ownerReferences")) {
    for (const auto& ref : o["metadata"]["ownerReferences"]) uids.push_back(ref.value("uid", ""));
  }
  return uids;
}

// The owning WorkloadReplicaSet's key, from the controller owner reference.
std::string OwnerKey(const Json& o) {
  if (!o.contains("metadata") || !o["metadata"].contains("ownerReferences")) return "";
  for (const auto& ref : o["metadata"]["ownerReferences"]) {
    if (ref.value("kind", "") == "WorkloadReplicaSet" && ref.value("controller", false)) {
      return Meta(o, "namespace") + "/" + ref.value("name", "");
    }
  }
  return "";
}

std::string HostIdOf(const Json& workload) {
  if (!workload.contains("status") || !workload["status"].is_object()) return "";
  return workload["status"].value("hostId", "");
}

}  // namespace

Operator::Operator(kube::Client& client, std::string ns)
    : Operator(client, std::move(ns), Options{}) {}

Operator::Operator(kube::Client& client, std::string ns, Options options)
    : client_(client),
      namespace_(std::move(ns)),
      options_(options),
      artifacts_(std::make_unique<kube::RestListWatch>(client, kArtifacts, namespace_)),
      deployments_(std::make_unique<kube::RestListWatch>(client, kDeployments, namespace_)),
      replica_sets_(std::make_unique<kube::RestListWatch>(client, kReplicaSets, namespace_)),
      workloads_(std::make_unique<kube::RestListWatch>(client, kWorkloads, namespace_)),
      hosts_(std::make_unique<kube::RestListWatch>(client, kHosts, "")),
      artifact_controller_("artifact-controller",
                           [this](const std::string& key) { return ReconcileArtifact(key); }),
      deployment_controller_("workloaddeployment-controller",
                             [this](const std::string& key) { return ReconcileDeployment(key); }),
      replica_set_controller_("workloadreplicaset-controller",
                              [this](const std::string& key) { return ReconcileReplicaSet(key); }),
      scheduler_("workload-scheduler",
                 [this](const std::string& key) { return ScheduleWorkload(key); }) {
  workloads_.AddIndex("owner", [](const Json& o) { return OwnerUids(o); });
  workloads_.AddIndex("host", [](const Json& o) -> std::vector<std::string> {
    std::string host = HostIdOf(o);
    return host.empty() ? std::vector<std::string>{} : std::vector<std::string>{host};
  });

  replica_sets_.AddIndex("owner", [](const Json& o) { return OwnerUids(o); });
  // An Artifact's new revision rolls out every deployment that takes a component from it.
  auto on_artifact = [this](const kube::ObjectPtr& o) {
    artifact_controller_.Enqueue(kube::ObjectKey(*o));
    std::string ns = Meta(*o, "namespace"), name = Meta(*o, "name");
    for (const auto& wd : deployments_.List()) {
      if (Meta(*wd, "namespace") != ns) continue;
      for (const auto& ref : (*wd)["spec"].value("artifacts", Json::array())) {
        if (ref.value("artifactFrom", Json::object()).value("name", "") == name) {
          deployment_controller_.Enqueue(kube::ObjectKey(*wd));
        }
      }
    }
  };
  artifacts_.AddEventHandler(
      {on_artifact, [=](const kube::ObjectPtr&, const kube::ObjectPtr& n) { on_artifact(n); },
       nullptr});
  auto enqueue_wd = [this](const kube::ObjectPtr& o) {
    deployment_controller_.Enqueue(kube::ObjectKey(*o));
  };
  deployments_.AddEventHandler(
      {enqueue_wd, [=](const kube::ObjectPtr&, const kube::ObjectPtr& n) { enqueue_wd(n); },
       nullptr});
  // A set changing (its replicas, its readiness) moves its deployment's rollout on.
  auto owner_wd = [this](const kube::ObjectPtr& o) {
    for (const auto& ref : (*o)["metadata"].value("ownerReferences", Json::array())) {
      if (ref.value("kind", "") == "WorkloadDeployment") {
        deployment_controller_.Enqueue(Meta(*o, "namespace") + "/" + ref.value("name", ""));
      }
    }
  };
  auto enqueue_rs = [this, owner_wd](const kube::ObjectPtr& o) {
    replica_set_controller_.Enqueue(kube::ObjectKey(*o));
    owner_wd(o);
  };
  replica_sets_.AddEventHandler(
      {enqueue_rs, [=](const kube::ObjectPtr&, const kube::ObjectPtr& n) { enqueue_rs(n); },
       owner_wd});
  auto on_workload = [this](const kube::ObjectPtr& o) {
    if (std::string owner = OwnerKey(*o); !owner.empty()) replica_set_controller_.Enqueue(owner);
    scheduler_.Enqueue(kube::ObjectKey(*o));
  };
  auto on_workload_added = [this, on_workload](const kube::ObjectPtr& o) {
    {
      std::lock_guard lock(expectations_mu_);
      for (const auto& uid : OwnerUids(*o)) {
        auto it = expectations_.find(uid);
        if (it != expectations_.end() && --it->second.pending <= 0) expectations_.erase(it);
      }
    }
    on_workload(o);
  };
  workloads_.AddEventHandler(
      {on_workload_added, [=](const kube::ObjectPtr&, const kube::ObjectPtr& n) { on_workload(n); },
       [this](const kube::ObjectPtr& o) {
         if (std::string owner = OwnerKey(*o); !owner.empty())
           replica_set_controller_.Enqueue(owner);
       }});
  // A host appearing or becoming Ready may be where waiting Workloads can go.
  auto on_host = [this](const kube::ObjectPtr& n) {
    // Unplaced Workloads may fit now; those of a host that stopped being Ready move.
    const std::string changed = (*n)["spec"].value("hostId", "");
    const bool lost = ConditionStatus(*n, "Ready") != "True";
    for (const auto& w : workloads_.List()) {
      const std::string placed = HostIdOf(*w);
      if (placed.empty() || (lost && placed == changed)) scheduler_.Enqueue(kube::ObjectKey(*w));
    }
  };
  hosts_.AddEventHandler(
      {on_host, [=](const kube::ObjectPtr&, const kube::ObjectPtr& n) { on_host(n); }, nullptr});
}

Operator::~Operator() { Stop(); }

void Operator::Start() {
  if (started_) return;
  started_ = true;
  hosts_.Start();
  workloads_.Start();
  replica_sets_.Start();
  deployments_.Start();
  artifacts_.Start();
  artifact_controller_.Start();
  deployment_controller_.Start();
  replica_set_controller_.Start();
  scheduler_.Start();
}

void Operator::Stop() {
  if (!started_) return;
  started_ = false;
  for (kube::Informer* i : {&artifacts_, &deployments_, &replica_sets_, &workloads_, &hosts_}) {
    i->RequestStop();
  }
  artifacts_.Stop();
  deployments_.Stop();
  replica_sets_.Stop();
  workloads_.Stop();
  hosts_.Stop();
  artifact_controller_.Stop();
  deployment_controller_.Stop();
  replica_set_controller_.Stop();
  scheduler_.Stop();
}

bool Operator::WaitForSync(std::chrono::milliseconds timeout) {
  return hosts_.WaitForSync(timeout) && workloads_.WaitForSync(timeout) &&
         replica_sets_.WaitForSync(timeout) && deployments_.WaitForSync(timeout) &&
         artifacts_.WaitForSync(timeout);
}

Status Operator::PatchStatus(const kube::ResourceType& type, const Json& object,
                             const Json& status) {
  if (object.contains("status") &&
      nlohmann::json::parse(object["status"].dump()) == nlohmann::json::parse(status.dump())) {
    return Ok();
  }
  Json patch = {{"status", status}};
  auto r =
      client_.Do("PATCH",
                 kube::ObjectPath(type, Meta(object, "namespace"), Meta(object, "name"), "status") +
                     "?fieldManager=" + kFieldManager,
                 &patch, "application/merge-patch+json");
  if (!r && kube::IsNotFound(r.error())) return Ok();  // deleted meanwhile
  if (!r) return r.error();
  return Ok();
}

Status Operator::ReconcileReplicaSet(const std::string& key) {
  kube::ObjectPtr rs = replica_sets_.Get(key);
  if (!rs || !Meta(*rs, "deletionTimestamp").empty()) return Ok();
  const Json& spec = (*rs)["spec"];
  int desired = spec.value("replicas", 1);
  std::string uid = Meta(*rs, "uid");
  std::string ns = Meta(*rs, "namespace");
  std::vector<kube::ObjectPtr> owned;
  for (const auto& w : workloads_.ByIndex("owner", uid)) {
    if (Meta(*w, "deletionTimestamp").empty()) owned.push_back(w);
  }
  int have = static_cast<int>(owned.size());
  {
    std::lock_guard lock(expectations_mu_);
    auto it = expectations_.find(uid);
    if (it != expectations_.end()) {
      if (std::chrono::steady_clock::now() < it->second.deadline) return Ok();
      expectations_.erase(it);  // never arrived: count again
    }
  }

  if (have < desired) {
    const Json& tmpl = spec["template"];
    Json metadata = {
        {"namespace", ns},
        {"generateName", Meta(*rs, "name") + "-"},
        {"ownerReferences", Json::array({{{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                                          {"kind", "WorkloadReplicaSet"},
                                          {"name", Meta(*rs, "name")},
                                          {"uid", uid},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}})}};
    if (tmpl.contains("metadata")) {
      for (const char* f : {"labels", "annotations"}) {
        if (tmpl["metadata"].contains(f)) metadata[f] = tmpl["metadata"][f];
      }
    }
    Json workload = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                     {"kind", "Workload"},
                     {"metadata", metadata},
                     {"spec", tmpl["spec"]}};
    for (int i = have; i < desired; ++i) {
      auto created = client_.Do(
          "POST", kube::CollectionPath(kWorkloads, ns) + "?fieldManager=" + kFieldManager,
          &workload);
      if (!created) {
        std::lock_guard lock(expectations_mu_);
        expectations_.erase(uid);
        return created.error();
      }
    }
    // The cache sees the new Workloads shortly; their events reconcile this set again.
    return Ok();
  }
  if (have > desired) {
    // Remove what serves nobody first: unscheduled, then not Ready, then the newest.
    std::sort(owned.begin(), owned.end(), [](const kube::ObjectPtr& a, const kube::ObjectPtr& b) {
      auto rank = [](const Json& w) {
        if (HostIdOf(w).empty()) return 0;
        return ConditionStatus(w, "Ready") == "True" ? 2 : 1;
      };
      if (rank(*a) != rank(*b)) return rank(*a) < rank(*b);
      return Meta(*a, "creationTimestamp") > Meta(*b, "creationTimestamp");
    });
    for (int i = 0; i < have - desired; ++i) {
      auto deleted = client_.Do(
          "DELETE", kube::ObjectPath(kWorkloads, ns, Meta(*owned[static_cast<size_t>(i)], "name")));
      if (!deleted && !kube::IsNotFound(deleted.error())) return deleted.error();
    }
    return Ok();
  }

  int ready = 0;
  for (const auto& w : owned) ready += ConditionStatus(*w, "Ready") == "True";
  api::Labels template_labels;
  if (spec["template"].contains("metadata")) {
    template_labels = LabelsOf(Json({{"metadata", spec["template"]["metadata"]}}));
  }
  Json status = {
      {"replicas", have},
      {"readyReplicas", ready},
      {"availableReplicas", ready},
      {"observedGeneration", (*rs)["metadata"].value("generation", 1)},
      {"selector", api::LabelSelector::FromEquals(template_labels).ToString()},
      {"conditions",
       Json::array({MakeCondition(
           "Ready", ready == desired ? "True" : "False",
           ready == desired ? "AllReplicasReady" : "ReplicasNotReady",
           std::to_string(ready) + "/" + std::to_string(desired) + " workloads ready", *rs)})}};
  return PatchStatus(kReplicaSets, *rs, status);
}

// The ConfigMaps and Secrets a Workload's components take configuration from; the first missing
// one, as "ConfigMap my-configmap" (values are never read here, so never shown).
Result<std::string> Operator::MissingConfig(const Json& workload) {
  std::string ns = Meta(workload, "namespace");
  std::vector<Json> resources;
  for (const auto& c : workload["spec"].value("components", Json::array())) {
    resources.push_back(c.value("localResources", Json::object()));
  }
  if (workload["spec"].contains("service")) {
    resources.push_back(workload["spec"]["service"].value("localResources", Json::object()));
  }
  for (const auto& lr : resources) {
    Json env = lr.value("environment", Json::object());
    for (const auto& [field, kind, plural] : {std::tuple{"configFrom", "ConfigMap", "configmaps"},
                                              std::tuple{"secretFrom", "Secret", "secrets"}}) {
      for (const auto& ref : env.value(field, Json::array())) {
        std::string name = ref.value("name", "");
        auto got = client_.Get("/api/v1/namespaces/" + ns + "/" + plural + "/" + name);
        if (!got && kube::IsNotFound(got.error())) return std::string(kind) + " " + name;
        if (!got) return got.error();
      }
    }
  }
  return std::string();
}

Status Operator::ScheduleWorkload(const std::string& key) {
  kube::ObjectPtr w = workloads_.Get(key);
  if (!w || !Meta(*w, "deletionTimestamp").empty()) return Ok();
  if (const std::string placed = HostIdOf(*w); !placed.empty()) {
    // Stays unless its host is known and not Ready (gone silent past the heartbeat TTL): then
    // it is placed again, on another Ready host when one matches. A pinned one stays put.
    bool lost = false;
    for (const auto& h : hosts_.List()) {
      if ((*h)["spec"].value("hostId", "") == placed) {
        lost = ConditionStatus(*h, "Ready") != "True";
      }
    }
    if (!lost || !(*w)["spec"].value("hostId", "").empty()) return Ok();
  }
  WCLOUD_ASSIGN_OR_RETURN(std::string missing, MissingConfig(*w));
  if (!missing.empty()) {
    Json status = (*w).value("status", Json::object());
    status["phase"] = "Pending";
    status["conditions"] = Json::array(
        {MakeCondition("ConfigResolved", "False", "ConfigNotFound", missing + " not found", *w)});
    WCLOUD_TRY_STATUS(PatchStatus(kWorkloads, *w, status));
    // ConfigMaps and Secrets are not watched: look again shortly.
    scheduler_.EnqueueAfter(key, std::chrono::seconds(2));
    return Ok();
  }
  const Json& spec = (*w)["spec"];
  std::string pinned = spec.value("hostId", "");
  api::Labels selector;
  if (spec.contains("hostSelector") && spec["hostSelector"].is_object()) {
    for (auto it = spec["hostSelector"].begin(); it != spec["hostSelector"].end(); ++it) {
      if (it.value().is_string()) selector[it.key()] = it.value().get<std::string>();
    }
  }
  auto match = api::LabelSelector::FromEquals(selector);
  // Assumed placements the cache now shows (or that went away) no longer need counting.
  std::erase_if(assumed_, [this](const auto& entry) {
    kube::ObjectPtr seen = workloads_.Get(entry.first);
    return !seen || !HostIdOf(*seen).empty();
  });
  kube::ObjectPtr best;
  size_t best_load = 0;
  for (const auto& h : hosts_.List()) {
    if (ConditionStatus(*h, "Ready") != "True") continue;
    std::string host_id = (*h)["spec"].value("hostId", "");
    if (!pinned.empty() && host_id != pinned) continue;
    if (!match.Matches(LabelsOf(*h))) continue;
    // Cached and assumed placements by key: one the cache has just caught up with counts once.
    std::set<std::string> placed;
    for (const auto& o : workloads_.ByIndex("host", host_id)) placed.insert(kube::ObjectKey(*o));
    for (const auto& [workload, assumed_host] : assumed_) {
      if (assumed_host == host_id) placed.insert(workload);
    }
    size_t load = placed.size();
    if (!best || load < best_load) {
      best = h;
      best_load = load;
    }
  }
  if (!best) {
    std::string why = pinned.empty() ? "no Ready host matches hostSelector " + match.ToString()
                                     : "host " + pinned + " is not Ready";
    Json status = (*w).value("status", Json::object());
    status["phase"] = "Pending";
    status["conditions"] =
        Json::array({MakeCondition("Scheduled", "False", "NoMatchingHost", why, *w)});
    return PatchStatus(kWorkloads, *w, status);
  }
  std::string host_id = (*best)["spec"]["hostId"];
  Json status = {
      {"hostId", host_id},
      {"phase", "Scheduled"},
      {"observedGeneration", (*w)["metadata"].value("generation", 1)},
      {"conditions",
       Json::array({MakeCondition("Scheduled", "True", "HostSelected",
                                  "placed on host " + Meta(*best, "name"), *w),
                    MakeCondition("Ready", "Unknown", "WaitingForHost",
                                  "waiting for the host to start the components", *w)})}};
  WCLOUD_TRY_STATUS(PatchStatus(kWorkloads, *w, status));
  assumed_[key] = host_id;
  return Ok();
}

}  // namespace wcloud::operator_
