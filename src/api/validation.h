// Rules that span fields, checked after decoding (which already enforces types, enums, ranges
// and patterns from the schema). Every error names its field path.
#pragma once

#include "api/field_error.h"
#include "api/types.h"

namespace wcloud::api {

// All errors found, not just the first.
FieldErrors Validate(const AnyObject& object);

// What an object's name must be: most kinds' names are DNS subdomains, a Namespace's a DNS label.
enum class NameRule { kDnsSubdomain, kDnsLabel };

// ObjectMeta's rules for every kind, as Kubernetes' ValidateObjectMeta has them: name or
// generateName, namespace, label and annotation keys and values (annotations at most 256 KiB in
// all), finalizers, ownerReferences.
FieldErrors ValidateObjectMeta(const ObjectMeta& meta, NameRule rule);

// A workload spec at `path` ("spec", "spec.template.spec"). `allow_artifact_images`: whether
// `artifact://NAME` images are accepted (WorkloadDeployment templates).
FieldErrors ValidateWorkloadSpec(const WorkloadSpec& spec, const std::string& path,
                                 bool allow_artifact_images);

// One allowedHosts entry: *, host[:port], scheme://host[:port] or *.suffix[:port].
std::optional<std::string> CheckAllowedHost(std::string_view pattern);

}  // namespace wcloud::api
