// A component's runtime configuration: what wasi:config/store answers and what the host puts in
// wasi:cli/environment. Layers, later wins:
//   1. the `config` of the workload's wasi:config hostInterfaces entry,
//   2. the component's localResources.config,
//   3. its localResources.environment: the literal `config`, then each configFrom ConfigMap,
//      then each secretFrom Secret, in the order listed.
// Layer 3 alone is also the component's environment variables.
//
// Which keys hold Secret data is remembered so that their values never reach a log line, an
// event or a status: Redact() is applied to every message built from guest or config data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/object_meta.h"

namespace wcloud::plugins {

// localResources.environment with its references already resolved (by the operator, which reads
// the ConfigMaps and Secrets): the data of each, in the manifest's order.
struct EnvironmentInputs {
  api::StringMap config;
  std::vector<api::StringMap> config_maps;  // configFrom
  std::vector<api::StringMap> secrets;      // secretFrom
};

inline constexpr char kRedacted[] = "[redacted]";

class RuntimeConfig {
 public:
  RuntimeConfig() = default;
  RuntimeConfig(const api::StringMap& host_interface_config, const api::StringMap& local_config,
                const EnvironmentInputs& environment);

  std::optional<std::string> Get(std::string_view key) const;
  // All layers merged.
  const api::StringMap& values() const { return values_; }
  // Layer 3 only, for WasiConfig::env.
  std::vector<std::pair<std::string, std::string>> Environment() const;

  bool IsSecret(std::string_view key) const;
  // `text` with every occurrence of a secret value replaced by kRedacted.
  std::string Redact(std::string_view text) const;
  // "KEY=value, SECRET=[redacted]", for logs.
  std::string Describe() const;

 private:
  api::StringMap values_;
  api::StringMap environment_;
  std::vector<std::string> secret_keys_;    // sorted
  std::vector<std::string> secret_values_;  // longest first, so overlapping secrets redact whole
};

}  // namespace wcloud::plugins
