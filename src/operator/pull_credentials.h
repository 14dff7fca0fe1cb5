// The registry credentials an imagePullSecret holds: a kubernetes.io/dockerconfigjson Secret in
// the object's namespace, read through the API server. Shared by the Artifact controller and the
// host's workload agent so both accept the same secrets.
#pragma once

#include <optional>
#include <string>

#include "kube/client.h"
#include "oci/credentials.h"
#include "util/result.h"

namespace wcloud::operator_ {

// The credentials for `registry` in Secret `secret_name` of `ns`; empty when `secret_name` is
// empty or the secret has no entry for the registry. Errors name the secret, never its content.
Result<std::optional<oci::Credentials>> ReadPullCredentials(kube::Client& client,
                                                            const std::string& ns,
                                                            const std::string& secret_name,
                                                            const std::string& registry);

}  // namespace wcloud::operator_
