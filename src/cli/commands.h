// Each wcloud subcommand registers itself on the root CLI11 app; main wires them together.
#pragma once

#include <CLI/CLI.hpp>

namespace wcloud::cli {

// Every Add*Command adds one subcommand whose callback sets the process exit code through
// `exit_code`, so main returns it after CLI11 has parsed and dispatched.
void AddVersionCommand(CLI::App& app, int& exit_code);
void AddPushCommand(CLI::App& app, int& exit_code);
void AddPullCommand(CLI::App& app, int& exit_code);
void AddCrdsCommand(CLI::App& app, int& exit_code);
void AddValidateCommand(CLI::App& app, int& exit_code);
void AddUpCommand(CLI::App& app, int& exit_code);
void AddRunCommand(CLI::App& app, int& exit_code);
void AddInspectCommand(CLI::App& app, int& exit_code);
void AddServeCommand(CLI::App& app, int& exit_code);

}  // namespace wcloud::cli
