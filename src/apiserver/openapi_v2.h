// The OpenAPI v2 (Swagger 2.0) document at /openapi/v2, for kubectl before 1.29 (`apply` reads it
// to build its validator and to look up a kind's patch types) and other tools still on v2. Built
// from the same type descriptions as the v3 documents (openapi.h); served as JSON or in the
// protobuf encoding kubectl asks for (openapi_v2_proto.h), with an ETag.
#pragma once

#include "util/http_server.h"
#include "util/json.h"

namespace wcloud::apiserver {

// Paths of every served resource, each operation carrying x-kubernetes-group-version-kind and
// its parameters (fieldValidation among them); definitions of every kind. Our five kinds'
// definitions carry x-kubernetes-group-version-kind, so kubectl finds their schemas. The core
// kinds' definitions do not: their schemas here accept any fields, and kubectl, finding none,
// builds strategic merge patches from its compiled-in types, which know every patch strategy.
Json OpenApiV2Document();

// GET /openapi/v2: protobuf when Accept names it, JSON otherwise (406 for anything else), 304
// when If-None-Match carries the current ETag.
HttpResponse ServeOpenApiV2(const HttpRequest& req);

}  // namespace wcloud::apiserver
