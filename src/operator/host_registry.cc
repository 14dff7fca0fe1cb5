#include "operator/host_registry.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "hostapi/host_api.h"
#include "operator/object_types.h"
#include "util/timestamp.h"

namespace wcloud::operator_ {
namespace {

Json ReadyCondition(bool ready, const std::string& reason, const std::string& message,
                    const Json& host) {
  return MakeCondition("Ready", ready ? "True" : "False", reason, message, host);
}

bool IsReady(const Json& host) {
  const Json& status = host.contains("status") ? host["status"] : Json::object();
  for (const auto& c : status.value("conditions", Json::array())) {
    if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
  }
  return false;
}

// The node controller's wording: "Node X status is now: NodeNotReady".
void RecordReadiness(kube::EventRecorder* events, const Json& host, bool ready,
                     const std::string& why) {
  if (!events) return;
  const std::string state = ready ? "HostReady" : "HostNotReady";
  const std::string name = host["metadata"].value("name", "");
  events->Record(host, "Normal", state,
                 "Host " + name + " status is now: " + state + " (" + why + ")");
}

}  // namespace

std::string HostRegistry::ObjectName(const std::string& host_id) {
  std::string name = host_id;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

Status HostRegistry::Record(const hostapi::HostHeartbeat& hb) {
  std::string name = ObjectName(hb.id);
  std::string path = kube::ObjectPath(kHosts, namespace_, name);
  Json labels = Json::object();
  for (const auto& [k, v] : hb.labels) labels[k] = v;
  Json spec = {{"hostId", hb.id}, {"hostname", hb.hostname}};
  if (hb.http_port > 0) spec["httpPort"] = hb.http_port;
  // Server-side apply: the operator owns exactly these fields, whatever else users set.
  Json applied = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                  {"kind", "Host"},
                  {"metadata", {{"name", name}, {"namespace", namespace_}, {"labels", labels}}},
                  {"spec", spec}};
  WCLOUD_ASSIGN_OR_RETURN(
      Json current, client_.Do("PATCH", path + "?fieldManager=" + kFieldManager + "&force=true",
                               &applied, "application/apply-patch+yaml"));
  // What the host offers its components, as "wasi:keyvalue/store@0.2.0-draft": interfaces they
  // may import, and those it calls them on (wasi:http/incoming-handler).
  Json interfaces = Json::array();
  for (const auto* list : {&hb.imports, &hb.exports}) {
    for (const auto& wit : *list) {
      for (const auto& iface : wit.interfaces) {
        std::string name = wit.namespace_ + ":" + wit.package + "/" + iface +
                           (wit.version.empty() ? "" : "@" + wit.version);
        if (std::find(interfaces.begin(), interfaces.end(), Json(name)) == interfaces.end()) {
          interfaces.push_back(std::move(name));
        }
      }
    }
  }
  Json status = {
      {"lastSeen", NowTime()},
      {"startedAt", hb.started_at},
      {"version", hb.version},
      {"os", hb.os_name},
      {"arch", hb.os_arch},
      {"kernel", hb.os_kernel},
      {"cpuUsagePercent", static_cast<int32_t>(std::lround(hb.system_cpu_usage))},
      {"memoryTotalBytes", hb.system_memory_total},
      {"memoryAvailableBytes", hb.system_memory_free},
      {"workloadCount", hb.workload_count},
      {"componentCount", hb.component_count},
      {"interfaces", interfaces},
      {"conditions",
       Json::array({hb.labels.count(hostapi::kDrainingLabel)
                        ? ReadyCondition(false, "Draining", "the host is shutting down", current)
                        : ReadyCondition(true, "HeartbeatReceived", "the host sent a heartbeat",
                                         current)})}};
  const bool ready = status["conditions"][0].value("status", "") == "True";
  Json patch = {{"status", status}};
  WCLOUD_TRY_STATUS(client_.Do("PATCH", path + "/status?fieldManager=" + kFieldManager, &patch,
                               "application/merge-patch+json"));
  if (ready != IsReady(current)) {
    RecordReadiness(events_, current, ready, status["conditions"][0].value("message", ""));
  }
  return Ok();
}

const char* HostRegistry::StateOf(const api::Host& host) {
  for (const api::Condition& c : host.status.conditions) {
    if (c.type != "Ready") continue;
    if (c.status == "True") return "Ready";
    return c.reason == "Draining" ? "Draining" : "NotReady";
  }
  return "NotReady";
}

Result<int> HostRegistry::MarkStale(const std::function<bool(const std::string&)>& answers) {
  WCLOUD_ASSIGN_OR_RETURN(Json list, client_.Get(kube::CollectionPath(kHosts, namespace_)));
  int changed = 0;
  auto now = WallClock::now();
  for (const auto& h : list.value("items", Json::array())) {
    Json status = h.value("status", Json::object());
    auto seen = ParseTime(status.value("lastSeen", ""));
    bool stale = !seen || now - *seen > ttl_;
    if (!stale || !IsReady(h)) continue;
    // A host that heartbeats less often than the TTL (wasmCloud's: every 15 s) is asked.
    const std::string host_id = h.value("spec", Json::object()).value("hostId", "");
    if (answers && !host_id.empty() && answers(host_id)) continue;
    const std::string why = "no heartbeat for " + std::to_string(ttl_.count()) + "s";
    Json patch = {
        {"status",
         {{"conditions", Json::array({ReadyCondition(false, "HeartbeatMissed", why, h)})}}}};
    std::string name = h["metadata"].value("name", "");
    WCLOUD_TRY_STATUS(client_.Do(
        "PATCH",
        kube::ObjectPath(kHosts, namespace_, name, "status") + "?fieldManager=" + kFieldManager,
        &patch, "application/merge-patch+json"));
    Json host = h;
    host["apiVersion"] = "runtime.wasmcloud.dev/v1alpha1";  // a list's items may lack it
    host["kind"] = "Host";
    RecordReadiness(events_, host, false, why);
    ++changed;
  }
  return changed;
}

}  // namespace wcloud::operator_
