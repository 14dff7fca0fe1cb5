// The status and scale subresources: what GET, PUT and PATCH of /status and /scale read of an
// object and write to it. /scale speaks autoscaling/v1 Scale over spec.replicas and status.
#pragma once

#include <optional>
#include <string>

#include "apiserver/api_result.h"
#include "util/json.h"

namespace wcloud::apiserver {

// `object` with the status `source` carries (and none when it carries none).
Json WithStatusOf(const Json& object, const Json& source);

// The Scale of `object`: its identity, spec.replicas (1 when unset), status replicas and selector.
Json ScaleOf(const Json& object);

// `existing` with the replicas of the Scale `scale`, in `scaled`; 422 Invalid naming `name` when
// the Scale has no integer spec.replicas.
std::optional<ApiResult> ScaleTo(const ResourceDef& def, const std::string& name,
                                 const Json& existing, const Json& scale, Json& scaled);

}  // namespace wcloud::apiserver
