// A Workload's request deadline: the annotation wcloud.dev/request-timeout ("5s", "250ms",
// "2m"), set on a Workload or on a WorkloadReplicaSet's or WorkloadDeployment's template. It
// replaces its host's default (`--request-timeout`) for each of the workload's wasi:http
// requests. An annotation, not a spec field, because it travels to the host inside the start
// request's Workload annotations: wasmCloud's hosts refuse fields their protocol lacks.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::api {

inline constexpr char kRequestTimeoutAnnotation[] = "wcloud.dev/request-timeout";
// No request runs longer than this, whatever it asks for.
inline constexpr std::chrono::hours kMaxRequestTimeout{1};

// The value, checked: a duration of at least a millisecond and at most kMaxRequestTimeout.
Result<std::chrono::milliseconds> ParseRequestTimeout(std::string_view value);

// The annotation's value, none when it is not there. An error names the annotation.
Result<std::optional<std::chrono::milliseconds>> RequestTimeoutOf(
    const std::map<std::string, std::string>& annotations);

}  // namespace wcloud::api
