#include "apiserver/resources.h"

#include <cctype>
#include <optional>

#include "api/types.h"
#include "apiserver/event_conversion.h"

namespace wcloud::apiserver {
namespace {

api::PrinterColumn Age() { return {"Age", "date", ".metadata.creationTimestamp", "", 0}; }

// A kind this server runs none of, served empty (ResourceDef::absent).
ResourceDef Absent(std::string group, const std::string& kind, std::string plural, bool namespaced,
                   std::vector<std::string> short_names, bool in_all) {
  ResourceDef d;
  d.group = std::move(group);
  d.version = "v1";
  d.kind = kind;
  d.list_kind = kind + "List";
  d.plural = std::move(plural);
  for (char c : kind) d.singular += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  d.namespaced = namespaced;
  d.short_names = std::move(short_names);
  if (in_all) d.categories = {"all"};
  d.columns = {Age()};
  d.absent = true;
  return d;
}

std::vector<ResourceDef> MakeResources() {
  std::vector<ResourceDef> defs;
  for (const auto& k : api::AllKinds()) {
    defs.push_back({api::kGroup, api::kVersion, k.kind, k.list_kind, k.plural, k.singular, true,
                    true, true, k.scale, k.short_names, k.categories, k.columns, std::nullopt,
                    false});
  }
  defs.push_back({"",
                  "v1",
                  "Namespace",
                  "NamespaceList",
                  "namespaces",
                  "namespace",
                  false,
                  true,
                  true,
                  false,
                  {"ns"},
                  {},
                  {{"Status", "string", ".status.phase", "", 0}, Age()},
                  std::nullopt,
                  false});
  defs.push_back({"",
                  "v1",
                  "ConfigMap",
                  "ConfigMapList",
                  "configmaps",
                  "configmap",
                  true,
                  false,
                  false,
                  false,
                  {"cm"},
                  {},
                  {Age()},
                  std::nullopt,
                  false});
  defs.push_back({"",
                  "v1",
                  "Secret",
                  "SecretList",
                  "secrets",
                  "secret",
                  true,
                  false,
                  false,
                  false,
                  {},
                  {},
                  {{"Type", "string", ".type", "", 0}, Age()},
                  std::nullopt,
                  false});
  defs.push_back({"",
                  "v1",
                  "Event",
                  "EventList",
                  "events",
                  "event",
                  true,
                  false,
                  false,
                  false,
                  {"ev"},
                  {},
                  {{"Type", "string", ".type", "", 0},
                   {"Reason", "string", ".reason", "", 0},
                   {"Object", "string", ".involvedObject.name", "", 0},
                   {"Message", "string", ".message", "", 0},
                   {"Last Seen", "date", ".lastTimestamp", "", 0}},
                  std::nullopt,
                  false});
  defs.push_back({"coordination.k8s.io",
                  "v1",
                  "Lease",
                  "LeaseList",
                  "leases",
                  "lease",
                  true,
                  true,
                  false,
                  false,
                  {},
                  {},
                  {{"Holder", "string", ".spec.holderIdentity", "", 0}, Age()},
                  std::nullopt,
                  false});
  defs.push_back({"events.k8s.io",
                  "v1",
                  "Event",
                  "EventList",
                  "events",
                  "event",
                  true,
                  false,
                  false,
                  false,
                  {"ev"},
                  {},
                  {{"Type", "string", ".type", "", 0},
                   {"Reason", "string", ".reason", "", 0},
                   {"Object", "string", ".regarding.name", "", 0},
                   {"Note", "string", ".note", "", 0},
                   {"Event Time", "date", ".eventTime", "", 0}},
                  "",
                  false});
  // kubectl's default `apply --prune` allowlist and the real `all` category.
  defs.push_back(Absent("", "Pod", "pods", true, {"po"}, true));
  defs.push_back(Absent("", "Service", "services", true, {"svc"}, true));
  defs.push_back(Absent("", "ReplicationController", "replicationcontrollers", true, {"rc"}, true));
  defs.push_back(Absent("", "Endpoints", "endpoints", true, {"ep"}, false));
  defs.push_back(
      Absent("", "PersistentVolumeClaim", "persistentvolumeclaims", true, {"pvc"}, false));
  defs.push_back(Absent("", "PersistentVolume", "persistentvolumes", false, {"pv"}, false));
  defs.push_back(Absent("apps", "DaemonSet", "daemonsets", true, {"ds"}, true));
  defs.push_back(Absent("apps", "Deployment", "deployments", true, {"deploy"}, true));
  defs.push_back(Absent("apps", "ReplicaSet", "replicasets", true, {"rs"}, true));
  defs.push_back(Absent("apps", "StatefulSet", "statefulsets", true, {"sts"}, true));
  defs.push_back(Absent("batch", "Job", "jobs", true, {}, true));
  defs.push_back(Absent("batch", "CronJob", "cronjobs", true, {"cj"}, true));
  defs.push_back(Absent("networking.k8s.io", "Ingress", "ingresses", true, {"ing"}, false));
  return defs;
}

}  // namespace

const std::vector<ResourceDef>& AllResources() {
  static const std::vector<ResourceDef> defs = MakeResources();
  return defs;
}

const ResourceDef* FindResource(std::string_view group, std::string_view version,
                                std::string_view plural) {
  for (const auto& d : AllResources()) {
    if (d.group == group && d.version == version && d.plural == plural) return &d;
  }
  return nullptr;
}

Json ToStorage(const ResourceDef& def, Json object) {
  if (!def.storage_group) return object;
  return EventsV1ToCoreEvent(std::move(object));  // the one resource served over another's
}

Json FromStorage(const ResourceDef& def, Json stored) {
  if (!def.storage_group) return stored;
  return CoreEventToEventsV1(std::move(stored));
}

}  // namespace wcloud::apiserver
