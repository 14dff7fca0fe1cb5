// The API server's answers, HTTP-shaped: a code and a body (an object, a list, or a Status), and
// the one place an Error becomes an HTTP status and a Status with the reason clients branch on.
#pragma once

#include <string>
#include <vector>

#include "api/field_error.h"
#include "apiserver/resources.h"
#include "util/json.h"
#include "util/result.h"

namespace wcloud::apiserver {

struct ApiResult {
  int code = 200;
  Json body;  // the object, a list, or a Status on failure
  std::vector<std::string> warnings;
  bool ok() const { return code < 300; }
};

// A Status object (kind: Status) for an error, with the reason Kubernetes clients branch on.
Json StatusBody(int code, const std::string& reason, const std::string& message,
                Json details = nullptr);
ApiResult StatusResult(int code, const std::string& reason, const std::string& message,
                       Json details = nullptr);

// "plural.group" ("plural" in the core group), as Kubernetes names a resource in messages.
std::string Qualified(const ResourceDef& def);

// An Error of the store (or of anything below the registry) on object `name` of `def`: the
// status its reason or code maps to, the resource named as Kubernetes names it.
ApiResult FromStoreError(const Error& e, const ResourceDef& def, const std::string& name);

// 422 Invalid naming every field error, one cause each, as a real server answers.
ApiResult InvalidResult(const ResourceDef& def, const std::string& name,
                        const api::FieldErrors& errs);

// The answer to any write to an absent resource (ResourceDef::absent): 405, as a real server
// answers a verb a resource does not support (discovery lists only get, list and watch).
ApiResult RefuseAbsent(const ResourceDef& def);

}  // namespace wcloud::apiserver
