// The parts every object shares: metadata, owner references, conditions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/json.h"

namespace wcloud::api {

using StringMap = std::map<std::string, std::string>;

struct OwnerReference {
  std::string api_version;
  std::string kind;
  std::string name;
  std::string uid;
  std::optional<bool> controller;
  std::optional<bool> block_owner_deletion;
  bool operator==(const OwnerReference&) const = default;
};

struct ObjectMeta {
  std::string name;
  std::string generate_name;
  std::string namespace_;
  std::string uid;
  std::string resource_version;
  std::optional<int64_t> generation;
  std::string creation_timestamp;
  std::string deletion_timestamp;
  std::optional<int64_t> deletion_grace_period_seconds;
  StringMap labels;
  StringMap annotations;
  std::vector<OwnerReference> owner_references;
  std::vector<std::string> finalizers;
  Json managed_fields;  // the API server's field ownership records, kept as written
  bool operator==(const ObjectMeta&) const = default;
};

// A condition in the Kubernetes convention (metav1.Condition).
struct Condition {
  std::string type;
  std::string status;  // True, False or Unknown
  std::optional<int64_t> observed_generation;
  std::string last_transition_time;
  std::string reason;
  std::string message;
  bool operator==(const Condition&) const = default;
};

struct LocalObjectReference {
  std::string name;
  bool operator==(const LocalObjectReference&) const = default;
};

// Labels and annotations of a pod-style template.
struct TemplateMetadata {
  StringMap labels;
  StringMap annotations;
  bool operator==(const TemplateMetadata&) const = default;
};

}  // namespace wcloud::api
