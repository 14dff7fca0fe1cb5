#include "cli/component_options.h"

#include <filesystem>

namespace wcloud::cli {

Result<wasi::WasiConfig> MakeWasiConfig(const std::string& file,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& env,
                                        const std::vector<std::string>& dirs) {
  wasi::WasiConfig config;
  config.args.push_back(std::filesystem::path(file).stem().string());
  config.args.insert(config.args.end(), args.begin(), args.end());
  for (const auto& kv : env) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Error("--env " + kv + ": expected NAME=VALUE");
    }
    config.env.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const auto& dir : dirs) {
    const size_t sep = dir.find("::");
    wasi::Preopen preopen;
    if (sep == std::string::npos) {
      preopen.host_path = dir;
      preopen.guest_path = dir;
    } else {
      preopen.host_path = dir.substr(0, sep);
      preopen.guest_path = dir.substr(sep + 2);
    }
    if (preopen.host_path.empty() || preopen.guest_path.empty()) {
      return Error("--dir " + dir + ": expected HOST::GUEST");
    }
    config.preopens.push_back(std::move(preopen));
  }
  return config;
}

}  // namespace wcloud::cli
