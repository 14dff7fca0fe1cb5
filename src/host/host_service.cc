#include "host/host_service.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "api/request_timeout.h"
#include "host/workload_logs.h"
#include "util/sha256.h"
#include "util/version.h"

namespace wcloud::host {
namespace {

using Wire = hostapi::WorkloadState;

hostapi::WorkloadStatus Answer(const std::string& id, Wire state, std::string message = "") {
  return {.workload_id = id, .state = state, .message = std::move(message)};
}

hostapi::WorkloadStatus Failed(const std::string& id, std::string_view reason,
                               std::string_view message) {
  return Answer(id, Wire::kError, hostapi::ErrorMessage(reason, message));
}

std::string PullPolicyName(hostapi::ImagePullPolicy policy) {
  switch (policy) {
    case hostapi::ImagePullPolicy::kAlways:
      return "Always";
    case hostapi::ImagePullPolicy::kIfNotPresent:
      return "IfNotPresent";
    case hostapi::ImagePullPolicy::kNever:
      return "Never";
    case hostapi::ImagePullPolicy::kUnspecified:
      break;
  }
  return "";
}

// "wasi:keyvalue/store@0.2.0-draft" strings grouped into the protocol's WitInterface entries.
std::vector<hostapi::WitInterface> Grouped(const std::vector<std::string>& names) {
  std::vector<hostapi::WitInterface> out;
  for (const std::string& n : names) {
    const size_t colon = n.find(':'), slash = n.find('/'), at = n.find('@');
    if (colon == std::string::npos || slash == std::string::npos || slash < colon) continue;
    hostapi::WitInterface wit;
    wit.namespace_ = n.substr(0, colon);
    wit.package = n.substr(colon + 1, slash - colon - 1);
    wit.version = at == std::string::npos ? "" : n.substr(at + 1);
    const std::string iface = n.substr(slash + 1, at == std::string::npos ? at : at - slash - 1);
    auto same = std::find_if(out.begin(), out.end(), [&](const hostapi::WitInterface& w) {
      return w.namespace_ == wit.namespace_ && w.package == wit.package && w.version == wit.version;
    });
    if (same == out.end()) {
      wit.interfaces.push_back(iface);
      out.push_back(std::move(wit));
    } else {
      same->interfaces.push_back(iface);
    }
  }
  return out;
}

}  // namespace

HostService::HostService(WorkloadHost& workloads, ComponentImages& images,
                         const hostapi::SealKey* seal_key, Identity identity)
    : workloads_(workloads), images_(images), seal_key_(seal_key) {
  identity.labels.try_emplace("hostgroup", "default");
  if (seal_key_) identity.labels[hostapi::kSealKeyLabel] = seal_key_->PublicKey();
  MutexLock lock(mu_);
  identity_ = std::move(identity);
  cpu_.Sample();  // the first sample only sets the baseline
}

void HostService::SetDraining() {
  MutexLock lock(mu_);
  identity_.labels[hostapi::kDrainingLabel] = "true";
}

Result<std::string> HostService::OpenValue(const std::string& value,
                                           const std::string& workload_id) const {
  if (!hostapi::IsSealed(value)) return value;
  if (!seal_key_) return Error("a sealed value, and this host has no seal key");
  return seal_key_->Open(value, workload_id);
}

Result<WorkloadRun> HostService::Prepare(const hostapi::WorkloadStartRequest& request,
                                         std::string& reason, std::set<std::string>& digests) {
  const hostapi::Workload& w = request.workload;
  const std::string& id = request.workload_id;
  WorkloadRun run;
  run.key = id;
  run.namespace_ = w.namespace_.empty() ? "default" : w.namespace_;
  run.name = w.name.empty() ? id : w.name;
  // Before any image is pulled.
  auto timeout = api::RequestTimeoutOf(w.annotations);
  if (!timeout) {
    reason = "InvalidConfiguration";
    return timeout.error();
  }
  run.request_timeout = *timeout;

  for (const hostapi::WitInterface& wit : w.wit_world.host_interfaces) {
    api::HostInterface hi;
    hi.name = wit.name;
    hi.namespace_ = wit.namespace_;
    hi.package = wit.package;
    hi.interfaces = wit.interfaces;
    hi.version = wit.version;
    for (const auto& [key, value] : wit.config) {
      auto opened = OpenValue(value, id);
      if (!opened) {
        reason = "SealedValueRejected";
        return opened.error().Wrap("hostInterfaces " + wit.namespace_ + ":" + wit.package +
                                   " config " + key);
      }
      hi.config[key] = std::move(*opened);
    }
    run.spec.host_interfaces.push_back(std::move(hi));
  }
  for (const hostapi::Volume& v : w.volumes) {
    api::Volume volume;
    volume.name = v.name;
    if (v.type == hostapi::Volume::Type::kHostPath) {
      volume.host_path = api::HostPathVolume{v.local_path};
    } else {
      volume.ephemeral = api::EphemeralVolume{};
    }
    run.spec.volumes.push_back(std::move(volume));
  }

  std::string hashed;  // what the revision covers besides the spec: image digests and values
  for (const hostapi::Component& c : w.wit_world.components) {
    auto prepared = PrepareComponent(c, "component " + c.name, id, reason, digests, hashed);
    if (!prepared) return prepared.error();
    run.images[c.name] = std::move(prepared->image);
    run.references[c.name] = std::move(prepared->references);
    run.spec.components.push_back(std::move(prepared->component));
  }
  if (w.service) {
    // Fetched and resolved as a component is; the host runs it as the service.
    const hostapi::Component as_component{.name = "service",
                                          .image = w.service->image,
                                          .local_resources = w.service->local_resources,
                                          .image_pull_secret = w.service->image_pull_secret,
                                          .image_pull_policy = w.service->image_pull_policy};
    auto prepared = PrepareComponent(as_component, "service", id, reason, digests, hashed);
    if (!prepared) return prepared.error();
    api::Service service;
    service.image = w.service->image;
    service.image_pull_policy = prepared->component.image_pull_policy;
    service.max_restarts = static_cast<int32_t>(
        std::min<uint64_t>(w.service->max_restarts, std::numeric_limits<int32_t>::max()));
    service.local_resources = std::move(prepared->component.local_resources);
    hashed += std::string("service") + '\0' + std::to_string(w.service->max_restarts) + '\0';
    run.service_image = std::move(prepared->image);
    run.service_references = std::move(prepared->references);
    run.spec.service = std::move(service);
  }
  if (run.request_timeout) {
    hashed += "timeout" + std::string(1, '\0') + std::to_string(run.request_timeout->count());
  }
  run.revision = Sha256Hex(hashed + id).substr(0, 16);
  return run;
}

Result<HostService::PreparedComponent> HostService::PrepareComponent(
    const hostapi::Component& c, const std::string& where, const std::string& id,
    std::string& reason, std::set<std::string>& digests, std::string& hashed) {
  api::Component component;
  component.name = c.name;
  component.image = c.image;
  component.image_pull_policy = PullPolicyName(c.image_pull_policy);
  if (c.pool_size > 0) component.pool_size = c.pool_size;
  if (c.max_invocations > 0) component.max_invocations = c.max_invocations;
  if (c.max_concurrency > 0) component.max_concurrency = c.max_concurrency;

  const hostapi::LocalResources& lr = c.local_resources;
  api::LocalResources local;
  local.allowed_hosts = lr.allowed_hosts;
  if (lr.memory_limit_mb > 0) local.memory_limit_mb = lr.memory_limit_mb;
  if (lr.cpu_limit > 0) local.cpu_limit = lr.cpu_limit;
  hashed += "limits" + std::string(1, '\0') + std::to_string(lr.memory_limit_mb) + '\0' +
            std::to_string(lr.cpu_limit) + '\0';
  for (const hostapi::VolumeMount& m : lr.volume_mounts) {
    local.volume_mounts.push_back({m.name, m.mount_path, m.read_only});
  }
  // Sealed values came from Secrets: they stay apart so they are redacted wherever they show.
  plugins::ResolvedReferences refs;
  api::StringMap plain, secret;
  for (const auto* values : {&lr.config, &lr.environment}) {
    for (const auto& [key, value] : *values) {
      auto opened = OpenValue(value, id);
      if (!opened) {
        reason = "SealedValueRejected";
        return opened.error().Wrap(where + " value " + key);
      }
      if (values == &lr.config) {
        local.config[key] = std::move(*opened);
      } else {
        (hostapi::IsSealed(value) ? secret : plain)[key] = std::move(*opened);
      }
    }
  }
  for (const auto* values : {&local.config, &plain, &secret}) {
    for (const auto& [key, value] : *values) hashed += key + '\0' + value + '\0';
  }
  refs.config_maps.push_back(std::move(plain));
  refs.secrets.push_back(std::move(secret));
  component.local_resources = std::move(local);

  std::optional<oci::Credentials> credentials;
  if (c.image_pull_secret) {
    auto password = OpenValue(c.image_pull_secret->password, id);
    if (!password) {
      reason = "SealedValueRejected";
      return password.error().Wrap(where + " imagePullSecret");
    }
    credentials = oci::Credentials{c.image_pull_secret->username, std::move(*password)};
  }
  auto image = images_.Resolve(c.image, credentials, component.image_pull_policy);
  if (!image) {
    reason = "ImagePullFailed";
    return image.error().Wrap(where);
  }
  digests.insert(image->digest);
  hashed += image->digest + '\0';
  return PreparedComponent{std::move(component), std::move(*image), std::move(refs)};
}

hostapi::WorkloadStatus HostService::Start(const hostapi::WorkloadStartRequest& request) {
  const std::string& id = request.workload_id;
  if (id.empty()) return Failed(id, "InvalidRequest", "workloadId is empty");
  const auto& annotations = request.workload.annotations;
  auto asked = annotations.find(hostapi::kExtensionsAnnotation);
  const bool extensions =
      asked != annotations.end() && asked->second == hostapi::kExtensionsVersion;
  {
    MutexLock lock(mu_);
    if (live_.count(id) || starting_.count(id)) {
      return Failed(id, "AlreadyRunning", "workload " + id + " is already live on this host");
    }
    starting_.insert(id);
    cancelled_.erase(id);
  }
  auto release = [&] {
    MutexLock lock(mu_);
    starting_.erase(id);
    return cancelled_.erase(id) > 0;
  };

  std::string reason;
  std::set<std::string> digests;
  auto run = Prepare(request, reason, digests);
  if (!run) {
    release();
    RetainImages();
    return Failed(id, reason, run.error().message());
  }
  WorkloadState state = workloads_.Apply(*run);
  if (!state.ready) {
    // A start that fails does not use the ID up.
    workloads_.Remove(id);
    release();
    RetainImages();
    return Failed(id, state.reason.empty() ? "NotServing" : state.reason, state.message);
  }
  std::string message = state.message;
  bool cancelled = false;
  {
    MutexLock lock(mu_);
    starting_.erase(id);
    cancelled = cancelled_.erase(id) > 0;
    if (!cancelled) live_[id] = {std::move(digests), message, extensions};
  }
  if (cancelled) {
    workloads_.Remove(id);
    RetainImages();
    return Answer(id, Wire::kCompleted, "stopped while it was starting");
  }
  hostapi::WorkloadStatus status = Answer(id, Wire::kRunning, message);
  if (extensions) AddExtensions(status);
  return status;
}

void HostService::AddExtensions(hostapi::WorkloadStatus& status) const {
  status.service = ServiceOf(status.workload_id);
  if (auto counts = workloads_.Failures(status.workload_id)) {
    status.guest_failures = hostapi::GuestFailures{.traps = counts->traps,
                                                   .deadline_exceeded = counts->deadline_exceeded,
                                                   .memory_limit = counts->memory_limit,
                                                   .last_time = counts->last_time,
                                                   .last_message = counts->last_message};
  }
}

std::optional<hostapi::ServiceStatus> HostService::ServiceOf(const std::string& workload_id) const {
  auto state = workloads_.State(workload_id);
  if (!state || !state->service) return std::nullopt;
  return hostapi::ServiceStatus{.phase = state->service->phase,
                                .restarts = state->service->restarts,
                                .message = state->service->message};
}

hostapi::WorkloadStatus HostService::Stop(const std::string& workload_id) {
  {
    MutexLock lock(mu_);
    if (starting_.count(workload_id)) {
      cancelled_.insert(workload_id);
      return Answer(workload_id, Wire::kStopping);
    }
    if (live_.erase(workload_id) == 0) return Answer(workload_id, Wire::kNotFound);
  }
  workloads_.Remove(workload_id);
  RetainImages();
  return Answer(workload_id, Wire::kCompleted);
}

hostapi::WorkloadStatus HostService::Status(const std::string& workload_id) {
  MutexLock lock(mu_);
  if (starting_.count(workload_id)) return Answer(workload_id, Wire::kStarting);
  auto it = live_.find(workload_id);
  if (it == live_.end()) return Answer(workload_id, Wire::kNotFound);
  hostapi::WorkloadStatus status = Answer(workload_id, Wire::kRunning, it->second.message);
  if (it->second.extensions) AddExtensions(status);
  return status;
}

hostapi::WorkloadList HostService::List() {
  MutexLock lock(mu_);
  hostapi::WorkloadList list;
  for (const auto& [id, live] : live_) list.workload_ids.push_back(id);
  for (const auto& id : starting_) list.workload_ids.push_back(id);
  return list;
}

hostapi::WorkloadLogs HostService::Logs(const hostapi::WorkloadLogsRequest& request) {
  std::shared_ptr<const LogRing> ring = workloads_.Logs(request.workload_id);
  return ReadWorkloadLogs(ring.get(), request);
}

void HostService::StopAll() {
  std::vector<std::string> ids;
  {
    MutexLock lock(mu_);
    for (const auto& [id, live] : live_) ids.push_back(id);
  }
  for (const std::string& id : ids) Stop(id);
}

void HostService::RetainImages() {
  std::set<std::string> keep;
  {
    MutexLock lock(mu_);
    for (const auto& [id, live] : live_) keep.insert(live.digests.begin(), live.digests.end());
  }
  images_.Retain(keep);
}

hostapi::HostHeartbeat HostService::Heartbeat() {
  const SystemInfo system = ReadSystemInfo();
  hostapi::HostHeartbeat hb;
  {
    MutexLock lock(mu_);
    hb.id = identity_.host_id;
    hb.hostname = identity_.hostname;
    hb.version = identity_.version;
    hb.labels = identity_.labels;
    hb.started_at = identity_.started_at;
    hb.http_port = identity_.http_port;
    hb.environment = identity_.environment;
    hb.system_cpu_usage = static_cast<float>(std::round(1000 * cpu_.Sample()) / 10);
  }
  if (hb.hostname.empty()) hb.hostname = system.hostname;
  hb.friendly_name = hb.hostname;
  if (hb.version.empty()) hb.version = std::string(Version());
  hb.os_arch = system.arch;
  hb.os_name = system.os;
  hb.os_kernel = system.kernel;
  hb.system_memory_total = system.memory_total_bytes;
  hb.system_memory_free = system.memory_available_bytes;
  hb.component_count = static_cast<uint64_t>(workloads_.component_count());
  hb.workload_count = static_cast<uint64_t>(workloads_.workload_count());
  hb.imports = Grouped(workloads_.Interfaces());
  hb.exports = Grouped({"wasi:http/incoming-handler@0.2.12"});
  return hb;
}

}  // namespace wcloud::host
