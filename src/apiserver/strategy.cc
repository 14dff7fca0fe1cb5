#include "apiserver/strategy.h"

#include <cctype>
#include <optional>
#include <string>

#include "api/codec.h"
#include "api/defaults.h"
#include "api/types.h"
#include "apiserver/event_conversion.h"
#include "apiserver/secrets.h"

namespace wcloud::apiserver {

Admission Strategy::Admit(Json& object, bool /*strict*/) const {
  // Core types: ObjectMeta's rules, and the shape kubectl and controllers rely on.
  Admission out;
  auto meta = api::DecodeObjectMeta(object);
  out.errors = std::move(meta.errors);
  if (out.errors.empty()) out.errors = api::ValidateObjectMeta(meta.meta, NameRule());
  return out;
}

namespace {

// Our five kinds, as Kubernetes' strategy for custom resources: the api codec decodes, defaults
// and validates them.
class CustomResourceStrategy : public Strategy {
 public:
  Admission Admit(Json& object, bool strict) const override {
    Admission out;
    auto decoded = api::DecodeObject(object, {.strict = strict});
    out.errors = std::move(decoded.errors);
    out.warnings = std::move(decoded.warnings);
    if (!decoded.object) return out;
    api::ApplyDefaults(*decoded.object);
    out.errors = api::Validate(*decoded.object);
    if (out.errors.empty()) object = api::EncodeObject(*decoded.object);
    return out;
  }
  bool CountsGeneration() const override { return true; }
  bool StatusIsSubresource() const override { return true; }
  bool AllowUnconditionalUpdate() const override { return false; }
  // Strategic merge needs Go struct tags, which custom resources do not have.
  bool AcceptsStrategicMergePatch() const override { return false; }
};

class NamespaceStrategy : public Strategy {
 public:
  api::NameRule NameRule() const override { return api::NameRule::kDnsLabel; }
  bool DeletesNamespaceContents() const override { return true; }
  void PrepareForCreate(Json& object) const override {
    object["status"] = {{"phase", "Active"}};
    PrepareForUpdate(object);
  }
  // As Kubernetes' namespace strategy: selectors can pick namespaces by name.
  void PrepareForUpdate(Json& object) const override {
    object["metadata"]["labels"]["kubernetes.io/metadata.name"] = object["metadata"]["name"];
  }
};

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

class ConfigMapStrategy : public Strategy {
 public:
  Admission Admit(Json& object, bool strict) const override {
    Admission out = Strategy::Admit(object, strict);
    CheckDataMaps(object, out.errors);
    return out;
  }
};

class SecretStrategy : public ConfigMapStrategy {
 public:
  Admission Admit(Json& object, bool strict) const override {
    Admission out = ConfigMapStrategy::Admit(object, strict);
    if (out.errors.empty()) NormalizeSecret(object, out.errors);
    return out;
  }
};

class LeaseStrategy : public Strategy {
 public:
  bool CountsGeneration() const override { return true; }
};

// Created through events.k8s.io/v1, an Event must be complete (core v1 keeps its leniency).
class EventsV1Strategy : public Strategy {
 public:
  api::FieldErrors ValidateCreate(const Json& object) const override {
    return ValidateEventsV1(object);
  }
};

}  // namespace

const Strategy& StrategyFor(const ResourceDef& def) {
  static const CustomResourceStrategy kCustom;
  static const NamespaceStrategy kNamespace;
  static const ConfigMapStrategy kConfigMap;
  static const SecretStrategy kSecret;
  static const LeaseStrategy kLease;
  static const EventsV1Strategy kEventsV1;
  static const Strategy kCore;
  if (def.group == api::kGroup) return kCustom;
  if (def.group == "coordination.k8s.io" && def.kind == "Lease") return kLease;
  if (def.group == "events.k8s.io" && def.kind == "Event") return kEventsV1;
  if (!def.group.empty()) return kCore;
  if (def.kind == "Namespace") return kNamespace;
  if (def.kind == "ConfigMap") return kConfigMap;
  if (def.kind == "Secret") return kSecret;
  return kCore;
}

}  // namespace wcloud::apiserver
