#include "plugins/volumes.h"

#include <stdlib.h>

#include "api/field_error.h"

namespace wcloud::plugins {

Result<std::unique_ptr<WorkloadVolumes>> WorkloadVolumes::Create(
    const std::vector<api::Volume>& volumes, const std::filesystem::path& data_dir) {
  std::unique_ptr<WorkloadVolumes> out(new WorkloadVolumes());
  for (size_t i = 0; i < volumes.size(); ++i) {
    const api::Volume& v = volumes[i];
    const std::string at = api::IndexPath("volumes", i);
    std::error_code ec;
    if (v.ephemeral.has_value() == v.host_path.has_value()) {
      return Error(at + ": exactly one of ephemeral or hostPath must be set");
    }
    if (out->dirs_.count(v.name)) return Error(at + ".name: duplicate volume \"" + v.name + "\"");
    if (v.host_path) {
      const std::filesystem::path p = v.host_path->path;
      if (!std::filesystem::exists(p, ec)) {
        return Error(at + ".hostPath.path: " + p.string() + " does not exist on this host");
      }
      if (!std::filesystem::is_directory(p, ec)) {
        return Error(at + ".hostPath.path: " + p.string() + " is not a directory");
      }
      out->dirs_[v.name] = p;
      continue;
    }
    if (out->ephemeral_root_.empty()) {
      std::filesystem::create_directories(data_dir / "volumes", ec);
      std::string tmpl = (data_dir / "volumes" / "workload-XXXXXX").string();
      if (ec || mkdtemp(tmpl.data()) == nullptr) {
        return Error(at + ".ephemeral: cannot make a directory under " +
                     (data_dir / "volumes").string() + (ec ? ": " + ec.message() : ""));
      }
      out->ephemeral_root_ = tmpl;
    }
    std::filesystem::path dir = out->ephemeral_root_ / v.name;
    if (!std::filesystem::create_directory(dir, ec)) {
      return Error(at + ".ephemeral: cannot make " + dir.string() +
                   (ec ? ": " + ec.message() : ""));
    }
    out->dirs_[v.name] = dir;
  }
  return out;
}

WorkloadVolumes::~WorkloadVolumes() {
  if (ephemeral_root_.empty()) return;
  std::error_code ec;  // nobody to report to: a leftover directory is only disk space
  std::filesystem::remove_all(ephemeral_root_, ec);
}

Result<std::vector<wasi::Preopen>> WorkloadVolumes::Preopens(
    const std::vector<api::VolumeMount>& mounts, const std::string& path) const {
  std::vector<wasi::Preopen> out;
  for (size_t i = 0; i < mounts.size(); ++i) {
    const api::VolumeMount& m = mounts[i];
    const std::string at = api::IndexPath(path, i);
    auto it = dirs_.find(m.name);
    if (it == dirs_.end()) return Error(at + ".name: no volume named \"" + m.name + "\"");
    if (m.mount_path.empty() || m.mount_path.front() != '/') {
      return Error(at + ".mountPath: must be an absolute path");
    }
    out.push_back({it->second.string(), m.mount_path, m.read_only.value_or(false)});
  }
  return out;
}

std::filesystem::path WorkloadVolumes::HostPath(const std::string& name) const {
  auto it = dirs_.find(name);
  return it == dirs_.end() ? std::filesystem::path() : it->second;
}

}  // namespace wcloud::plugins
