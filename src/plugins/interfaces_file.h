// The declarations `wcloud serve COMPONENT.wasm --interfaces FILE.yaml` takes: the manifest's
// own fields, at the top level of the file, so everything a Workload binds can be tried without
// the control plane:
//
//   hostInterfaces: [...]     # as spec.hostInterfaces
//   volumes: [...]            # optional, as spec.volumes
//   localResources: {...}     # optional, as spec.components[].localResources
//
// Decoded and validated by the same codec and rules as a Workload (api/codec.h,
// api/validation.h); errors name the file and the field path.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types.h"
#include "util/result.h"

namespace wcloud::plugins {

struct InterfacesFile {
  std::vector<api::HostInterface> host_interfaces;
  std::vector<api::Volume> volumes;
  std::optional<api::LocalResources> local_resources;
};

// `name` prefixes errors ("interfaces.yaml: hostInterfaces[0].package: required value").
Result<InterfacesFile> ParseInterfacesFile(std::string_view text, const std::string& name);
Result<InterfacesFile> LoadInterfacesFile(const std::string& path);

}  // namespace wcloud::plugins
