#include <iostream>

#include "cli/commands.h"
#include "util/version.h"

namespace wcloud::cli {

void AddVersionCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("version", "Print the wcloud version and build commit");
  cmd->callback([&exit_code] {
    std::cout << "wcloud " << Version() << " (commit " << GitCommit() << ")\n";
    exit_code = 0;
  });
}

}  // namespace wcloud::cli
