// kubeconfig files: reading one into a RestConfig (what kubectl would use), and writing the one
// `wcloud up` hands to users.
#pragma once

#include <filesystem>
#include <string>

#include "kube/rest_config.h"
#include "util/result.h"

namespace wcloud::kube {

// The context named `context`, or current-context when empty.
Result<RestConfig> LoadKubeconfig(const std::filesystem::path& path,
                                  const std::string& context = "");

// A kubeconfig with one cluster, user and context, all named `name`.
std::string RenderKubeconfig(const std::string& name, const std::string& server,
                             const std::string& ca_pem, const std::string& token,
                             const std::string& default_namespace = "default");

// The service account of the pod we run in (KUBERNETES_SERVICE_HOST/PORT and
// /var/run/secrets/kubernetes.io/serviceaccount).
Result<RestConfig> InClusterConfig();

}  // namespace wcloud::kube
