// The resources the operator reads and writes, and the condition and status shapes it reports.
#pragma once

#include <string>

#include "api/codec.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "util/json.h"
#include "util/result.h"

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

// The same for typed objects: `conditions` are the object's current ones.
api::Condition MakeCondition(const std::string& type, const std::string& status,
                             const std::string& reason, const std::string& message,
                             const api::ObjectMeta& meta,
                             const std::vector<api::Condition>& conditions);

// The status of `object` as the API server stores it.
Json EncodeStatus(const api::AnyObject& object);

// Writes `status` to the status subresource of `object` with a merge patch, unless it is what
// the object has already; an object deleted meanwhile is no error.
Status PatchStatus(kube::Client& client, const kube::ResourceType& type,
                   const api::ObjectMeta& meta, const Json& old_status, const Json& status);

// The same for typed objects: writes `updated`'s status if it differs from `current`'s.
template <typename T>
Status PatchStatus(kube::Client& client, const kube::ResourceType& type, const T& current,
                   const T& updated) {
  if (current.status == updated.status) return Ok();
  return PatchStatus(client, type, current.metadata, EncodeStatus(current), EncodeStatus(updated));
}

// The uids of an object's owners, and the name of its controlling owner of `kind` ("" if none).
std::vector<std::string> OwnerUids(const api::ObjectMeta& meta);
std::string ControllerName(const api::ObjectMeta& meta, const std::string& kind);

// An Event about `object` ("Normal" or "Warning", a CamelCase reason as Kubernetes' controllers
// use); nothing when the controller was given no recorder.
void RecordEvent(kube::EventRecorder* events, const api::AnyObject& object, const std::string& type,
                 const std::string& reason, const std::string& message);

// The status of condition `type` ("True", "False", "Unknown"), or "" when absent.
std::string ConditionStatus(const std::vector<api::Condition>& conditions, const std::string& type);

}  // namespace wcloud::operator_
