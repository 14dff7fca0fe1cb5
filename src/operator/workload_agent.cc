#include "operator/workload_agent.h"

#include <algorithm>
#include <variant>

#include "api/codec.h"
#include "api/types.h"
#include "operator/object_types.h"
#include "operator/workload_environment.h"
#include "util/sha256.h"

namespace wcloud::operator_ {
namespace {

std::string Meta(const Json& o, const char* field) {
  if (!o.contains("metadata") || !o["metadata"].is_object()) return "";
  const Json& meta = o["metadata"];
  return meta.contains(field) && meta[field].is_string() ? meta[field].get<std::string>() : "";
}

std::string HostIdOf(const Json& w) {
  if (!w.contains("status") || !w["status"].is_object()) return "";
  return w["status"].value("hostId", "");
}

Json FinalizersOf(const Json& w) {
  if (!w.contains("metadata") || !w["metadata"].is_object()) return Json::array();
  Json f = w["metadata"].value("finalizers", Json::array());
  return f.is_array() ? f : Json::array();
}

bool HasFinalizer(const Json& w) {
  Json f = FinalizersOf(w);
  return std::find(f.begin(), f.end(), Json(WorkloadAgent::kFinalizer)) != f.end();
}

// Key order and the ordered_json type aside, are these the same document?
bool SameJson(const Json& a, const Json& b) {
  return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump());
}

// Length-prefixed, so no two different inputs hash the same by shifting a separator.
void AddField(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

// What the host runs changes exactly when this does: the spec, an image's content, an
// environment value or a ConfigMap's or Secret's data. A hash, so secret values do not show through
// it.
std::string Revision(const Json& spec, const host::WorkloadRun& run) {
  std::string input;
  AddField(input, spec.dump());
  for (const auto& [name, image] : run.images) {
    AddField(input, name);
    AddField(input, image.digest);
  }
  auto add_map = [&](const auto& entries) {
    AddField(input, std::to_string(entries.size()));
    for (const auto& [key, value] : entries) {
      AddField(input, key);
      AddField(input, value);
    }
  };
  for (const auto& [name, env] : run.environment) {
    AddField(input, name);
    add_map(env);
  }
  for (const auto& [name, refs] : run.references) {
    AddField(input, name);
    for (const auto* objects : {&refs.config_maps, &refs.secrets}) {
      AddField(input, std::to_string(objects->size()));
      for (const auto& data : *objects) add_map(data);
    }
  }
  return Sha256Hex(input).substr(0, 16);
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

}  // namespace

WorkloadAgent::WorkloadAgent(kube::Client& client, std::string host_id, host::WorkloadHost& host,
                             oci::ComponentStore* components, Options options)
    : client_(client),
      host_id_(std::move(host_id)),
      host_(host),
      options_(std::move(options)),
      images_(client, components),
      workloads_(std::make_unique<kube::RestListWatch>(client, kWorkloads, options_.namespace_)),
      events_(client, "wcloud-host", host_id_),
      controller_(
          "workload-agent", [this](const std::string& key) { return Reconcile(key); },
          options_.workers) {
  auto enqueue = [this](const kube::ObjectPtr& o) { controller_.Enqueue(kube::ObjectKey(*o)); };
  workloads_.AddEventHandler(
      {enqueue, [enqueue](const kube::ObjectPtr&, const kube::ObjectPtr& n) { enqueue(n); },
       enqueue});
}

WorkloadAgent::~WorkloadAgent() { Stop(); }

void WorkloadAgent::Start() {
  if (started_) return;
  started_ = true;
  workloads_.Start();
  controller_.Start();
  resync_ = std::thread([this] { ResyncLoop(); });
}

void WorkloadAgent::Stop() {
  if (!started_) return;
  started_ = false;
  {
    MutexLock lock(resync_mu_);
    stopping_ = true;
  }
  resync_cv_.notify_all();
  resync_.join();
  workloads_.Stop();
  controller_.Stop();
}

bool WorkloadAgent::WaitForSync(std::chrono::milliseconds timeout) const {
  return workloads_.WaitForSync(timeout);
}

void WorkloadAgent::ResyncLoop() {
  for (;;) {
    {
      const auto until = std::chrono::steady_clock::now() + options_.resync;
      MutexLock lock(resync_mu_);
      while (!stopping_ && resync_cv_.WaitUntil(lock, until)) {
      }
      if (stopping_) return;
    }
    for (const auto& w : workloads_.List()) {
      if (HostIdOf(*w) == host_id_) controller_.Enqueue(kube::ObjectKey(*w));
    }
    MutexLock running(mu_);
    for (const auto& [key, digests] : running_) controller_.Enqueue(key);
  }
}

Status WorkloadAgent::Reconcile(const std::string& key) {
  kube::ObjectPtr w = workloads_.Get(key);
  if (!w) {
    RemoveLocal(key);
    return Ok();
  }
  bool deleting = !Meta(*w, "deletionTimestamp").empty();
  std::string placed = HostIdOf(*w);
  if (placed != host_id_) {
    RemoveLocal(key);
    // A deleted Workload no host holds any more has nobody else to release it.
    if (deleting && placed.empty() && HasFinalizer(*w)) return Finish(*w);
    return Ok();
  }
  if (deleting) {
    RemoveLocal(key);
    return HasFinalizer(*w) ? Finish(*w) : Ok();
  }
  Json current = *w;
  if (!HasFinalizer(current)) {
    WCLOUD_ASSIGN_OR_RETURN(current, AddFinalizer(current));
  }
  Outcome outcome = Run(key, current);
  WCLOUD_TRY_STATUS(Report(current, outcome));
  if (outcome.retry) return Error(outcome.message);
  return Ok();
}

WorkloadAgent::Outcome WorkloadAgent::Run(const std::string& key, const Json& workload) {
  Json typed = workload;
  typed["apiVersion"] = api::kApiVersion;
  typed["kind"] = "Workload";
  api::Decoded decoded = api::DecodeObject(typed, {.strict = false});
  if (!decoded.object) {
    const auto& e = decoded.errors.front();
    return {.phase = "Failed", .reason = "InvalidSpec", .message = e.ToString()};
  }
  const api::WorkloadSpec& spec = std::get<api::Workload>(*decoded.object).spec;
  std::string ns = Meta(workload, "namespace");

  host::WorkloadRun run;
  run.key = key;
  run.namespace_ = ns;
  run.spec = spec;
  std::vector<std::string> missing;
  for (const auto& c : spec.components) {
    auto& env = run.environment[c.name];
    if (!c.local_resources || !c.local_resources->environment) continue;
    auto resolved = ResolveEnvironment(client_, ns, *c.local_resources->environment);
    if (!resolved) {
      std::string message = "component " + c.name + ": " + resolved.error().message();
      return {.phase = "Pending",
              .reason = "ConfigError",
              .message = message,
              .config_resolved = false,
              .config_message = message,
              .retry = true};
    }
    env = std::move(resolved->values);
    // The host layers these itself, so it knows which values are secret.
    run.references[c.name] = {std::move(resolved->config_maps), std::move(resolved->secrets)};
    for (auto& m : resolved->missing) {
      if (std::find(missing.begin(), missing.end(), m) == missing.end()) missing.push_back(m);
    }
  }
  if (!missing.empty()) {
    std::string message = Join(missing, ", ") + " not found";
    return {.phase = "Pending",
            .reason = "ConfigNotFound",
            .message = message,
            .config_resolved = false,
            .config_message = message,
            .retry = true};
  }
  std::set<std::string> digests;
  for (const auto& c : spec.components) {
    auto image = images_.Resolve(ns, c.image, c.image_pull_secret ? c.image_pull_secret->name : "",
                                 c.image_pull_policy);
    if (!image) {
      return {.phase = "Pending",
              .reason = "ImagePullFailed",
              .message = "component " + c.name + ": " + image.error().message(),
              .retry = true};
    }
    digests.insert(image->digest);
    run.images[c.name] = std::move(*image);
  }
  run.revision = Revision(workload["spec"], run);

  host::WorkloadState state = host_.Apply(run);
  {
    MutexLock lock(mu_);
    running_[key] = std::move(digests);
  }
  RetainImages();
  if (!state.ready) {
    return {.phase = "Failed",
            .reason = state.reason.empty() ? "NotServing" : state.reason,
            .message = state.message};
  }
  std::string message = state.message;
  if (message.empty()) {
    message = state.endpoints.empty() ? "running" : "serving on " + Join(state.endpoints, ", ");
  }
  return {.phase = "Running",
          .ready = true,
          .reason = state.reason.empty() ? "Serving" : state.reason,
          .message = message};
}

Status WorkloadAgent::Report(const Json& workload, const Outcome& outcome) {
  Json old = workload.contains("status") && workload["status"].is_object() ? workload["status"]
                                                                           : Json::object();
  Json status = old;
  status["phase"] = outcome.phase;
  status["observedGeneration"] = workload["metadata"].value("generation", 1);
  Json conditions = Json::array();
  std::string was_ready, was_reason;
  for (const auto& c : old.value("conditions", Json::array())) {
    std::string type = c.value("type", "");
    if (type == "Ready") {
      was_ready = c.value("status", "");
      was_reason = c.value("reason", "");
    }
    if (type != "Ready" && type != "ConfigResolved") conditions.push_back(c);
  }
  conditions.push_back(MakeCondition(
      "ConfigResolved", outcome.config_resolved ? "True" : "False",
      outcome.config_resolved ? "Resolved" : outcome.reason,
      outcome.config_resolved ? "every ConfigMap and Secret found" : outcome.config_message,
      workload));
  std::string ready = outcome.ready ? "True" : "False";
  conditions.push_back(MakeCondition("Ready", ready, outcome.reason, outcome.message, workload));
  status["conditions"] = std::move(conditions);
  if (SameJson(status, old)) return Ok();

  // Conditional on the version read, so a scheduler moving the Workload meanwhile is not undone.
  Json patch = {{"metadata", {{"resourceVersion", Meta(workload, "resourceVersion")}}},
                {"status", status}};
  auto r = client_.Do(
      "PATCH",
      kube::ObjectPath(kWorkloads, Meta(workload, "namespace"), Meta(workload, "name"), "status") +
          "?fieldManager=" + kFieldManager,
      &patch, "application/merge-patch+json");
  if (!r && kube::IsNotFound(r.error())) return Ok();
  if (!r) return r.error();
  if (ready != was_ready || outcome.reason != was_reason) {
    Json involved = workload;
    involved["apiVersion"] = api::kApiVersion;
    involved["kind"] = "Workload";
    events_.Record(involved, outcome.ready ? "Normal" : "Warning", outcome.reason, outcome.message);
  }
  return Ok();
}

Result<Json> WorkloadAgent::AddFinalizer(const Json& workload) {
  Json finalizers = FinalizersOf(workload);
  finalizers.push_back(kFinalizer);
  Json patch = {
      {"metadata",
       {{"finalizers", finalizers}, {"resourceVersion", Meta(workload, "resourceVersion")}}}};
  return client_.Do(
      "PATCH",
      kube::ObjectPath(kWorkloads, Meta(workload, "namespace"), Meta(workload, "name")) +
          "?fieldManager=" + kFieldManager,
      &patch, "application/merge-patch+json");
}

Status WorkloadAgent::Finish(const Json& workload) {
  Json finalizers = Json::array();
  for (const auto& f : FinalizersOf(workload)) {
    if (f != Json(kFinalizer)) finalizers.push_back(f);
  }
  Json patch = {
      {"metadata",
       {{"finalizers", finalizers}, {"resourceVersion", Meta(workload, "resourceVersion")}}}};
  auto r =
      client_.Do("PATCH",
                 kube::ObjectPath(kWorkloads, Meta(workload, "namespace"), Meta(workload, "name")) +
                     "?fieldManager=" + kFieldManager,
                 &patch, "application/merge-patch+json");
  if (!r && kube::IsNotFound(r.error())) return Ok();
  if (!r) return r.error();
  return Ok();
}

void WorkloadAgent::RemoveLocal(const std::string& key) {
  bool had = false;
  {
    MutexLock lock(mu_);
    had = running_.erase(key) > 0;
  }
  // The host may know the key from an agent before this one (the host outlives it).
  if (!had && !host_.State(key)) return;
  host_.Remove(key);
  RetainImages();
}

void WorkloadAgent::RetainImages() {
  std::set<std::string> keep;
  {
    MutexLock lock(mu_);
    for (const auto& [key, digests] : running_) keep.insert(digests.begin(), digests.end());
  }
  images_.Retain(keep);
}

}  // namespace wcloud::operator_
