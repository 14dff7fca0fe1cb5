// A component's environment from its localResources.environment: the literal `config`, then the
// data of each `configFrom` ConfigMap, then of each `secretFrom` Secret (base64-decoded), in
// order, a later value replacing an earlier one of the same name. ConfigMaps and Secrets are
// read from the Workload's namespace through the API server.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "api/types.h"
#include "kube/client.h"
#include "util/result.h"

namespace wcloud::operator_ {

struct ResolvedEnvironment {
  std::vector<std::pair<std::string, std::string>> values;  // layered, sorted by name
  // Each found object's data in the manifest's order (Secrets decoded), for a host that layers
  // them itself and keeps secret values apart.
  std::vector<api::StringMap> config_maps;
  std::vector<api::StringMap> secrets;
  // The referenced objects that do not exist, as "ConfigMap app-config", "Secret db".
  std::vector<std::string> missing;
};

// Errors (an unreachable API server, a Secret value that is not base64) name the object and
// key, never a value.
Result<ResolvedEnvironment> ResolveEnvironment(kube::Client& client, const std::string& ns,
                                               const api::EnvironmentSource& source);

}  // namespace wcloud::operator_
