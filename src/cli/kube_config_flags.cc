#include "cli/kube_config_flags.h"

#include <cstdlib>
#include <filesystem>

#include "kube/kubeconfig.h"

namespace wcloud::cli {

Result<kube::RestConfig> KubeClientConfig(const std::string& kubeconfig,
                                          const std::string& context) {
  std::string path = kubeconfig;
  if (path.empty()) {
    if (const char* env = std::getenv("KUBECONFIG"); env && *env) path = env;
  }
  if (path.empty() && std::getenv("KUBERNETES_SERVICE_HOST")) return kube::InClusterConfig();
  if (path.empty()) {
    const char* home = std::getenv("HOME");
    path = (std::filesystem::path(home ? home : ".") / ".kube" / "config").string();
  }
  return kube::LoadKubeconfig(path, context);
}

}  // namespace wcloud::cli
