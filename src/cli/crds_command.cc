// `wcloud crds`: the CustomResourceDefinitions of runtime.wasmcloud.dev/v1alpha1.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/crds.h"
#include "cli/commands.h"
#include "util/yaml.h"

namespace wcloud::cli {

void AddCrdsCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "crds", "Print the five CustomResourceDefinitions (pipe into kubectl apply -f -)");
  auto out_dir = std::make_shared<std::string>();
  cmd->add_option("--out-dir", *out_dir,
                  "Write one file per CRD (runtime.wasmcloud.dev_<plural>.yaml) into this "
                  "directory instead of printing");
  cmd->callback([out_dir, &exit_code] {
    auto crds = api::GenerateCrds();
    if (out_dir->empty()) {
      std::cout << ToYamlDocuments(crds);
      exit_code = 0;
      return;
    }
    std::error_code ec;
    std::filesystem::create_directories(*out_dir, ec);
    for (const auto& crd : crds) {
      std::string plural = crd["spec"]["names"]["plural"].get<std::string>();
      auto path = std::filesystem::path(*out_dir) / ("runtime.wasmcloud.dev_" + plural + ".yaml");
      std::ofstream out(path);
      out << "---\n" << ToYaml(crd);
      if (!out) {
        std::cerr << "error: " << path.string() << ": write failed\n";
        exit_code = 1;
        return;
      }
      std::cout << path.string() << "\n";
    }
    exit_code = 0;
  });
}

}  // namespace wcloud::cli
