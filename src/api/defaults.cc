#include "api/defaults.h"

namespace wcloud::api {
namespace {

void DefaultTemplate(WorkloadTemplate& t) { ApplyDefaults(t.spec); }

}  // namespace

std::string DefaultPullPolicy(const std::string& image) {
  std::string_view ref = image;
  if (ref.find('@') != std::string_view::npos) return "IfNotPresent";
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  if (!has_tag || ref.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void ApplyDefaults(WorkloadSpec& spec) {
  for (auto& c : spec.components) {
    if (c.image_pull_policy.empty()) c.image_pull_policy = DefaultPullPolicy(c.image);
  }
  if (spec.service && spec.service->image_pull_policy.empty()) {
    spec.service->image_pull_policy = DefaultPullPolicy(spec.service->image);
  }
}

void ApplyDefaults(AnyObject& object) {
  std::visit(
      [](auto& o) {
        using T = std::decay_t<decltype(o)>;
        if (o.metadata.namespace_.empty()) o.metadata.namespace_ = "default";
        if constexpr (std::is_same_v<T, Workload>) {
          ApplyDefaults(o.spec);
        } else if constexpr (std::is_same_v<T, WorkloadReplicaSet>) {
          if (!o.spec.replicas) o.spec.replicas = 1;
          DefaultTemplate(o.spec.template_);
        } else if constexpr (std::is_same_v<T, WorkloadDeployment>) {
          auto& s = o.spec;
          if (!s.replicas) s.replicas = 1;
          if (s.deploy_policy.empty()) s.deploy_policy = "RollingUpdate";
          if (s.deploy_policy == "RollingUpdate") {
            if (!s.rolling_update) s.rolling_update.emplace();
            if (!s.rolling_update->max_surge)
              s.rolling_update->max_surge = IntOrString{std::string("25%")};
            if (!s.rolling_update->max_unavailable) {
              s.rolling_update->max_unavailable = IntOrString{std::string("25%")};
            }
          }
          if (!s.revision_history_limit) s.revision_history_limit = 10;
          DefaultTemplate(s.template_);
        }
      },
      object);
}

}  // namespace wcloud::api
