// Each wcloud subcommand registers itself on the root CLI11 app; main wires them together.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

#include "host/log_ring.h"

namespace wcloud::cli {

// A host's cap on each guest linear memory unless told otherwise (wasmCloud's MAX_LINEAR_MEMORY).
inline constexpr uint64_t kDefaultMaxMemoryMb = 256;

// --log-ring-bytes and --log-ring-lines: how much of each workload's output a host keeps for
// `wcloud logs` (host and up).
void AddLogRingFlags(CLI::App& cmd, host::LogRing::Limits& limits);

// Every Add*Command adds one subcommand whose callback sets the process exit code through
// `exit_code`, so main returns it after CLI11 has parsed and dispatched.
void AddVersionCommand(CLI::App& app, int& exit_code);
void AddPushCommand(CLI::App& app, int& exit_code);
void AddPullCommand(CLI::App& app, int& exit_code);
void AddCrdsCommand(CLI::App& app, int& exit_code);
void AddValidateCommand(CLI::App& app, int& exit_code);
void AddUpCommand(CLI::App& app, int& exit_code);
void AddHostCommand(CLI::App& app, int& exit_code);
void AddOperatorCommand(CLI::App& app, int& exit_code);
void AddRunCommand(CLI::App& app, int& exit_code);
void AddInspectCommand(CLI::App& app, int& exit_code);
void AddServeCommand(CLI::App& app, int& exit_code);
void AddLogsCommand(CLI::App& app, int& exit_code);

}  // namespace wcloud::cli
