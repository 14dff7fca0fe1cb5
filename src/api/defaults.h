// Defaults, applied in this one place: by `wcloud validate`, by the API server on every write,
// and mirrored by the `default:` values of the CRD schemas (a test keeps the two in step).
#pragma once

#include "api/types.h"

namespace wcloud::api {

void ApplyDefaults(AnyObject& object);
void ApplyDefaults(WorkloadSpec& spec);

// "IfNotPresent", or "Always" for an untagged or :latest image, as Kubernetes does for pods.
std::string DefaultPullPolicy(const std::string& image);

}  // namespace wcloud::api
