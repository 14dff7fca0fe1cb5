// Registry credentials, and their lookup in a kubernetes.io/dockerconfigjson pull secret.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::oci {

struct Credentials {
  std::string username;
  std::string password;
};

// Finds the credentials for `registry` ("ghcr.io", "localhost:5000") in the content of a
// .dockerconfigjson ({"auths": {"<host>": {"auth": base64(user:pass)} | {"username",
// "password"}}}). Keys may be bare hosts or URLs ("https://index.docker.io/v1/" stands for
// docker.io). No entry for the registry is not an error: the result is empty.
Result<std::optional<Credentials>> FindCredentials(std::string_view docker_config_json,
                                                   std::string_view registry);

}  // namespace wcloud::oci
