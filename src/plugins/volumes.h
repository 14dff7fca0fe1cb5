// A workload's volumes as wasi:filesystem preopens. `ephemeral: {}` is a fresh directory under
// the host's data directory, made when the workload starts and removed with everything in it
// when this object goes (the workload stops); `hostPath: {path}` is an existing host directory.
// Each component mounts volumes by name at `mountPath`, `readOnly` enforced by the preopen.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/types.h"
#include "util/result.h"
#include "wasi/wasi.h"

namespace wcloud::plugins {

class WorkloadVolumes {
 public:
  // Makes the ephemeral directories under `data_dir`/volumes/ and checks that every hostPath
  // exists and is a directory. Errors name the volume ("volumes[1].hostPath.path: ...").
  static Result<std::unique_ptr<WorkloadVolumes>> Create(const std::vector<api::Volume>& volumes,
                                                         const std::filesystem::path& data_dir);
  ~WorkloadVolumes();
  WorkloadVolumes(const WorkloadVolumes&) = delete;
  WorkloadVolumes& operator=(const WorkloadVolumes&) = delete;

  // The preopens of one component's volumeMounts; errors name the mount under `path`
  // ("spec.components[0].localResources.volumeMounts[2].name: no volume named \"x\"").
  Result<std::vector<wasi::Preopen>> Preopens(const std::vector<api::VolumeMount>& mounts,
                                              const std::string& path = "volumeMounts") const;

  // The host directory behind volume `name`, or empty.
  std::filesystem::path HostPath(const std::string& name) const;

 private:
  WorkloadVolumes() = default;
  std::map<std::string, std::filesystem::path> dirs_;  // by volume name
  std::filesystem::path ephemeral_root_;               // removed on destruction; may be empty
};

}  // namespace wcloud::plugins
