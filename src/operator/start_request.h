// A Workload resolved into the host protocol's self-contained start request: its components and
// service with their literal config, the layered environment (ConfigMap and Secret values read
// here), registry credentials from imagePullSecrets, volumes and host interfaces. The host that
// gets it needs no Kubernetes access. Values that came from Secrets are remembered, so they can
// be sealed for the one host that runs the workload (Seal).
#pragma once

#include <string>
#include <vector>

#include "api/placement.h"
#include "api/types.h"
#include "hostapi/messages.h"
#include "kube/client.h"
#include "util/result.h"

namespace wcloud::operator_ {

// Annotations the operator keeps for itself: never sent to hosts, never part of the revision.
using api::kWorkloadIdAnnotation;  // api/placement.h: read by `wcloud logs` too

struct StartPlan {
  // Plaintext, without a workload ID.
  hostapi::Workload workload;
  // Changes exactly when what a host would run changes (a hash, so no value shows through it).
  std::string revision;
  // Where Secret-derived values sit: the environment key of a component (by index; the service
  // is index components.size()), and the components whose pull secret has a password.
  std::vector<std::pair<size_t, std::string>> secret_values;
  std::vector<size_t> pull_passwords;
  // Referenced ConfigMaps and Secrets that do not exist ("ConfigMap app-config").
  std::vector<std::string> missing;

  bool has_secrets() const { return !secret_values.empty() || !pull_passwords.empty(); }
};

// Errors carry a reason in their details (ConfigError, ImagePullFailed) and name the object and
// key, never a value.
Result<StartPlan> PlanStart(kube::Client& client, const api::Workload& workload);

// The start request for `workload_id`: Secret-derived values sealed for the holder of
// `seal_key` ("X…"; hostapi/sealing.h), bound to the ID; with an empty key, left plaintext.
Result<hostapi::WorkloadStartRequest> MakeStartRequest(const StartPlan& plan,
                                                       const std::string& workload_id,
                                                       const std::string& seal_key);

}  // namespace wcloud::operator_
