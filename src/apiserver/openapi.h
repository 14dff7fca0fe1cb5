// OpenAPI v3 documents (/openapi/v3 and one per group-version) built from the CRD schemas. They
// advertise the fieldValidation parameter, so kubectl validates server-side instead of asking
// for OpenAPI v2.
#pragma once

#include <string>

#include "util/json.h"

namespace wcloud::apiserver {

// The index: {"paths": {"apis/<group>/<version>": {"serverRelativeURL": ...}}}.
Json OpenApiIndex();

// The document of "api/v1" or "apis/<group>/<version>"; null when there is none.
Json OpenApiGroupVersion(const std::string& group_version_path);

}  // namespace wcloud::apiserver
