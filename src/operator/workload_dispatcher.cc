#include "operator/workload_dispatcher.h"

#include <algorithm>
#include <iostream>

#include "api/codec.h"
#include "hostapi/sealing.h"
#include "operator/guest_failures.h"
#include "operator/object_types.h"
#include "operator/service_condition.h"

namespace wcloud::operator_ {
namespace {

using hostapi::WorkloadState;

bool HasFinalizer(const api::Workload& w) {
  const auto& f = w.metadata.finalizers;
  return std::find(f.begin(), f.end(), WorkloadDispatcher::kFinalizer) != f.end();
}

constexpr char kSweepPrefix[] = "host:";
// How long a started workload ID is left alone by sweeps: the cache shows it well before.
constexpr auto kRecentStart = std::chrono::seconds(30);
constexpr std::chrono::milliseconds kServicePoll{2000};

bool HostReady(const api::Host& h) {
  return ConditionStatus(h.status.conditions, "Ready") == "True";
}

}  // namespace

WorkloadDispatcher::WorkloadDispatcher(kube::Client& client, Informers& informers,
                                       hostapi::HostClient& hosts, Options options,
                                       ControllerMetrics* metrics)
    : client_(client),
      informers_(informers),
      hosts_(hosts),
      options_(options),
      events_(client, "wcloud-operator", "workload-dispatcher"),
      loop_(
          "workload-dispatcher", [this](const std::string& key) { return Reconcile(key); }, metrics,
          options.workers) {
  using WPtr = kube::TypedInformer<api::Workload>::Ptr;
  auto enqueue = [this](const WPtr& w) { loop_.Enqueue(kube::KeyOf(w->metadata)); };
  informers_.workloads.AddEventHandler(
      {enqueue, [=](const WPtr&, const WPtr& w) { enqueue(w); }, enqueue});
}

std::optional<WorkloadDispatcher::Placement> WorkloadDispatcher::PlacementOf(
    const api::Workload& w) {
  auto it = w.metadata.annotations.find(kWorkloadIdAnnotation);
  if (it == w.metadata.annotations.end()) return std::nullopt;
  const size_t at = it->second.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == it->second.size()) return std::nullopt;
  return Placement{it->second.substr(0, at), it->second.substr(at + 1)};
}

std::optional<api::Host> WorkloadDispatcher::HostById(const std::string& host_id) const {
  for (const auto& h : informers_.hosts.List()) {
    if (h->spec.host_id == host_id) return *h;
  }
  return std::nullopt;
}

Status WorkloadDispatcher::Reconcile(const std::string& key) {
  if (key.rfind(kSweepPrefix, 0) == 0) return Sweep(key.substr(sizeof(kSweepPrefix) - 1));
  auto w = informers_.workloads.Get(key);
  if (!w) {
    MutexLock lock(mu_);
    refused_.erase(key);
    return Ok();
  }
  const auto current = PlacementOf(*w);
  if (!w->metadata.deletion_timestamp.empty()) {
    if (!HasFinalizer(*w)) return Ok();
    return Finish(*w, current);
  }
  if (w->status.host_id.empty()) return Ok();  // the scheduler has not placed it yet
  if (!HasFinalizer(*w)) {
    Json finalizers = w->metadata.finalizers;
    finalizers.push_back(kFinalizer);
    // The update it causes brings the Workload back here.
    auto patched =
        Patch(*w, {{"finalizers", finalizers}, {"resourceVersion", w->metadata.resource_version}});
    return patched ? Ok() : Status(patched.error());
  }
  Outcome outcome = Run(*w, current);
  WCLOUD_TRY_STATUS(Report(*w, outcome));
  if (outcome.retry) return Error(outcome.message);
  // A service that may still restart or fail is looked at more often than the resync.
  const bool settling = outcome.service && (outcome.service->phase == "Running" ||
                                            outcome.service->phase == "BackOff");
  loop_.EnqueueAfter(key, settling ? std::min(options_.resync, kServicePoll) : options_.resync);
  return Ok();
}

WorkloadDispatcher::Outcome WorkloadDispatcher::Run(const api::Workload& w,
                                                    const std::optional<Placement>& current) {
  const std::string key = kube::KeyOf(w.metadata);
  auto plan = PlanStart(client_, w);
  if (!plan) {
    const std::string& reason = plan.error().details().reason;
    const bool config = reason == "ConfigError";
    return {.phase = "Pending",
            .reason = reason.empty() ? "ConfigError" : reason,
            .message = plan.error().message(),
            .config_resolved = !config,
            .config_message = config ? plan.error().message() : "",
            .retry = true};
  }
  if (!plan->missing.empty()) {
    std::string message;
    for (const auto& m : plan->missing) message += (message.empty() ? "" : ", ") + m;
    message += " not found";
    return {.phase = "Pending",
            .reason = "ConfigNotFound",
            .message = message,
            .config_resolved = false,
            .config_message = message,
            .retry = true};
  }
  const Placement want{w.metadata.uid + "-" + plan->revision, w.status.host_id};
  auto running = [](const std::string& message) -> Outcome {
    const bool serving = message.rfind("serving on ", 0) == 0;
    return {.phase = "Running",
            .ready = true,
            .reason = serving ? "Serving" : "Running",
            .message = message.empty() ? "running" : message};
  };
  auto unreachable = [&](const Error& e) -> Outcome {
    return {.phase = "Pending", .reason = "HostUnreachable", .message = e.message(), .retry = true};
  };

  if (current && *current == want) {
    auto st = hosts_.Status(want.host_id, want.workload_id);
    if (!st) return unreachable(st.error());
    switch (st->state) {
      case WorkloadState::kRunning:
      case WorkloadState::kCompleted: {
        Outcome outcome = running(st->message);
        outcome.service = st->service;
        outcome.guest_failures = st->guest_failures;
        return outcome;
      }
      case WorkloadState::kStarting:
        return {.phase = "Pending", .reason = "Starting", .message = "starting", .retry = true};
      case WorkloadState::kNotFound:
        break;  // the host lost it (a restart): start it again
      default: {
        auto [reason, message] = hostapi::SplitReason(st->message, "WorkloadError");
        return {.phase = "Failed", .reason = reason, .message = message};
      }
    }
  }
  const std::string attempt = want.workload_id + "@" + want.host_id;
  {
    MutexLock lock(mu_);
    auto refused = refused_.find(key);
    if (refused != refused_.end() && refused->second.first == attempt) {
      return refused->second.second;
    }
  }

  std::string seal_key;
  if (auto host = HostById(want.host_id)) {
    auto label = host->metadata.labels.find(hostapi::kSealKeyLabel);
    if (label != host->metadata.labels.end()) seal_key = label->second;
  }
  if (seal_key.empty() && plan->has_secrets() && !options_.allow_plaintext_secrets) {
    return {.phase = "Failed",
            .reason = "SecretsNotSealable",
            .message = "host " + want.host_id + " advertises no seal key (label " +
                       hostapi::kSealKeyLabel +
                       "), so its Secret values would travel in plaintext; the operator sends "
                       "them only with --allow-plaintext-secrets"};
  }
  auto request = MakeStartRequest(*plan, want.workload_id, seal_key);
  if (!request) {
    return {.phase = "Failed", .reason = "SealFailed", .message = request.error().message()};
  }
  {
    MutexLock lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(recent_starts_, [&](const auto& e) { return now - e.second > kRecentStart; });
    recent_starts_[attempt] = now;
  }
  auto st = hosts_.Start(want.host_id, *request);
  if (!st) return unreachable(st.error());
  auto [reason, message] = hostapi::SplitReason(st->message, "WorkloadError");
  const bool started = st->state == WorkloadState::kRunning ||
                       st->state == WorkloadState::kStarting ||
                       (st->state == WorkloadState::kError && reason == "AlreadyRunning");
  if (!started) {
    Outcome failed{.phase = "Failed", .reason = reason, .message = message};
    // A registry may come back; a component the host refused needs a new revision.
    if (reason == "ImagePullFailed") {
      failed.phase = "Pending";
      failed.retry = true;
    } else {
      MutexLock lock(mu_);
      refused_[key] = {attempt, failed};
    }
    return failed;
  }
  {
    MutexLock lock(mu_);
    refused_.erase(key);
  }
  // Recorded before the old one stops: if the operator dies in between, it knows the new one.
  auto noted = Patch(w, {{"annotations", {{kWorkloadIdAnnotation, attempt}}}});
  if (!noted) return unreachable(noted.error().Wrap("recording the workload ID"));
  if (current && !(*current == want)) (void)StopOn(*current);
  Outcome outcome = running(st->state == WorkloadState::kRunning ? st->message : "");
  outcome.resource_version = *noted;
  outcome.service = st->service;
  return outcome;
}

Status WorkloadDispatcher::StopOn(const Placement& placement) {
  auto st = hosts_.Stop(placement.host_id, placement.workload_id);
  if (st) return Ok();
  MutexLock lock(mu_);
  owed_stops_[placement.host_id].insert(placement.workload_id);
  return st.error();
}

void WorkloadDispatcher::HostSeen(const hostapi::HostHeartbeat& heartbeat) {
  const std::string& host_id = heartbeat.id;
  std::set<std::string> owed;
  {
    MutexLock lock(mu_);
    auto it = owed_stops_.find(host_id);
    if (it != owed_stops_.end()) {
      owed = std::move(it->second);
      owed_stops_.erase(it);
    }
  }
  for (const std::string& id : owed) (void)StopOn({id, host_id});

  if (!heartbeat.labels.count(hostapi::kSealKeyLabel)) return;  // not ours: no workload.list
  uint64_t placed = 0;
  for (const auto& w : informers_.workloads.List()) {
    auto p = PlacementOf(*w);
    if (p && p->host_id == host_id) ++placed;
  }
  if (heartbeat.workload_count > placed) loop_.Enqueue(kSweepPrefix + host_id);
}

Status WorkloadDispatcher::Sweep(const std::string& host_id) {
  auto list = hosts_.List(host_id);
  if (!list) return Ok();  // it will beat again
  std::set<std::string> placed;
  for (const auto& w : informers_.workloads.List()) {
    if (auto p = PlacementOf(*w); p && p->host_id == host_id) placed.insert(p->workload_id);
  }
  std::vector<std::string> strays;
  {
    MutexLock lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    std::erase_if(recent_starts_, [&](const auto& e) { return now - e.second > kRecentStart; });
    for (const std::string& id : list->workload_ids) {
      if (!placed.count(id) && !recent_starts_.count(id + "@" + host_id)) strays.push_back(id);
    }
  }
  for (const std::string& id : strays) {
    std::cerr << "wcloud: host " << host_id << " runs workload " << id
              << ", which no Workload is placed under there; stopping it\n";
    (void)StopOn({id, host_id});
  }
  return Ok();
}

Status WorkloadDispatcher::Finish(const api::Workload& w, const std::optional<Placement>& current) {
  if (current) {
    Status stopped = StopOn(*current);
    // A host that is gone cannot stop it now; it gets the stop when it is heard from again.
    auto host = HostById(current->host_id);
    if (!stopped && host && HostReady(*host)) return stopped;
  }
  Json finalizers = Json::array();
  for (const auto& f : w.metadata.finalizers) {
    if (f != kFinalizer) finalizers.push_back(f);
  }
  {
    MutexLock lock(mu_);
    refused_.erase(kube::KeyOf(w.metadata));
  }
  auto patched =
      Patch(w, {{"finalizers", finalizers}, {"resourceVersion", w.metadata.resource_version}});
  return patched ? Ok() : Status(patched.error());
}

Result<std::string> WorkloadDispatcher::Patch(const api::Workload& w, const Json& metadata) {
  Json patch = {{"metadata", metadata}};
  auto r = client_.Do("PATCH",
                      kube::ObjectPath(kWorkloads, w.metadata.namespace_, w.metadata.name) +
                          "?fieldManager=" + kFieldManager,
                      &patch, "application/merge-patch+json");
  if (!r && kube::IsNotFound(r.error())) return std::string();
  if (!r) return r.error();
  return r->value("metadata", Json::object()).value("resourceVersion", "");
}

Status WorkloadDispatcher::Report(const api::Workload& w, const Outcome& outcome) {
  api::Workload updated = w;
  updated.status.phase = outcome.phase;
  updated.status.observed_generation = w.metadata.generation.value_or(1);
  std::vector<api::Condition> conditions;
  std::string was_ready, was_reason;
  for (const api::Condition& c : w.status.conditions) {
    if (c.type == "Ready") {
      was_ready = c.status;
      was_reason = c.reason;
    }
    if (c.type != "Ready" && c.type != "ConfigResolved" && c.type != kServiceReady) {
      conditions.push_back(c);
    }
  }
  conditions.push_back(MakeCondition(
      "ConfigResolved", outcome.config_resolved ? "True" : "False",
      outcome.config_resolved ? "Resolved" : outcome.reason,
      outcome.config_resolved ? "every ConfigMap and Secret found" : outcome.config_message,
      w.metadata, w.status.conditions));
  const std::string ready = outcome.ready ? "True" : "False";
  conditions.push_back(MakeCondition("Ready", ready, outcome.reason, outcome.message, w.metadata,
                                     w.status.conditions));
  const ServiceReport service = ReportService(w, outcome.service);
  if (service.condition) conditions.push_back(*service.condition);
  updated.status.service_restarts = service.restarts;
  const GuestFailureReport failures =
      ReportGuestFailures(w, outcome.phase == "Running", outcome.guest_failures);
  updated.status.guest_failures = failures.failures;
  updated.status.conditions = std::move(conditions);
  if (updated.status == w.status) return Ok();

  // Conditional on the version read, so a scheduler moving the Workload meanwhile is not undone.
  const std::string& version =
      outcome.resource_version.empty() ? w.metadata.resource_version : outcome.resource_version;
  Json patch = {{"metadata", {{"resourceVersion", version}}}, {"status", EncodeStatus(updated)}};
  auto r =
      client_.Do("PATCH",
                 kube::ObjectPath(kWorkloads, w.metadata.namespace_, w.metadata.name, "status") +
                     "?fieldManager=" + kFieldManager,
                 &patch, "application/merge-patch+json");
  if (!r && kube::IsNotFound(r.error())) return Ok();
  if (!r) return r.error();
  if (ready != was_ready || outcome.reason != was_reason) {
    Json involved = api::EncodeObject(w);
    events_.Record(involved, outcome.ready ? "Normal" : "Warning", outcome.reason, outcome.message);
  }
  if (service.event) {
    events_.Record(api::EncodeObject(w), service.event->type, service.event->reason,
                   service.event->message);
  }
  if (failures.event) {
    events_.Record(api::EncodeObject(w), "Warning", failures.event->reason,
                   failures.event->message);
  }
  return Ok();
}

}  // namespace wcloud::operator_
