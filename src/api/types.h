// The five kinds of runtime.wasmcloud.dev/v1alpha1. Field names follow the JSON names in
// snake_case; the codec (codec.cc) holds the one description of each type that decoding,
// encoding, defaults and the CRD schemas share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "api/object_meta.h"

namespace wcloud::api {

inline constexpr char kGroup[] = "runtime.wasmcloud.dev";
inline constexpr char kVersion[] = "v1alpha1";
inline constexpr char kApiVersion[] = "runtime.wasmcloud.dev/v1alpha1";

// An int or a percentage string ("25%"), like Kubernetes' IntOrString.
struct IntOrString {
  std::variant<int64_t, std::string> value;
  bool is_int() const { return std::holds_alternative<int64_t>(value); }
  bool operator==(const IntOrString&) const = default;
};

// ---- Artifact ----

struct ArtifactSpec {
  std::string image;
  std::optional<LocalObjectReference> image_pull_secret;
  bool operator==(const ArtifactSpec&) const = default;
};

struct ArtifactStatus {
  std::string artifact_url;
  std::string digest;
  std::optional<int64_t> revision;
  std::optional<int64_t> observed_generation;
  std::vector<Condition> conditions;
  bool operator==(const ArtifactStatus&) const = default;
};

// ---- Host ----

struct HostSpec {
  std::string host_id;
  std::string hostname;
  std::optional<int32_t> http_port;
  bool operator==(const HostSpec&) const = default;
};

struct HostStatus {
  std::string last_seen;
  std::string started_at;
  std::string version;
  std::string os;
  std::string arch;
  std::string kernel;
  std::optional<int32_t> cpu_cores;
  std::optional<int32_t> cpu_usage_percent;
  std::optional<int64_t> memory_total_bytes;
  std::optional<int64_t> memory_available_bytes;
  std::optional<int32_t> workload_count;
  std::optional<int32_t> component_count;
  std::vector<std::string> interfaces;  // "wasi:http/incoming-handler@0.2.x"
  std::vector<Condition> conditions;
  bool operator==(const HostStatus&) const = default;
};

// ---- Workload ----

struct EnvironmentSource {
  StringMap config;
  std::vector<LocalObjectReference> config_from;  // ConfigMaps
  std::vector<LocalObjectReference> secret_from;  // Secrets
  bool operator==(const EnvironmentSource&) const = default;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  std::optional<bool> read_only;
  bool operator==(const VolumeMount&) const = default;
};

struct LocalResources {
  std::optional<EnvironmentSource> environment;
  StringMap config;
  std::vector<std::string> allowed_hosts;
  std::vector<VolumeMount> volume_mounts;
  // Caps each linear memory of each instance (unset: the host's default, --max-memory-mb).
  std::optional<int32_t> memory_limit_mb;
  // CPUs the component may use at once: each request runs on one, so at most this many run at
  // once (with maxConcurrency, the lower of the two).
  std::optional<int32_t> cpu_limit;
  bool operator==(const LocalResources&) const = default;
};

struct Component {
  std::string name;
  std::string image;
  std::optional<LocalObjectReference> image_pull_secret;
  std::string image_pull_policy;  // Always, IfNotPresent, Never
  std::optional<int32_t> pool_size;
  std::optional<int64_t> max_invocations;
  std::optional<int32_t> max_concurrency;
  std::optional<LocalResources> local_resources;
  bool operator==(const Component&) const = default;
};

struct HostInterface {
  std::string name;  // optional: routes store::open("<name>") to this entry
  std::string namespace_;
  std::string package;
  std::vector<std::string> interfaces;
  std::string version;
  StringMap config;
  bool operator==(const HostInterface&) const = default;
};

struct EphemeralVolume {
  bool operator==(const EphemeralVolume&) const = default;
};

struct HostPathVolume {
  std::string path;
  bool operator==(const HostPathVolume&) const = default;
};

struct Volume {
  std::string name;
  std::optional<EphemeralVolume> ephemeral;
  std::optional<HostPathVolume> host_path;
  bool operator==(const Volume&) const = default;
};

// A long-running wasi:cli/run component beside the workload's components.
struct Service {
  std::string image;
  std::optional<LocalObjectReference> image_pull_secret;
  std::string image_pull_policy;
  std::optional<int32_t> max_restarts;
  std::optional<LocalResources> local_resources;
  bool operator==(const Service&) const = default;
};

struct WorkloadSpec {
  StringMap host_selector;
  std::string host_id;  // pins the workload to one host
  std::vector<Component> components;
  std::vector<HostInterface> host_interfaces;
  std::vector<Volume> volumes;
  std::optional<Service> service;
  bool operator==(const WorkloadSpec&) const = default;
};

// Requests the workload's guests failed on its host (wcloud's; as the host reports them).
struct GuestFailures {
  int64_t traps = 0;              // a trap, answered 500
  int64_t deadline_exceeded = 0;  // past the request deadline, answered 504
  int64_t memory_limit = 0;       // of the traps, those with the guest's memory at its cap
  std::string last_failure_time;
  std::string last_failure_message;
  bool operator==(const GuestFailures&) const = default;
};

struct WorkloadStatus {
  std::string host_id;
  std::string phase;
  std::optional<int64_t> observed_generation;
  std::vector<Condition> conditions;
  std::optional<int64_t> service_restarts;  // how often the host restarted spec.service
  std::optional<GuestFailures> guest_failures;
  bool operator==(const WorkloadStatus&) const = default;
};

struct WorkloadTemplate {
  std::optional<TemplateMetadata> metadata;
  WorkloadSpec spec;
  bool operator==(const WorkloadTemplate&) const = default;
};

// ---- WorkloadReplicaSet ----

struct WorkloadReplicaSetSpec {
  std::optional<int32_t> replicas;
  WorkloadTemplate template_;
  bool operator==(const WorkloadReplicaSetSpec&) const = default;
};

struct WorkloadReplicaSetStatus {
  std::optional<int32_t> replicas;
  std::optional<int32_t> ready_replicas;
  std::optional<int32_t> available_replicas;
  std::optional<int64_t> observed_generation;
  std::string selector;  // label selector of the Workloads, for /scale
  std::vector<Condition> conditions;
  bool operator==(const WorkloadReplicaSetStatus&) const = default;
};

// ---- WorkloadDeployment ----

struct RollingUpdate {
  std::optional<IntOrString> max_surge;
  std::optional<IntOrString> max_unavailable;
  bool operator==(const RollingUpdate&) const = default;
};

struct ArtifactFrom {
  std::string name;  // a component of the template
  LocalObjectReference artifact_from;
  bool operator==(const ArtifactFrom&) const = default;
};

struct WorkloadDeploymentSpec {
  std::optional<int32_t> replicas;
  std::string deploy_policy;  // RollingUpdate or Recreate
  std::optional<RollingUpdate> rolling_update;
  std::optional<int32_t> revision_history_limit;
  std::vector<ArtifactFrom> artifacts;
  WorkloadTemplate template_;
  bool operator==(const WorkloadDeploymentSpec&) const = default;
};

struct WorkloadDeploymentStatus {
  std::optional<int32_t> replicas;
  std::optional<int32_t> updated_replicas;
  std::optional<int32_t> ready_replicas;
  std::optional<int32_t> available_replicas;
  std::optional<int64_t> observed_generation;
  std::string selector;
  std::vector<Condition> conditions;
  bool operator==(const WorkloadDeploymentStatus&) const = default;
};

// ---- the objects ----

template <typename Spec, typename Status>
struct Object {
  std::string api_version = kApiVersion;
  std::string kind;
  ObjectMeta metadata;
  Spec spec;
  Status status;
  bool operator==(const Object&) const = default;
};

struct Artifact : Object<ArtifactSpec, ArtifactStatus> {
  Artifact() { kind = "Artifact"; }
};
struct Host : Object<HostSpec, HostStatus> {
  Host() { kind = "Host"; }
};
struct Workload : Object<WorkloadSpec, WorkloadStatus> {
  Workload() { kind = "Workload"; }
};
struct WorkloadReplicaSet : Object<WorkloadReplicaSetSpec, WorkloadReplicaSetStatus> {
  WorkloadReplicaSet() { kind = "WorkloadReplicaSet"; }
};
struct WorkloadDeployment : Object<WorkloadDeploymentSpec, WorkloadDeploymentStatus> {
  WorkloadDeployment() { kind = "WorkloadDeployment"; }
};

using AnyObject = std::variant<Artifact, Host, Workload, WorkloadReplicaSet, WorkloadDeployment>;

// The kind and metadata of whichever object `o` holds.
const std::string& KindOf(const AnyObject& o);
const ObjectMeta& MetaOf(const AnyObject& o);
ObjectMeta& MetaOf(AnyObject& o);

}  // namespace wcloud::api
