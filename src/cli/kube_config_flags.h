// Where wcloud's Kubernetes clients (`wcloud operator`, `wcloud logs`) find their cluster.
#pragma once

#include <string>

#include "kube/rest_config.h"
#include "util/result.h"

namespace wcloud::cli {

// `kubeconfig`, else $KUBECONFIG, else the pod's service account, else ~/.kube/config; in it,
// `context` or its current-context.
Result<kube::RestConfig> KubeClientConfig(const std::string& kubeconfig,
                                          const std::string& context);

}  // namespace wcloud::cli
