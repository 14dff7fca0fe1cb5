#include "operator/host_registry.h"

#include <algorithm>
#include <cctype>

#include "operator/object_types.h"
#include "util/timestamp.h"

namespace wcloud::operator_ {
namespace {

Json ReadyCondition(bool ready, const std::string& reason, const std::string& message,
                    const Json& host) {
  return MakeCondition("Ready", ready ? "True" : "False", reason, message, host);
}

}  // namespace

std::string HostRegistry::ObjectName(const std::string& host_id) {
  std::string name = host_id;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

Status HostRegistry::Record(const host::Heartbeat& hb) {
  std::string name = ObjectName(hb.host_id);
  std::string path = kube::ObjectPath(kHosts, namespace_, name);
  Json labels = Json::object();
  for (const auto& [k, v] : hb.labels) labels[k] = v;
  Json spec = {{"hostId", hb.host_id}, {"hostname", hb.hostname}};
  if (hb.http_port > 0) spec["httpPort"] = hb.http_port;
  // Server-side apply: the operator owns exactly these fields, whatever else users set.
  Json applied = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                  {"kind", "Host"},
                  {"metadata", {{"name", name}, {"namespace", namespace_}, {"labels", labels}}},
                  {"spec", spec}};
  WCLOUD_ASSIGN_OR_RETURN(
      Json current, client_.Do("PATCH", path + "?fieldManager=" + kFieldManager + "&force=true",
                               &applied, "application/apply-patch+yaml"));
  const auto& s = hb.system;
  Json status = {
      {"lastSeen", NowTime()},
      {"startedAt", hb.started_at},
      {"version", hb.version},
      {"os", s.os},
      {"arch", s.arch},
      {"kernel", s.kernel},
      {"cpuCores", s.cpu_cores},
      {"cpuUsagePercent", hb.cpu_usage_percent},
      {"memoryTotalBytes", s.memory_total_bytes},
      {"memoryAvailableBytes", s.memory_available_bytes},
      {"workloadCount", hb.workload_count},
      {"componentCount", hb.component_count},
      {"interfaces", hb.interfaces},
      {"conditions", Json::array({ReadyCondition(true, "HeartbeatReceived",
                                                 "the host sent a heartbeat", current)})}};
  Json patch = {{"status", status}};
  WCLOUD_TRY_STATUS(client_.Do("PATCH", path + "/status?fieldManager=" + kFieldManager, &patch,
                               "application/merge-patch+json"));
  return Ok();
}

Result<int> HostRegistry::MarkStale() {
  WCLOUD_ASSIGN_OR_RETURN(Json list, client_.Get(kube::CollectionPath(kHosts, namespace_)));
  int changed = 0;
  auto now = WallClock::now();
  for (const auto& h : list.value("items", Json::array())) {
    Json status = h.value("status", Json::object());
    auto seen = ParseTime(status.value("lastSeen", ""));
    bool stale = !seen || now - *seen > ttl_;
    bool ready = false;
    for (const auto& c : status.value("conditions", Json::array())) {
      if (c.value("type", "") == "Ready") ready = c.value("status", "") == "True";
    }
    if (!stale || !ready) continue;
    Json patch = {
        {"status",
         {{"conditions", Json::array({ReadyCondition(
                             false, "HeartbeatMissed",
                             "no heartbeat for " + std::to_string(ttl_.count()) + "s", h)})}}}};
    std::string name = h["metadata"].value("name", "");
    WCLOUD_TRY_STATUS(client_.Do(
        "PATCH",
        kube::ObjectPath(kHosts, namespace_, name, "status") + "?fieldManager=" + kFieldManager,
        &patch, "application/merge-patch+json"));
    ++changed;
  }
  return changed;
}

}  // namespace wcloud::operator_
