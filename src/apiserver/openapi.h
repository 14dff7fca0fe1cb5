// OpenAPI v3 documents (/openapi/v3 and one per group-version) built from the CRD schemas. They
// advertise the fieldValidation parameter, so kubectl validates server-side instead of asking
// for OpenAPI v2. The helpers below are shared with the v2 document (openapi_v2.h).
#pragma once

#include <string>

#include "apiserver/resources.h"
#include "util/json.h"

namespace wcloud::apiserver {

// The index: {"paths": {"apis/<group>/<version>": {"serverRelativeURL": ...}}}.
Json OpenApiIndex();

// The document of "api/v1" or "apis/<group>/<version>"; null when there is none.
Json OpenApiGroupVersion(const std::string& group_version_path);

// "api/v1" or "apis/<group>/<version>".
std::string OpenApiPathOf(const ResourceDef& def);
// The schema's name in both documents: "io.wcloud.<group or core>.<version>.<Kind>".
std::string OpenApiSchemaName(const ResourceDef& def);
// {"group", "version", "kind"}: the x-kubernetes-group-version-kind of a schema or operation.
Json OpenApiGvk(const ResourceDef& def);
// The object schema: our kinds' from their type descriptions; core kinds' accept any fields
// (their validation lives in resources.cc).
Json OpenApiObjectSchema(const ResourceDef& def);

}  // namespace wcloud::apiserver
