// Server-side printing for `kubectl get`: objects as a meta.k8s.io/v1 Table with the resource's
// printer columns, the way the Kubernetes API server answers `Accept: ...;as=Table`.
#pragma once

#include <string>
#include <vector>

#include "apiserver/resources.h"
#include "util/json.h"

namespace wcloud::apiserver {

// True when the Accept header asks for a Table.
bool WantsTable(const std::string& accept);

// One row per object; `include_object`: "None", "Metadata" (default) or "Object".
Json ToTable(const ResourceDef& def, const std::vector<Json>& objects,
             const std::string& include_object, const std::string& resource_version,
             const std::string& continue_token);

// Evaluates the JSONPath subset printer columns use: .a.b.c, .a[0].b and
// .a[?(@.type=="Ready")].b. Missing values give null.
Json EvaluateJsonPath(const Json& object, const std::string& path);

// "5s", "3m", "2h", "4d" since an RFC 3339 time, as kubectl shows ages.
std::string HumanAge(const std::string& timestamp);

}  // namespace wcloud::apiserver
