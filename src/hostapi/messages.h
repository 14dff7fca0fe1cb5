// The messages of the host protocol between an operator and its hosts, as wasmCloud v2 defines
// them (package wasmcloud.runtime.v2; ../shared/spec/host-protocol.md): what a host is told to
// run — a self-contained Workload, its images, resolved config and credentials — and what it
// reports back. Plain values; codec.h puts them on the wire as proto3 JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace wcloud::hostapi {

using StringMap = std::map<std::string, std::string>;

struct WitInterface {
  std::string namespace_;
  std::string package;
  std::string version;
  std::vector<std::string> interfaces;
  StringMap config;
  std::string name;  // which entry an identifier like store::open("name") reaches
  bool operator==(const WitInterface&) const = default;
};

struct HostHeartbeat {
  std::string id;  // the host's NKey ("N…")
  std::string hostname;
  std::string friendly_name;
  std::string version;
  StringMap labels;        // always with "hostgroup"
  std::string started_at;  // RFC 3339
  std::string os_arch;
  std::string os_name;
  std::string os_kernel;
  float system_cpu_usage = 0;
  uint64_t system_memory_total = 0;
  uint64_t system_memory_free = 0;
  uint64_t component_count = 0;
  uint64_t workload_count = 0;
  std::vector<WitInterface> imports;
  std::vector<WitInterface> exports;
  uint32_t http_port = 0;
  std::string environment;
  bool operator==(const HostHeartbeat&) const = default;
};

enum class ImagePullPolicy { kUnspecified, kAlways, kIfNotPresent, kNever };

struct ImagePullSecret {
  std::string username;
  std::string password;
  bool operator==(const ImagePullSecret&) const = default;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
  bool read_only = false;
  bool operator==(const VolumeMount&) const = default;
};

struct LocalResources {
  int32_t memory_limit_mb = 0;
  int32_t cpu_limit = 0;
  StringMap config;
  StringMap environment;
  std::vector<VolumeMount> volume_mounts;
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_ip_name_lookups;
  std::vector<std::string> allowed_host_loopback_ports;
  bool operator==(const LocalResources&) const = default;
};

struct Component {
  std::string name;
  std::string image;
  LocalResources local_resources;
  int32_t pool_size = 0;
  int32_t max_invocations = 0;
  int32_t max_concurrency = 0;
  std::optional<ImagePullSecret> image_pull_secret;
  ImagePullPolicy image_pull_policy = ImagePullPolicy::kUnspecified;
  bool operator==(const Component&) const = default;
};

struct Service {
  std::string image;
  LocalResources local_resources;
  uint64_t max_restarts = 0;
  std::optional<ImagePullSecret> image_pull_secret;
  ImagePullPolicy image_pull_policy = ImagePullPolicy::kUnspecified;
  bool operator==(const Service&) const = default;
};

struct Volume {
  std::string name;
  enum class Type { kNone, kHostPath, kEmptyDir };
  Type type = Type::kNone;
  std::string local_path;  // with kHostPath
  bool operator==(const Volume&) const = default;
};

struct WitWorld {
  std::vector<Component> components;
  std::vector<WitInterface> host_interfaces;
  bool operator==(const WitWorld&) const = default;
};

struct Workload {
  std::string namespace_;
  std::string name;
  StringMap annotations;
  std::optional<Service> service;
  WitWorld wit_world;
  std::vector<Volume> volumes;
  bool operator==(const Workload&) const = default;
};

struct WorkloadStartRequest {
  Workload workload;
  std::string workload_id;
  bool operator==(const WorkloadStartRequest&) const = default;
};

// The request of workload.status and workload.stop.
struct WorkloadIdRequest {
  std::string workload_id;
  bool operator==(const WorkloadIdRequest&) const = default;
};

enum class WorkloadState {
  kUnspecified,
  kStarting,
  kRunning,
  kCompleted,
  kStopping,
  kError,
  kNotFound,
};

// The Workload annotation by which our operator says, in each start request, that it reads
// wcloud's extensions of the answers (such as "serviceStatus"). wasmCloud's operator decodes
// answers with protojson's defaults, which refuse unknown fields, so a host adds them only for
// workloads started with this annotation; wasmCloud's hosts keep annotations as they are.
inline constexpr char kExtensionsAnnotation[] = "wcloud.dev/protocol-extensions";
inline constexpr char kExtensionsVersion[] = "1";

// wcloud's extension of WorkloadStatus ("serviceStatus", sent only for a workload with a
// service started by an operator that asked for extensions, kExtensionsAnnotation, so wasmCloud's
// peers see their messages unchanged): where the service is —
// phase "Running", "BackOff" (waiting to restart), "Completed" or "Failed" — and how often it
// was restarted.
struct ServiceStatus {
  std::string phase;
  uint64_t restarts = 0;
  std::string message;
  bool operator==(const ServiceStatus&) const = default;
};

// wcloud's extension of WorkloadStatus ("guestFailures", sent only to an operator that asked for
// extensions and only once something failed): requests the workload's guests failed since it
// started on this host — a trap (500; `memory_limit` of them with the guest's memory at its cap)
// or the request deadline (504) — and the last one.
struct GuestFailures {
  uint64_t traps = 0;
  uint64_t deadline_exceeded = 0;
  uint64_t memory_limit = 0;
  std::string last_time = {};     // RFC 3339
  std::string last_message = {};  // "component hello: GET /: …"
  bool operator==(const GuestFailures&) const = default;
};

// What every workload command answers ({"workloadStatus": …} on the wire).
struct WorkloadStatus {
  std::string workload_id;
  WorkloadState state = WorkloadState::kUnspecified;
  std::string message;
  std::optional<ServiceStatus> service = {};
  std::optional<GuestFailures> guest_failures = {};
  bool operator==(const WorkloadStatus&) const = default;
};

// wcloud's extension (runtime.host.<hostId>.workload.list, {"workloadIds": [...]}): the IDs a
// host runs, so an operator that restarted can stop what is no longer assigned to it. Asked only
// of hosts that advertise a seal key (ours); wasmCloud's would log an unknown command.
struct WorkloadList {
  std::vector<std::string> workload_ids;
  bool operator==(const WorkloadList&) const = default;
};

// wcloud's extension (runtime.host.<hostId>.workload.logs): the lines a workload's components
// wrote (stdout, stderr, wasi:logging), from the ring its host keeps (host/log_ring.h).
// Following is repeated requests, each after the last sequence seen, which the host holds
// for up to `waitMillis` (capped by the host) until a line comes.
struct WorkloadLogsRequest {
  std::string workload_id = {};
  std::string component = {};   // empty: every component
  std::string since_time = {};  // RFC 3339; empty: from the oldest line kept
  uint64_t tail_lines = 0;      // the last N lines; 0: all
  uint64_t after_sequence = 0;  // lines after this one
  uint32_t wait_millis = 0;     // when none is there yet, wait this long for one
  bool operator==(const WorkloadLogsRequest&) const = default;
};

struct WorkloadLogEntry {
  uint64_t sequence = 0;
  std::string time = {};  // RFC 3339 with microseconds
  std::string component = {};
  std::string stream = {};   // "stdout", "stderr", "log" (wasi:logging)
  std::string level = {};    // wasi:logging's ("info")
  std::string context = {};  // wasi:logging's
  std::string text = {};
  bool operator==(const WorkloadLogEntry&) const = default;
};

struct WorkloadLogs {
  bool found = false;  // the host runs the workload
  std::vector<WorkloadLogEntry> entries;
  uint64_t last_sequence = 0;  // ask after this one next
  bool more = false;           // cut to fit one message: ask again at once
  bool ended = false;          // the workload stopped: no more lines will come
  std::string error;           // the request could not be served (a bad sinceTime, say)
  bool operator==(const WorkloadLogs&) const = default;
};

}  // namespace wcloud::hostapi
