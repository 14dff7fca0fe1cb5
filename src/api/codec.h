// JSON ⇄ typed objects for runtime.wasmcloud.dev/v1alpha1, and the OpenAPI schemas of the same
// types. One description per type (codec.cc) drives all three, so the CRDs cannot disagree with
// what the codec accepts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/field_error.h"
#include "api/types.h"
#include "util/json.h"

namespace wcloud::api {

struct DecodeOptions {
  // Strict: unknown fields are errors. Otherwise they are warnings and dropped, the way the
  // Kubernetes API server prunes fields a structural schema does not know.
  bool strict = true;
};

struct Decoded {
  std::optional<AnyObject> object;  // set when there are no errors
  FieldErrors errors;
  FieldErrors warnings;
};

// True for apiVersion runtime.wasmcloud.dev/v1alpha1 and one of the five kinds.
bool IsWasmCloudKind(std::string_view api_version, std::string_view kind);

// Decodes an object of our group, chosen by its apiVersion and kind.
Decoded DecodeObject(const Json& json, const DecodeOptions& options = {});

// The metadata of any object, core kinds too. Errors are type errors naming the field
// ("metadata.labels[a]: expected string, got integer"); null fields count as absent, and fields
// ObjectMeta does not have are dropped, as the Kubernetes API server does.
struct DecodedMeta {
  ObjectMeta meta;
  FieldErrors errors;
};
DecodedMeta DecodeObjectMeta(const Json& object);

// Encodes with keys in declaration order; empty optional fields are left out.
Json EncodeObject(const AnyObject& object);

// The structural OpenAPI v3 schema of a kind ("Workload") for its CRD; empty if unknown.
Json ObjectSchema(std::string_view kind);

}  // namespace wcloud::api
