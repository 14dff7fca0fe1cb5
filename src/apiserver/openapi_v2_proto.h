// The OpenAPI v2 document in the protobuf encoding kubectl before 1.29 asks for (Accept:
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf): the openapi.v2.Document message
// of google/gnostic's openapiv2/OpenAPIv2.proto. Hand-encoded from the JSON document: it uses a
// small part of that proto, and the field numbers in openapi_v2_proto.cc are the proto's.
#pragma once

#include <string>

#include "util/json.h"
#include "util/result.h"

namespace wcloud::apiserver {

// Fails naming the first member (by its JSON path) the encoding has no field for, rather than
// dropping it.
Result<std::string> EncodeOpenApiV2Protobuf(const Json& document);

}  // namespace wcloud::apiserver
