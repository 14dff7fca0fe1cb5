// What a host allows each guest unless its Workload says otherwise, as `wcloud host` and
// `wcloud up` take it: --max-memory-mb (each linear memory; a component's memoryLimitMb
// replaces it), --request-timeout (each wasi:http request; a Workload's
// wcloud.dev/request-timeout annotation replaces it) and --max-request-timeout (the longest
// such an annotation may ask for on this host).
#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "cli/commands.h"
#include "util/result.h"

namespace wcloud::cli {

struct HostLimitFlags {
  uint64_t max_memory_mb = kDefaultMaxMemoryMb;
  std::string request_timeout = "30s";
  std::string max_request_timeout = "5m";
};

struct HostLimits {
  uint64_t max_memory_mb = 0;  // 0: the module's own limits
  std::chrono::milliseconds request_timeout{0};
  std::chrono::milliseconds max_request_timeout{0};
};

void AddHostLimitFlags(CLI::App& cmd, HostLimitFlags& flags);

// An error names the flag.
Result<HostLimits> ParseHostLimits(const HostLimitFlags& flags);

}  // namespace wcloud::cli
