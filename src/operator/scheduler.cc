#include "operator/scheduler.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "api/label_selector.h"
#include "operator/object_types.h"

namespace wcloud::operator_ {
namespace {

bool Ready(const api::Host& h) { return ConditionStatus(h.status.conditions, "Ready") == "True"; }

// The first of the Workload's host interfaces ("wasi:keyvalue/store") that `h` does not offer,
// or "". A host that advertises nothing is not judged (it may predate advertising).
std::string Lacks(const api::Host& h, const api::Workload& w) {
  if (h.status.interfaces.empty()) return "";
  std::set<std::string> offered;
  for (const std::string& i : h.status.interfaces) offered.insert(i.substr(0, i.find('@')));
  for (const api::HostInterface& hi : w.spec.host_interfaces) {
    for (const std::string& iface : hi.interfaces) {
      const std::string name = hi.namespace_ + ":" + hi.package + "/" + iface;
      if (!offered.count(name)) return name;
    }
  }
  return "";
}

}  // namespace

Scheduler::Scheduler(kube::Client& client, Informers& informers, ControllerMetrics* metrics,
                     kube::EventRecorder* events)
    : client_(client),
      informers_(informers),
      events_(events),
      loop_(
          "workload-scheduler", [this](const std::string& key) { return Reconcile(key); },
          metrics) {
  using WPtr = kube::TypedInformer<api::Workload>::Ptr;
  using HPtr = kube::TypedInformer<api::Host>::Ptr;
  auto enqueue = [this](const WPtr& w) { loop_.Enqueue(kube::KeyOf(w->metadata)); };
  informers_.workloads.AddEventHandler(
      {enqueue, [=](const WPtr&, const WPtr& w) { enqueue(w); }, nullptr});
  // A host appearing or becoming Ready may be where waiting Workloads can go; those of a host
  // that stopped being Ready move.
  auto on_host = [this](const HPtr& h) {
    const bool lost = !Ready(*h);
    for (const auto& w : informers_.workloads.List()) {
      const std::string& placed = w->status.host_id;
      if (placed.empty() || (lost && placed == h->spec.host_id)) {
        loop_.Enqueue(kube::KeyOf(w->metadata));
      }
    }
  };
  informers_.hosts.AddEventHandler(
      {on_host, [=](const HPtr&, const HPtr& h) { on_host(h); }, nullptr});
}

bool Scheduler::HostLost(const std::string& host_id) const {
  for (const auto& h : informers_.hosts.List()) {
    if (h->spec.host_id == host_id) return !Ready(*h);
  }
  return false;  // unknown hosts are not judged
}

// The ConfigMaps and Secrets a Workload's components take configuration from; the first missing
// one, as "ConfigMap my-configmap" (values are never read here, so never shown).
Result<std::string> Scheduler::MissingConfig(const api::Workload& workload) {
  std::vector<const api::LocalResources*> resources;
  for (const auto& c : workload.spec.components) {
    if (c.local_resources) resources.push_back(&*c.local_resources);
  }
  if (workload.spec.service && workload.spec.service->local_resources) {
    resources.push_back(&*workload.spec.service->local_resources);
  }
  for (const api::LocalResources* lr : resources) {
    if (!lr->environment) continue;
    for (const auto& [refs, kind, plural] :
         {std::tuple{&lr->environment->config_from, "ConfigMap", "configmaps"},
          std::tuple{&lr->environment->secret_from, "Secret", "secrets"}}) {
      for (const auto& ref : *refs) {
        auto got = client_.Get("/api/v1/namespaces/" + workload.metadata.namespace_ + "/" + plural +
                               "/" + ref.name);
        if (!got && kube::IsNotFound(got.error())) return std::string(kind) + " " + ref.name;
        if (!got) return got.error();
      }
    }
  }
  return std::string();
}

Status Scheduler::Reconcile(const std::string& key) {
  auto w = informers_.workloads.Get(key);
  if (!w || !w->metadata.deletion_timestamp.empty()) return Ok();
  const std::string& pinned = w->spec.host_id;
  if (const std::string& placed = w->status.host_id; !placed.empty()) {
    // Stays unless its host is known and not Ready (gone silent past the heartbeat TTL): then
    // it is placed again, on another Ready host when one matches. A pinned one stays put.
    if (!HostLost(placed) || !pinned.empty()) return Ok();
  }
  api::Workload updated = *w;
  WCLOUD_ASSIGN_OR_RETURN(std::string missing, MissingConfig(*w));
  if (!missing.empty()) {
    updated.status.phase = "Pending";
    updated.status.conditions = {MakeCondition("ConfigResolved", "False", "ConfigNotFound",
                                               missing + " not found", w->metadata,
                                               w->status.conditions)};
    WCLOUD_TRY_STATUS(PatchStatus(client_, kWorkloads, *w, updated));
    // ConfigMaps and Secrets are not watched: look again shortly.
    loop_.EnqueueAfter(key, std::chrono::seconds(2));
    return Ok();
  }
  auto match = api::LabelSelector::FromEquals(w->spec.host_selector);
  // Assumed placements the cache now shows (or that went away) no longer need counting.
  std::erase_if(assumed_, [this](const auto& entry) {
    auto seen = informers_.workloads.Get(entry.first);
    return !seen || !seen->status.host_id.empty();
  });
  kube::TypedInformer<api::Host>::Ptr best;
  size_t best_load = 0;
  std::string lacking;  // what the last matching host without it lacked
  int lacking_hosts = 0;
  for (const auto& h : informers_.hosts.List()) {
    if (!Ready(*h)) continue;
    const std::string& host_id = h->spec.host_id;
    if (!pinned.empty() && host_id != pinned) continue;
    if (!match.Matches(h->metadata.labels)) continue;
    if (std::string lacks = Lacks(*h, *w); !lacks.empty()) {
      lacking = std::move(lacks);
      ++lacking_hosts;
      continue;
    }
    // Cached and assumed placements by key: one the cache has just caught up with counts once.
    std::set<std::string> placed;
    for (const auto& o : informers_.workloads.ByIndex(kByHost, host_id)) {
      placed.insert(kube::KeyOf(o->metadata));
    }
    for (const auto& [workload, assumed_host] : assumed_) {
      if (assumed_host == host_id) placed.insert(workload);
    }
    if (!best || placed.size() < best_load) {
      best = h;
      best_load = placed.size();
    }
  }
  if (!best) {
    std::string why = pinned.empty() ? "no Ready host matches hostSelector " + match.ToString()
                                     : "host " + pinned + " is not Ready";
    if (lacking_hosts > 0) {
      why = pinned.empty() ? "no Ready host matching hostSelector " + match.ToString() +
                                 " offers every host interface: " + std::to_string(lacking_hosts) +
                                 " lack " + lacking
                           : "host " + pinned + " does not offer " + lacking;
    }
    updated.status.phase = "Pending";
    const char* reason = lacking_hosts > 0 ? "NoHostOffersInterfaces" : "NoMatchingHost";
    updated.status.conditions = {
        MakeCondition("Scheduled", "False", reason, why, w->metadata, w->status.conditions)};
    WCLOUD_TRY_STATUS(PatchStatus(client_, kWorkloads, *w, updated));
    // Host changes retry this often: a new event only when why changed.
    const bool told = std::any_of(w->status.conditions.begin(), w->status.conditions.end(),
                                  [&](const api::Condition& c) {
                                    return c.type == "Scheduled" && c.status == "False" &&
                                           c.reason == reason && c.message == why;
                                  });
    if (!told) {
      RecordEvent(
          events_, *w, "Warning", "FailedScheduling",
          "0/" + std::to_string(informers_.hosts.List().size()) + " hosts are available: " + why);
    }
    return Ok();
  }
  updated.status.host_id = best->spec.host_id;
  updated.status.phase = "Scheduled";
  updated.status.observed_generation = w->metadata.generation.value_or(1);
  updated.status.conditions = {
      MakeCondition("Scheduled", "True", "HostSelected", "placed on host " + best->metadata.name,
                    w->metadata, w->status.conditions),
      MakeCondition("Ready", "Unknown", "WaitingForHost",
                    "waiting for the host to start the components", w->metadata,
                    w->status.conditions)};
  WCLOUD_TRY_STATUS(PatchStatus(client_, kWorkloads, *w, updated));
  assumed_[key] = best->spec.host_id;
  RecordEvent(events_, *w, "Normal", "Scheduled",
              "Successfully assigned " + key + " to " + best->metadata.name);
  return Ok();
}

}  // namespace wcloud::operator_
