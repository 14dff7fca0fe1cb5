// Request bodies in Kubernetes' protobuf encoding ("k8s\0" + runtime.Unknown), which kubectl's
// typed commands (`kubectl create configmap|secret|namespace`) send for core types. Decoded to
// the same JSON the API would receive; responses stay JSON, which kubectl accepts.
#pragma once

#include <string_view>

#include "util/json.h"
#include "util/result.h"

namespace wcloud::apiserver {

// Supports v1 ConfigMap, Secret and Namespace; anything else is an error naming the kind.
Result<Json> DecodeProtobufBody(std::string_view body);

}  // namespace wcloud::apiserver
