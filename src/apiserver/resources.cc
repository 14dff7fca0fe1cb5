#include "apiserver/resources.h"

#include <cctype>
#include <optional>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/names.h"
#include "api/types.h"
#include "api/validation.h"
#include "apiserver/event_conversion.h"
#include "apiserver/secrets.h"

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

namespace {

// A ConfigMap's or Secret's key: a file name in a volume, an environment variable's name.
std::optional<std::string> CheckConfigKey(const std::string& key) {
  if (key.empty()) return "must not be empty";
  if (key.size() > 253) return "must be no more than 253 characters";
  if (key == "." || key == "..") return "must not be '.' or '..'";
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
    }
  }
  return std::nullopt;
}

// data, binaryData and stringData of a ConfigMap or Secret: string values under valid keys, at
// most 1 MiB in all, as Kubernetes allows.
void CheckDataMaps(const Json& object, api::FieldErrors& errors) {
  constexpr size_t kMaxDataBytes = 1 << 20;
  size_t total = 0;
  for (const char* field : {"data", "stringData", "binaryData"}) {
    auto it = object.find(field);
    if (it == object.end() || it->is_null()) continue;
    if (!it->is_object()) {
      errors.push_back({field, "expected object"});
      continue;
    }
    for (auto entry = it->begin(); entry != it->end(); ++entry) {
      const std::string at = std::string(field) + "[" + entry.key() + "]";
      if (auto why = CheckConfigKey(entry.key())) errors.push_back({at, *why});
      if (!entry.value().is_string()) {
        errors.push_back({at, "expected string"});
        continue;
      }
      total += entry.value().get_ref<const std::string&>().size();
    }
  }
  if (total > kMaxDataBytes) {
    errors.push_back(
        {"data", "too long: must have at most " + std::to_string(kMaxDataBytes) + " bytes"});
  }
}

}  // namespace

api::NameRule NameRuleOf(const ResourceDef& def) {
  return def.group.empty() && def.kind == "Namespace" ? api::NameRule::kDnsLabel
                                                      : api::NameRule::kDnsSubdomain;
}

Admission AdmitObject(const ResourceDef& def, Json& object, bool strict) {
  Admission out;
  if (def.group != api::kGroup) {
    // Core types: ObjectMeta's rules, and the shape kubectl and controllers rely on.
    auto meta = api::DecodeObjectMeta(object);
    out.errors = std::move(meta.errors);
    if (out.errors.empty()) out.errors = api::ValidateObjectMeta(meta.meta, NameRuleOf(def));
    if (def.kind == "ConfigMap" || def.kind == "Secret") CheckDataMaps(object, out.errors);
    if (def.kind == "Secret" && out.errors.empty()) NormalizeSecret(object, out.errors);
    return out;
  }
  auto decoded = api::DecodeObject(object, {.strict = strict});
  out.errors = std::move(decoded.errors);
  out.warnings = std::move(decoded.warnings);
  if (!decoded.object) return out;
  api::ApplyDefaults(*decoded.object);
  out.errors = api::Validate(*decoded.object);
  if (out.errors.empty()) object = api::EncodeObject(*decoded.object);
  return out;
}

}  // namespace wcloud::apiserver
