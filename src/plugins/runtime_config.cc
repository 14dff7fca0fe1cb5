#include "plugins/runtime_config.h"

#include <algorithm>

namespace wcloud::plugins {

RuntimeConfig::RuntimeConfig(const api::StringMap& host_interface_config,
                             const api::StringMap& local_config,
                             const EnvironmentInputs& environment) {
  api::StringMap secret;  // key → value, for the keys whose final value is from a Secret
  auto put_env = [&](const api::StringMap& layer, bool is_secret) {
    for (const auto& [k, v] : layer) {
      environment_[k] = v;
      if (is_secret) {
        secret[k] = v;
      } else {
        secret.erase(k);
      }
    }
  };
  put_env(environment.config, false);
  for (const auto& m : environment.config_maps) put_env(m, false);
  for (const auto& s : environment.secrets) put_env(s, true);

  values_ = host_interface_config;
  for (const auto& [k, v] : local_config) values_[k] = v;
  for (const auto& [k, v] : environment_) values_[k] = v;

  for (const auto& [k, v] : secret) {
    secret_keys_.push_back(k);
    if (!v.empty()) secret_values_.push_back(v);
  }
  std::sort(secret_values_.begin(), secret_values_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  secret_values_.erase(std::unique(secret_values_.begin(), secret_values_.end()),
                       secret_values_.end());
}

std::optional<std::string> RuntimeConfig::Get(std::string_view key) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, std::string>> RuntimeConfig::Environment() const {
  return {environment_.begin(), environment_.end()};
}

bool RuntimeConfig::IsSecret(std::string_view key) const {
  return std::binary_search(secret_keys_.begin(), secret_keys_.end(), key);
}

std::string RuntimeConfig::Redact(std::string_view text) const {
  std::string out(text);
  for (const auto& secret : secret_values_) {
    for (size_t pos = out.find(secret); pos != std::string::npos;
         pos = out.find(secret, pos + sizeof(kRedacted) - 1)) {
      out.replace(pos, secret.size(), kRedacted);
    }
  }
  return out;
}

std::string RuntimeConfig::Describe() const {
  std::string out;
  for (const auto& [k, v] : values_) {
    if (!out.empty()) out += ", ";
    out += k + "=" + (IsSecret(k) ? std::string(kRedacted) : v);
  }
  return out;
}

}  // namespace wcloud::plugins
