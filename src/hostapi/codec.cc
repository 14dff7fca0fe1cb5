#include "hostapi/codec.h"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>

namespace wcloud::hostapi {
namespace {

constexpr std::array<std::string_view, 7> kStates = {
    "WORKLOAD_STATE_UNSPECIFIED", "WORKLOAD_STATE_STARTING", "WORKLOAD_STATE_RUNNING",
    "WORKLOAD_STATE_COMPLETED",   "WORKLOAD_STATE_STOPPING", "WORKLOAD_STATE_ERROR",
    "WORKLOAD_STATE_NOT_FOUND"};
constexpr std::array<std::string_view, 4> kPullPolicies = {
    "IMAGE_PULL_POLICY_UNSPECIFIED", "IMAGE_PULL_POLICY_ALWAYS", "IMAGE_PULL_POLICY_IF_NOT_PRESENT",
    "IMAGE_PULL_POLICY_NEVER"};

// ---- writing: defaults are left out, as proto3 JSON writers do ----

void Put(Json& o, const char* key, const std::string& v) {
  if (!v.empty()) o[key] = v;
}
template <typename Int>
void PutInt(Json& o, const char* key, Int v) {
  if (v != 0) o[key] = v;
}
// 64-bit integers are strings in proto3 JSON.
void PutU64(Json& o, const char* key, uint64_t v) {
  if (v != 0) o[key] = std::to_string(v);
}
void Put(Json& o, const char* key, bool v) {
  if (v) o[key] = true;
}
void Put(Json& o, const char* key, const StringMap& v) {
  if (!v.empty()) o[key] = v;
}
void Put(Json& o, const char* key, const std::vector<std::string>& v) {
  if (!v.empty()) o[key] = v;
}
void PutObject(Json& o, const char* key, const Json& v) {
  if (!v.empty()) o[key] = v;
}
template <typename T, typename F>
void PutList(Json& o, const char* key, const std::vector<T>& items, F encode) {
  if (items.empty()) return;
  Json list = Json::array();
  for (const T& item : items) list.push_back(encode(item));
  o[key] = std::move(list);
}

Json EncodeInterface(const WitInterface& w) {
  Json o = Json::object();
  Put(o, "namespace", w.namespace_);
  Put(o, "package", w.package);
  Put(o, "version", w.version);
  Put(o, "interfaces", w.interfaces);
  Put(o, "config", w.config);
  Put(o, "name", w.name);
  return o;
}

Json EncodeResources(const LocalResources& r) {
  Json o = Json::object();
  PutInt(o, "memoryLimitMb", r.memory_limit_mb);
  PutInt(o, "cpuLimit", r.cpu_limit);
  Put(o, "config", r.config);
  Put(o, "environment", r.environment);
  PutList(o, "volumeMounts", r.volume_mounts, [](const VolumeMount& m) {
    Json v = Json::object();
    Put(v, "name", m.name);
    Put(v, "mountPath", m.mount_path);
    Put(v, "readOnly", m.read_only);
    return v;
  });
  Put(o, "allowedHosts", r.allowed_hosts);
  Put(o, "allowedIpNameLookups", r.allowed_ip_name_lookups);
  Put(o, "allowedHostLoopbackPorts", r.allowed_host_loopback_ports);
  return o;
}

Json EncodeSecret(const ImagePullSecret& s) {
  Json o = Json::object();
  Put(o, "username", s.username);
  Put(o, "password", s.password);
  return o;
}

void PutPolicy(Json& o, ImagePullPolicy p) {
  if (p != ImagePullPolicy::kUnspecified)
    o["imagePullPolicy"] = kPullPolicies[static_cast<size_t>(p)];
}

Json EncodeComponent(const Component& c) {
  Json o = Json::object();
  Put(o, "image", c.image);
  PutObject(o, "localResources", EncodeResources(c.local_resources));
  PutInt(o, "poolSize", c.pool_size);
  PutInt(o, "maxInvocations", c.max_invocations);
  if (c.image_pull_secret) o["imagePullSecret"] = EncodeSecret(*c.image_pull_secret);
  Put(o, "name", c.name);
  PutPolicy(o, c.image_pull_policy);
  PutInt(o, "maxConcurrency", c.max_concurrency);
  return o;
}

Json EncodeWorkload(const Workload& w) {
  Json o = Json::object();
  Put(o, "namespace", w.namespace_);
  Put(o, "name", w.name);
  Put(o, "annotations", w.annotations);
  if (w.service) {
    const Service& s = *w.service;
    Json service = Json::object();
    Put(service, "image", s.image);
    PutObject(service, "localResources", EncodeResources(s.local_resources));
    PutU64(service, "maxRestarts", s.max_restarts);
    if (s.image_pull_secret) service["imagePullSecret"] = EncodeSecret(*s.image_pull_secret);
    PutPolicy(service, s.image_pull_policy);
    o["service"] = std::move(service);
  }
  Json world = Json::object();
  PutList(world, "components", w.wit_world.components, EncodeComponent);
  PutList(world, "hostInterfaces", w.wit_world.host_interfaces, EncodeInterface);
  o["witWorld"] = std::move(world);
  PutList(o, "volumes", w.volumes, [](const Volume& v) {
    Json out = Json::object();
    Put(out, "name", v.name);
    if (v.type == Volume::Type::kHostPath) {
      Json host_path = Json::object();
      Put(host_path, "localPath", v.local_path);
      out["hostPath"] = std::move(host_path);
    } else if (v.type == Volume::Type::kEmptyDir) {
      out["emptyDir"] = Json::object();
    }
    return out;
  });
  return o;
}

// ---- reading: every field optional, wrong types named by path ----

class Reader {
 public:
  Reader(const Json& object, std::string path) : o_(object), path_(std::move(path)) {}

  Status Check() const {
    if (o_.is_null() || o_.is_object()) return Ok();
    return Fail("", "expected an object");
  }
  std::string Path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  const Json* Field(const char* key) const {
    if (!o_.is_object()) return nullptr;
    auto it = o_.find(key);
    return it == o_.end() || it->is_null() ? nullptr : &*it;
  }
  Error Fail(const char* key, const std::string& what) const {
    const std::string where = *key ? Path(key) : (path_.empty() ? "message" : path_);
    return Error(where + ": " + what, ErrorCode::kInvalidArgument);
  }

  Status Str(const char* key, std::string& out) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (!v->is_string()) return Fail(key, "expected a string");
    out = v->get<std::string>();
    return Ok();
  }
  Status Bool(const char* key, bool& out) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (!v->is_boolean()) return Fail(key, "expected true or false");
    out = v->get<bool>();
    return Ok();
  }
  // Integers come as numbers or decimal strings.
  template <typename Int>
  Status Integer(const char* key, Int& out) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (v->is_number_integer()) {
      if (v->is_number_unsigned()) {
        const uint64_t u = v->get<uint64_t>();
        if (u > static_cast<uint64_t>(std::numeric_limits<Int>::max())) {
          return Fail(key, "out of range");
        }
        out = static_cast<Int>(u);
        return Ok();
      }
      const int64_t i = v->get<int64_t>();
      if (i < static_cast<int64_t>(std::numeric_limits<Int>::min()) ||
          (i > 0 &&
           static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<Int>::max()))) {
        return Fail(key, "out of range");
      }
      out = static_cast<Int>(i);
      return Ok();
    }
    if (v->is_string()) {
      const std::string& s = v->get_ref<const std::string&>();
      Int parsed{};
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), parsed);
      if (ec != std::errc() || end != s.data() + s.size()) {
        return Fail(key, "expected an integer, got \"" + s + "\"");
      }
      out = parsed;
      return Ok();
    }
    return Fail(key, "expected an integer");
  }
  Status Float(const char* key, float& out) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (!v->is_number()) return Fail(key, "expected a number");
    out = v->get<float>();
    return Ok();
  }
  Status Map(const char* key, StringMap& out) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (!v->is_object()) return Fail(key, "expected an object of strings");
    for (const auto& [k, value] : v->items()) {
      if (!value.is_string()) return Fail(key, "[" + k + "]: expected a string");
      out[k] = value.get<std::string>();
    }
    return Ok();
  }
  Status Strings(const char* key, std::vector<std::string>& out) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (!v->is_array()) return Fail(key, "expected a list of strings");
    for (size_t i = 0; i < v->size(); ++i) {
      if (!(*v)[i].is_string()) return Fail(key, "[" + std::to_string(i) + "]: expected a string");
      out.push_back((*v)[i].get<std::string>());
    }
    return Ok();
  }
  // Enums come by name, or by number.
  template <typename E, size_t N>
  Status Enum(const char* key, const std::array<std::string_view, N>& names, E& out) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (v->is_string()) {
      for (size_t i = 0; i < N; ++i) {
        if (names[i] == v->get_ref<const std::string&>()) {
          out = static_cast<E>(i);
          return Ok();
        }
      }
      return Fail(key, "unknown value \"" + v->get<std::string>() + "\"");
    }
    if (v->is_number_integer() && v->get<int64_t>() >= 0 && v->get<int64_t>() < int64_t(N)) {
      out = static_cast<E>(v->get<int64_t>());
      return Ok();
    }
    return Fail(key, "expected one of " + std::string(names[0]) + "…");
  }
  template <typename T, typename F>
  Status List(const char* key, std::vector<T>& out, F decode) const {
    const Json* v = Field(key);
    if (!v) return Ok();
    if (!v->is_array()) return Fail(key, "expected a list");
    for (size_t i = 0; i < v->size(); ++i) {
      T item;
      WCLOUD_TRY_STATUS(decode(Reader((*v)[i], Path(key) + "[" + std::to_string(i) + "]"), item));
      out.push_back(std::move(item));
    }
    return Ok();
  }
  // A nested message that may be absent.
  template <typename T, typename F>
  Status Optional(const char* key, std::optional<T>& out, F decode) const {
    if (!Field(key)) return Ok();
    return Message(key, out.emplace(), decode);
  }
  // A nested message; `present` tells whether it was there.
  template <typename T, typename F>
  Status Message(const char* key, T& out, F decode, bool* present = nullptr) const {
    const Json* v = Field(key);
    if (present) *present = v != nullptr;
    if (!v) return Ok();
    return decode(Reader(*v, Path(key)), out);
  }

 private:
  const Json& o_;
  std::string path_;
};

Status DecodeInterface(const Reader& r, WitInterface& w) {
  WCLOUD_TRY_STATUS(r.Check());
  WCLOUD_TRY_STATUS(r.Str("namespace", w.namespace_));
  WCLOUD_TRY_STATUS(r.Str("package", w.package));
  WCLOUD_TRY_STATUS(r.Str("version", w.version));
  WCLOUD_TRY_STATUS(r.Strings("interfaces", w.interfaces));
  WCLOUD_TRY_STATUS(r.Map("config", w.config));
  return r.Str("name", w.name);
}

Status DecodeResources(const Reader& r, LocalResources& l) {
  WCLOUD_TRY_STATUS(r.Check());
  WCLOUD_TRY_STATUS(r.Integer("memoryLimitMb", l.memory_limit_mb));
  WCLOUD_TRY_STATUS(r.Integer("cpuLimit", l.cpu_limit));
  WCLOUD_TRY_STATUS(r.Map("config", l.config));
  WCLOUD_TRY_STATUS(r.Map("environment", l.environment));
  WCLOUD_TRY_STATUS(
      r.List("volumeMounts", l.volume_mounts, [](const Reader& m, VolumeMount& v) -> Status {
        WCLOUD_TRY_STATUS(m.Check());
        WCLOUD_TRY_STATUS(m.Str("name", v.name));
        WCLOUD_TRY_STATUS(m.Str("mountPath", v.mount_path));
        return m.Bool("readOnly", v.read_only);
      }));
  WCLOUD_TRY_STATUS(r.Strings("allowedHosts", l.allowed_hosts));
  WCLOUD_TRY_STATUS(r.Strings("allowedIpNameLookups", l.allowed_ip_name_lookups));
  return r.Strings("allowedHostLoopbackPorts", l.allowed_host_loopback_ports);
}

Status DecodeSecret(const Reader& r, ImagePullSecret& s) {
  WCLOUD_TRY_STATUS(r.Check());
  WCLOUD_TRY_STATUS(r.Str("username", s.username));
  return r.Str("password", s.password);
}

Status DecodeComponent(const Reader& r, Component& c) {
  WCLOUD_TRY_STATUS(r.Check());
  WCLOUD_TRY_STATUS(r.Str("image", c.image));
  WCLOUD_TRY_STATUS(r.Message("localResources", c.local_resources, DecodeResources));
  WCLOUD_TRY_STATUS(r.Integer("poolSize", c.pool_size));
  WCLOUD_TRY_STATUS(r.Integer("maxInvocations", c.max_invocations));
  WCLOUD_TRY_STATUS(r.Optional("imagePullSecret", c.image_pull_secret, DecodeSecret));
  WCLOUD_TRY_STATUS(r.Str("name", c.name));
  WCLOUD_TRY_STATUS(r.Enum("imagePullPolicy", kPullPolicies, c.image_pull_policy));
  return r.Integer("maxConcurrency", c.max_concurrency);
}

Status DecodeService(const Reader& r, Service& s) {
  WCLOUD_TRY_STATUS(r.Check());
  WCLOUD_TRY_STATUS(r.Str("image", s.image));
  WCLOUD_TRY_STATUS(r.Message("localResources", s.local_resources, DecodeResources));
  WCLOUD_TRY_STATUS(r.Integer("maxRestarts", s.max_restarts));
  WCLOUD_TRY_STATUS(r.Optional("imagePullSecret", s.image_pull_secret, DecodeSecret));
  return r.Enum("imagePullPolicy", kPullPolicies, s.image_pull_policy);
}

Status DecodeWorkload(const Reader& r, Workload& w) {
  WCLOUD_TRY_STATUS(r.Check());
  WCLOUD_TRY_STATUS(r.Str("namespace", w.namespace_));
  WCLOUD_TRY_STATUS(r.Str("name", w.name));
  WCLOUD_TRY_STATUS(r.Map("annotations", w.annotations));
  WCLOUD_TRY_STATUS(r.Optional("service", w.service, DecodeService));
  WCLOUD_TRY_STATUS(
      r.Message("witWorld", w.wit_world, [](const Reader& world, WitWorld& out) -> Status {
        WCLOUD_TRY_STATUS(world.Check());
        WCLOUD_TRY_STATUS(world.List("components", out.components, DecodeComponent));
        return world.List("hostInterfaces", out.host_interfaces, DecodeInterface);
      }));
  return r.List("volumes", w.volumes, [](const Reader& v, Volume& out) -> Status {
    WCLOUD_TRY_STATUS(v.Check());
    WCLOUD_TRY_STATUS(v.Str("name", out.name));
    bool host_path = false, empty_dir = false;
    WCLOUD_TRY_STATUS(v.Message(
        "hostPath", out.local_path,
        [](const Reader& h, std::string& path) -> Status {
          WCLOUD_TRY_STATUS(h.Check());
          return h.Str("localPath", path);
        },
        &host_path));
    WCLOUD_TRY_STATUS(v.Message(
        "emptyDir", empty_dir, [](const Reader& e, bool&) -> Status { return e.Check(); },
        &empty_dir));
    if (host_path && empty_dir) return Status(v.Fail("", "both hostPath and emptyDir"));
    out.type = host_path   ? Volume::Type::kHostPath
               : empty_dir ? Volume::Type::kEmptyDir
                           : Volume::Type::kNone;
    return Ok();
  });
}

Status DecodeStatus(const Reader& r, WorkloadStatus& s) {
  WCLOUD_TRY_STATUS(r.Check());
  WCLOUD_TRY_STATUS(r.Str("workloadId", s.workload_id));
  WCLOUD_TRY_STATUS(r.Enum("workloadState", kStates, s.state));
  WCLOUD_TRY_STATUS(r.Str("message", s.message));
  WCLOUD_TRY_STATUS(
      r.Optional("serviceStatus", s.service, [](const Reader& v, ServiceStatus& out) -> Status {
        WCLOUD_TRY_STATUS(v.Check());
        WCLOUD_TRY_STATUS(v.Str("phase", out.phase));
        WCLOUD_TRY_STATUS(v.Integer("restarts", out.restarts));
        return v.Str("message", out.message);
      }));
  return r.Optional("guestFailures", s.guest_failures,
                    [](const Reader& v, GuestFailures& out) -> Status {
                      WCLOUD_TRY_STATUS(v.Check());
                      WCLOUD_TRY_STATUS(v.Integer("traps", out.traps));
                      WCLOUD_TRY_STATUS(v.Integer("deadlineExceeded", out.deadline_exceeded));
                      WCLOUD_TRY_STATUS(v.Integer("memoryLimit", out.memory_limit));
                      WCLOUD_TRY_STATUS(v.Str("lastTime", out.last_time));
                      return v.Str("lastMessage", out.last_message);
                    });
}

template <typename T, typename F>
Result<T> DecodeTop(const Json& json, F decode) {
  T out;
  WCLOUD_TRY_STATUS(decode(Reader(json, ""), out));
  return out;
}

}  // namespace

std::string_view WorkloadStateName(WorkloadState state) {
  return kStates[static_cast<size_t>(state)];
}

Json Encode(const HostHeartbeat& h) {
  Json o = Json::object();
  Put(o, "id", h.id);
  Put(o, "hostname", h.hostname);
  Put(o, "friendlyName", h.friendly_name);
  Put(o, "version", h.version);
  Put(o, "labels", h.labels);
  Put(o, "startedAt", h.started_at);
  Put(o, "osArch", h.os_arch);
  Put(o, "osName", h.os_name);
  Put(o, "osKernel", h.os_kernel);
  if (h.system_cpu_usage != 0) o["systemCpuUsage"] = h.system_cpu_usage;
  PutU64(o, "systemMemoryTotal", h.system_memory_total);
  PutU64(o, "systemMemoryFree", h.system_memory_free);
  PutU64(o, "componentCount", h.component_count);
  PutU64(o, "workloadCount", h.workload_count);
  PutList(o, "imports", h.imports, EncodeInterface);
  PutList(o, "exports", h.exports, EncodeInterface);
  PutInt(o, "httpPort", h.http_port);
  Put(o, "environment", h.environment);
  return o;
}

Json Encode(const WorkloadStartRequest& request) {
  Json o = Json::object();
  o["workload"] = EncodeWorkload(request.workload);
  Put(o, "workloadId", request.workload_id);
  return o;
}

Json Encode(const WorkloadIdRequest& request) {
  Json o = Json::object();
  Put(o, "workloadId", request.workload_id);
  return o;
}

Json Encode(const WorkloadStatus& status) {
  Json s = Json::object();
  Put(s, "workloadId", status.workload_id);
  if (status.state != WorkloadState::kUnspecified)
    s["workloadState"] = WorkloadStateName(status.state);
  Put(s, "message", status.message);
  if (status.service) {
    Json service = Json::object();
    Put(service, "phase", status.service->phase);
    PutU64(service, "restarts", status.service->restarts);
    Put(service, "message", status.service->message);
    s["serviceStatus"] = std::move(service);
  }
  if (status.guest_failures) {
    Json failures = Json::object();
    PutU64(failures, "traps", status.guest_failures->traps);
    PutU64(failures, "deadlineExceeded", status.guest_failures->deadline_exceeded);
    PutU64(failures, "memoryLimit", status.guest_failures->memory_limit);
    Put(failures, "lastTime", status.guest_failures->last_time);
    Put(failures, "lastMessage", status.guest_failures->last_message);
    s["guestFailures"] = std::move(failures);
  }
  return Json{{"workloadStatus", std::move(s)}};
}

Json Encode(const WorkloadList& list) {
  Json o = Json::object();
  Put(o, "workloadIds", list.workload_ids);
  return o;
}

Json Encode(const WorkloadLogsRequest& request) {
  Json o = Json::object();
  Put(o, "workloadId", request.workload_id);
  Put(o, "component", request.component);
  Put(o, "sinceTime", request.since_time);
  PutU64(o, "tailLines", request.tail_lines);
  PutU64(o, "afterSequence", request.after_sequence);
  PutInt(o, "waitMillis", request.wait_millis);
  return o;
}

Json Encode(const WorkloadLogs& logs) {
  Json o = Json::object();
  Put(o, "found", logs.found);
  PutList(o, "entries", logs.entries, [](const WorkloadLogEntry& e) {
    Json entry = Json::object();
    PutU64(entry, "sequence", e.sequence);
    Put(entry, "time", e.time);
    Put(entry, "component", e.component);
    Put(entry, "stream", e.stream);
    Put(entry, "level", e.level);
    Put(entry, "context", e.context);
    Put(entry, "text", e.text);
    return entry;
  });
  PutU64(o, "lastSequence", logs.last_sequence);
  Put(o, "more", logs.more);
  Put(o, "ended", logs.ended);
  Put(o, "error", logs.error);
  return o;
}

Result<HostHeartbeat> DecodeHeartbeat(const Json& json) {
  return DecodeTop<HostHeartbeat>(json, [](const Reader& r, HostHeartbeat& h) -> Status {
    WCLOUD_TRY_STATUS(r.Check());
    WCLOUD_TRY_STATUS(r.Str("id", h.id));
    WCLOUD_TRY_STATUS(r.Str("hostname", h.hostname));
    WCLOUD_TRY_STATUS(r.Str("friendlyName", h.friendly_name));
    WCLOUD_TRY_STATUS(r.Str("version", h.version));
    WCLOUD_TRY_STATUS(r.Map("labels", h.labels));
    WCLOUD_TRY_STATUS(r.Str("startedAt", h.started_at));
    WCLOUD_TRY_STATUS(r.Str("osArch", h.os_arch));
    WCLOUD_TRY_STATUS(r.Str("osName", h.os_name));
    WCLOUD_TRY_STATUS(r.Str("osKernel", h.os_kernel));
    WCLOUD_TRY_STATUS(r.Float("systemCpuUsage", h.system_cpu_usage));
    WCLOUD_TRY_STATUS(r.Integer("systemMemoryTotal", h.system_memory_total));
    WCLOUD_TRY_STATUS(r.Integer("systemMemoryFree", h.system_memory_free));
    WCLOUD_TRY_STATUS(r.Integer("componentCount", h.component_count));
    WCLOUD_TRY_STATUS(r.Integer("workloadCount", h.workload_count));
    WCLOUD_TRY_STATUS(r.List("imports", h.imports, DecodeInterface));
    WCLOUD_TRY_STATUS(r.List("exports", h.exports, DecodeInterface));
    WCLOUD_TRY_STATUS(r.Integer("httpPort", h.http_port));
    return r.Str("environment", h.environment);
  });
}

Result<WorkloadStartRequest> DecodeStartRequest(const Json& json) {
  return DecodeTop<WorkloadStartRequest>(
      json, [](const Reader& r, WorkloadStartRequest& s) -> Status {
        WCLOUD_TRY_STATUS(r.Check());
        WCLOUD_TRY_STATUS(r.Message("workload", s.workload, DecodeWorkload));
        return r.Str("workloadId", s.workload_id);
      });
}

Result<WorkloadIdRequest> DecodeIdRequest(const Json& json) {
  return DecodeTop<WorkloadIdRequest>(json, [](const Reader& r, WorkloadIdRequest& s) -> Status {
    WCLOUD_TRY_STATUS(r.Check());
    return r.Str("workloadId", s.workload_id);
  });
}

Result<WorkloadStatus> DecodeStatusResponse(const Json& json) {
  return DecodeTop<WorkloadStatus>(json, [](const Reader& r, WorkloadStatus& s) -> Status {
    WCLOUD_TRY_STATUS(r.Check());
    return r.Message("workloadStatus", s, DecodeStatus);
  });
}

Result<WorkloadList> DecodeWorkloadList(const Json& json) {
  return DecodeTop<WorkloadList>(json, [](const Reader& r, WorkloadList& l) -> Status {
    WCLOUD_TRY_STATUS(r.Check());
    return r.Strings("workloadIds", l.workload_ids);
  });
}

Result<WorkloadLogsRequest> DecodeLogsRequest(const Json& json) {
  return DecodeTop<WorkloadLogsRequest>(
      json, [](const Reader& r, WorkloadLogsRequest& q) -> Status {
        WCLOUD_TRY_STATUS(r.Check());
        WCLOUD_TRY_STATUS(r.Str("workloadId", q.workload_id));
        WCLOUD_TRY_STATUS(r.Str("component", q.component));
        WCLOUD_TRY_STATUS(r.Str("sinceTime", q.since_time));
        WCLOUD_TRY_STATUS(r.Integer("tailLines", q.tail_lines));
        WCLOUD_TRY_STATUS(r.Integer("afterSequence", q.after_sequence));
        return r.Integer("waitMillis", q.wait_millis);
      });
}

Result<WorkloadLogs> DecodeWorkloadLogs(const Json& json) {
  return DecodeTop<WorkloadLogs>(json, [](const Reader& r, WorkloadLogs& l) -> Status {
    WCLOUD_TRY_STATUS(r.Check());
    WCLOUD_TRY_STATUS(r.Bool("found", l.found));
    WCLOUD_TRY_STATUS(
        r.List("entries", l.entries, [](const Reader& e, WorkloadLogEntry& out) -> Status {
          WCLOUD_TRY_STATUS(e.Check());
          WCLOUD_TRY_STATUS(e.Integer("sequence", out.sequence));
          WCLOUD_TRY_STATUS(e.Str("time", out.time));
          WCLOUD_TRY_STATUS(e.Str("component", out.component));
          WCLOUD_TRY_STATUS(e.Str("stream", out.stream));
          WCLOUD_TRY_STATUS(e.Str("level", out.level));
          WCLOUD_TRY_STATUS(e.Str("context", out.context));
          return e.Str("text", out.text);
        }));
    WCLOUD_TRY_STATUS(r.Integer("lastSequence", l.last_sequence));
    WCLOUD_TRY_STATUS(r.Bool("more", l.more));
    WCLOUD_TRY_STATUS(r.Bool("ended", l.ended));
    return r.Str("error", l.error);
  });
}

}  // namespace wcloud::hostapi
