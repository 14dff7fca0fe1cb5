#include "apiserver/resources.h"

#include "api/codec.h"
#include "api/defaults.h"
#include "api/names.h"
#include "api/types.h"
#include "api/validation.h"

namespace wcloud::apiserver {
namespace {

api::PrinterColumn Age() { return {"Age", "date", ".metadata.creationTimestamp", "", 0}; }

std::vector<ResourceDef> MakeResources() {
  std::vector<ResourceDef> defs;
  for (const auto& k : api::AllKinds()) {
    defs.push_back({api::kGroup,
                    api::kVersion,
                    k.kind,
                    k.list_kind,
                    k.plural,
                    k.singular,
                    true,
                    true,
                    true,
                    k.scale,
                    k.short_names,
                    {api::kCategory},
                    k.columns});
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
                  {{"Status", "string", ".status.phase", "", 0}, Age()}});
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
                  {Age()}});
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
                  {{"Type", "string", ".type", "", 0}, Age()}});
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
                   {"Last Seen", "date", ".lastTimestamp", "", 0}}});
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
                  {{"Holder", "string", ".spec.holderIdentity", "", 0}, Age()}});
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

namespace {

// metadata.ownerReferences of a core type, checked as our kinds' codec checks theirs: garbage
// collection reads these fields and must find the types Kubernetes defines.
void CheckOwnerReferences(const Json& object, api::FieldErrors& errors) {
  if (!object.contains("metadata") || !object["metadata"].is_object() ||
      !object["metadata"].contains("ownerReferences")) {
    return;
  }
  const Json& refs = object["metadata"]["ownerReferences"];
  if (!refs.is_array()) {
    errors.push_back({"metadata.ownerReferences", "expected array"});
    return;
  }
  for (size_t i = 0; i < refs.size(); ++i) {
    const std::string at = "metadata.ownerReferences[" + std::to_string(i) + "]";
    if (!refs[i].is_object()) {
      errors.push_back({at, "expected object"});
      continue;
    }
    for (const char* field : {"apiVersion", "kind", "name", "uid"}) {
      if (!refs[i].contains(field)) {
        errors.push_back({at + "." + field, "required value"});
      } else if (!refs[i][field].is_string()) {
        errors.push_back({at + "." + field, "expected string"});
      }
    }
    for (const char* field : {"controller", "blockOwnerDeletion"}) {
      if (refs[i].contains(field) && !refs[i][field].is_boolean()) {
        errors.push_back({at + "." + field, "expected boolean"});
      }
    }
  }
}

}  // namespace

Admission AdmitObject(const ResourceDef& def, Json& object, bool strict) {
  Admission out;
  if (def.group != api::kGroup) {
    // Core types: the shape kubectl and controllers rely on.
    CheckOwnerReferences(object, out.errors);
    if (def.kind == "ConfigMap" || def.kind == "Secret") {
      for (const char* field : {"data", "stringData", "binaryData"}) {
        if (object.contains(field) && !object[field].is_object()) {
          out.errors.push_back({field, "expected object"});
        } else if (object.contains(field)) {
          for (auto it = object[field].begin(); it != object[field].end(); ++it) {
            if (!it.value().is_string()) {
              out.errors.push_back({std::string(field) + "[" + it.key() + "]", "expected string"});
            }
          }
        }
      }
    }
    if (def.kind == "Namespace" && object.contains("metadata") &&
        object["metadata"].contains("name") && object["metadata"]["name"].is_string()) {
      if (auto why = api::CheckDnsLabel(object["metadata"]["name"].get<std::string>())) {
        out.errors.push_back({"metadata.name", *why});
      }
    }
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
