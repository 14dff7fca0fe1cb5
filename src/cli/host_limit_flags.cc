#include "cli/host_limit_flags.h"

#include "api/request_timeout.h"

namespace wcloud::cli {

void AddHostLimitFlags(CLI::App& cmd, HostLimitFlags& flags) {
  cmd.add_option("--max-memory-mb", flags.max_memory_mb,
                 "cap each guest linear memory at this size unless its component's "
                 "memoryLimitMb says otherwise; 0: the module's own limits")
      ->capture_default_str();
  cmd.add_option("--request-timeout", flags.request_timeout,
                 "answer 504 to a request still running after this long, unless its Workload's "
                 "wcloud.dev/request-timeout annotation says otherwise")
      ->capture_default_str();
  cmd.add_option("--max-request-timeout", flags.max_request_timeout,
                 "the longest request timeout a Workload may ask for on this host")
      ->capture_default_str();
}

Result<HostLimits> ParseHostLimits(const HostLimitFlags& flags) {
  HostLimits limits;
  limits.max_memory_mb = flags.max_memory_mb;
  if (limits.max_memory_mb > 4096) {
    return Error("--max-memory-mb: at most 4096 (a 32-bit memory holds 4 GiB)");
  }
  auto timeout = api::ParseRequestTimeout(flags.request_timeout);
  if (!timeout) return timeout.error().Wrap("--request-timeout");
  auto max = api::ParseRequestTimeout(flags.max_request_timeout);
  if (!max) return max.error().Wrap("--max-request-timeout");
  if (*timeout > *max) {
    return Error("--request-timeout " + flags.request_timeout + " is longer than " +
                 "--max-request-timeout " + flags.max_request_timeout);
  }
  limits.request_timeout = *timeout;
  limits.max_request_timeout = *max;
  return limits;
}

}  // namespace wcloud::cli
