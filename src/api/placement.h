// Where the operator started a Workload: its "<workloadId>@<hostId>" annotation, read by the
// operator after a restart, and by the API server and `wcloud logs` to reach the workload's host.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace wcloud::api {

inline constexpr char kWorkloadIdAnnotation[] = "runtime.wasmcloud.dev/workload-id";

struct Placement {
  std::string workload_id;
  std::string host_id;
};

// None when the annotation is missing or not "<id>@<host>".
inline std::optional<Placement> PlacementOf(const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(kWorkloadIdAnnotation);
  if (it == annotations.end()) return std::nullopt;
  const size_t at = it->second.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == it->second.size()) return std::nullopt;
  return Placement{it->second.substr(0, at), it->second.substr(at + 1)};
}

}  // namespace wcloud::api
