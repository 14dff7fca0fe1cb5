// The resources the operator reads and writes, and the condition shape it reports.
#pragma once

#include <string>

#include "kube/client.h"
#include "util/json.h"

namespace wcloud::operator_ {

inline const kube::ResourceType kDeployments{"runtime.wasmcloud.dev", "v1alpha1",
                                             "workloaddeployments", true};
inline const kube::ResourceType kReplicaSets{"runtime.wasmcloud.dev", "v1alpha1",
                                             "workloadreplicasets", true};
inline const kube::ResourceType kWorkloads{"runtime.wasmcloud.dev", "v1alpha1", "workloads", true};
inline const kube::ResourceType kHosts{"runtime.wasmcloud.dev", "v1alpha1", "hosts", true};
inline const kube::ResourceType kArtifacts{"runtime.wasmcloud.dev", "v1alpha1", "artifacts", true};
inline constexpr char kFieldManager[] = "wcloud-operator";

// A condition of `object`; lastTransitionTime moves only when the status changes.
Json MakeCondition(const std::string& type, const std::string& status, const std::string& reason,
                   const std::string& message, const Json& object);

}  // namespace wcloud::operator_
