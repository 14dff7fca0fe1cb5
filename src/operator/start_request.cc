#include "operator/start_request.h"

#include <set>

#include "api/image_reference.h"
#include "api/object_url.h"
#include "hostapi/codec.h"
#include "hostapi/sealing.h"
#include "operator/pull_credentials.h"
#include "operator/workload_environment.h"
#include "util/sha256.h"

namespace wcloud::operator_ {
namespace {

hostapi::ImagePullPolicy PullPolicy(const std::string& policy) {
  if (policy == "Always") return hostapi::ImagePullPolicy::kAlways;
  if (policy == "IfNotPresent") return hostapi::ImagePullPolicy::kIfNotPresent;
  if (policy == "Never") return hostapi::ImagePullPolicy::kNever;
  return hostapi::ImagePullPolicy::kUnspecified;
}

Error WithReason(const Error& e, const char* reason) {
  return Error(e.message(), e.code(), ErrorDetails::Reason(reason));
}

// One component's (or the service's) local resources, its environment read through the API.
// `secret_keys` gets the environment keys whose value came from a Secret.
Result<hostapi::LocalResources> Resolve(kube::Client& client, const std::string& ns,
                                        const std::string& where,
                                        const std::optional<api::LocalResources>& spec,
                                        std::set<std::string>& secret_keys,
                                        std::vector<std::string>& missing) {
  hostapi::LocalResources out;
  if (!spec) return out;
  out.config = spec->config;
  out.allowed_hosts = spec->allowed_hosts;
  out.memory_limit_mb = spec->memory_limit_mb.value_or(0);
  out.cpu_limit = spec->cpu_limit.value_or(0);
  for (const api::VolumeMount& m : spec->volume_mounts) {
    out.volume_mounts.push_back({m.name, m.mount_path, m.read_only.value_or(false)});
  }
  if (!spec->environment) return out;
  auto resolved = ResolveEnvironment(client, ns, *spec->environment);
  if (!resolved) return WithReason(resolved.error().Wrap(where), "ConfigError");
  for (auto& [key, value] : resolved->values) out.environment[key] = std::move(value);
  // Secrets come last in the layering, so a key any of them holds has a Secret's value.
  for (const auto& secret : resolved->secrets) {
    for (const auto& [key, value] : secret) secret_keys.insert(key);
  }
  for (auto& m : resolved->missing) {
    if (std::find(missing.begin(), missing.end(), m) == missing.end()) missing.push_back(m);
  }
  return out;
}

// The registry credentials of an image's pull secret, or none.
Result<std::optional<hostapi::ImagePullSecret>> PullSecret(
    kube::Client& client, const std::string& ns, const std::string& where, const std::string& image,
    const std::optional<api::LocalObjectReference>& secret) {
  if (!secret || secret->name.empty()) return std::optional<hostapi::ImagePullSecret>();
  // Files and staged Artifacts come from no registry.
  if (image.rfind("file://", 0) == 0 || (!image.empty() && image[0] == '/') ||
      api::IsObjectUrl(image)) {
    return std::optional<hostapi::ImagePullSecret>();
  }
  auto ref = api::ParseImageReference(image);
  if (!ref) return WithReason(ref.error().Wrap(where + ": image " + image), "ImagePullFailed");
  auto creds = ReadPullCredentials(client, ns, secret->name, ref->registry);
  if (!creds) return WithReason(creds.error().Wrap(where + ": image " + image), "ImagePullFailed");
  if (!*creds) return std::optional<hostapi::ImagePullSecret>();
  return std::optional<hostapi::ImagePullSecret>(
      hostapi::ImagePullSecret{(*creds)->username, (*creds)->password});
}

}  // namespace

Result<StartPlan> PlanStart(kube::Client& client, const api::Workload& workload) {
  const std::string& ns = workload.metadata.namespace_;
  StartPlan plan;
  hostapi::Workload& out = plan.workload;
  out.namespace_ = ns;
  out.name = workload.metadata.name;
  out.annotations = workload.metadata.annotations;
  out.annotations.erase(kWorkloadIdAnnotation);
  out.annotations[hostapi::kExtensionsAnnotation] = hostapi::kExtensionsVersion;

  for (const api::HostInterface& hi : workload.spec.host_interfaces) {
    out.wit_world.host_interfaces.push_back(
        {hi.namespace_, hi.package, hi.version, hi.interfaces, hi.config, hi.name});
  }
  for (const api::Volume& v : workload.spec.volumes) {
    hostapi::Volume volume;
    volume.name = v.name;
    if (v.host_path) {
      volume.type = hostapi::Volume::Type::kHostPath;
      volume.local_path = v.host_path->path;
    } else {
      volume.type = hostapi::Volume::Type::kEmptyDir;
    }
    out.volumes.push_back(std::move(volume));
  }

  auto note_secrets = [&plan](size_t index, const std::set<std::string>& keys) {
    for (const std::string& key : keys) plan.secret_values.emplace_back(index, key);
  };
  for (const api::Component& c : workload.spec.components) {
    const std::string where = "component " + c.name;
    const size_t index = out.wit_world.components.size();
    hostapi::Component component;
    component.name = c.name;
    component.image = c.image;
    component.image_pull_policy = PullPolicy(c.image_pull_policy);
    component.pool_size = c.pool_size.value_or(0);
    component.max_invocations = static_cast<int32_t>(
        std::min<int64_t>(c.max_invocations.value_or(0), std::numeric_limits<int32_t>::max()));
    component.max_concurrency = c.max_concurrency.value_or(0);
    std::set<std::string> secret_keys;
    WCLOUD_ASSIGN_OR_RETURN(component.local_resources, Resolve(client, ns, where, c.local_resources,
                                                               secret_keys, plan.missing));
    note_secrets(index, secret_keys);
    WCLOUD_ASSIGN_OR_RETURN(component.image_pull_secret,
                            PullSecret(client, ns, where, c.image, c.image_pull_secret));
    if (component.image_pull_secret) plan.pull_passwords.push_back(index);
    out.wit_world.components.push_back(std::move(component));
  }
  if (const auto& s = workload.spec.service) {
    const size_t index = out.wit_world.components.size();
    hostapi::Service service;
    service.image = s->image;
    service.image_pull_policy = PullPolicy(s->image_pull_policy);
    service.max_restarts = static_cast<uint64_t>(std::max(0, s->max_restarts.value_or(0)));
    std::set<std::string> secret_keys;
    WCLOUD_ASSIGN_OR_RETURN(
        service.local_resources,
        Resolve(client, ns, "service", s->local_resources, secret_keys, plan.missing));
    note_secrets(index, secret_keys);
    WCLOUD_ASSIGN_OR_RETURN(service.image_pull_secret,
                            PullSecret(client, ns, "service", s->image, s->image_pull_secret));
    if (service.image_pull_secret) plan.pull_passwords.push_back(index);
    out.service = std::move(service);
  }
  plan.revision =
      Sha256Hex(hostapi::Encode(hostapi::WorkloadStartRequest{out, ""}).dump()).substr(0, 10);
  return plan;
}

Result<hostapi::WorkloadStartRequest> MakeStartRequest(const StartPlan& plan,
                                                       const std::string& workload_id,
                                                       const std::string& seal_key) {
  hostapi::WorkloadStartRequest request{plan.workload, workload_id};
  if (seal_key.empty()) return request;
  auto& components = request.workload.wit_world.components;
  auto resources = [&](size_t index) -> hostapi::LocalResources& {
    return index < components.size() ? components[index].local_resources
                                     : request.workload.service->local_resources;
  };
  auto seal = [&](std::string& value) -> Status {
    WCLOUD_ASSIGN_OR_RETURN(value, hostapi::Seal(seal_key, value, workload_id));
    return Ok();
  };
  for (const auto& [index, key] : plan.secret_values) {
    WCLOUD_TRY_STATUS(seal(resources(index).environment[key]));
  }
  for (size_t index : plan.pull_passwords) {
    auto& secret = index < components.size() ? components[index].image_pull_secret
                                             : request.workload.service->image_pull_secret;
    WCLOUD_TRY_STATUS(seal(secret->password));
  }
  return request;
}

}  // namespace wcloud::operator_
