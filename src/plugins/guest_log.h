// wasi:logging lines of one component, written to the host's spdlog logger with the workload,
// component, level and context, secrets redacted and control characters escaped (a guest cannot
// forge a line). Each instance has its own token bucket, so a guest cannot flood the host; what
// the bucket refuses is counted, here (for the workload) and per instance, and the next line that
// gets through says how many were dropped.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "plugins/runtime_config.h"
#include "plugins/token_bucket.h"

namespace spdlog {
class logger;
}

namespace wcloud::plugins {

// wasi:logging's level enum, in case order.
enum class GuestLevel : uint32_t { kTrace, kDebug, kInfo, kWarn, kError, kCritical };
std::string_view GuestLevelName(GuestLevel level);  // "info"

// Where else a line that got through the rate limit goes (the workload's log ring), with its
// context and message escaped and redacted as the host's log has them.
using GuestLogCopy =
    std::function<void(GuestLevel level, std::string_view context, std::string_view message)>;

struct GuestLogOptions {
  double lines_per_second = 100;
  double burst = 200;
  size_t max_line_bytes = 8192;  // longer messages are cut
  GuestLogCopy copy_to = nullptr;
};

class GuestLog {
 public:
  // `config`: whose secrets to redact; may be null.
  GuestLog(std::shared_ptr<spdlog::logger> logger, std::string workload, std::string component,
           std::shared_ptr<const RuntimeConfig> config, GuestLogOptions options = {});

  // The per-instance side: its rate limit and its count of dropped lines.
  class Instance {
   public:
    explicit Instance(std::shared_ptr<GuestLog> log);
    // False when the line was dropped by the rate limit.
    bool Log(GuestLevel level, std::string_view context, std::string_view message,
             TokenBucket::Clock::time_point now = TokenBucket::Clock::now());
    uint64_t dropped() const { return dropped_; }

   private:
    std::shared_ptr<GuestLog> log_;
    TokenBucket bucket_;
    uint64_t dropped_ = 0;
    uint64_t unreported_ = 0;  // dropped since the last line that got through
  };

  // Lines dropped by all instances of the component.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void Write(GuestLevel level, std::string_view context, std::string_view message,
             uint64_t dropped_before);

  std::shared_ptr<spdlog::logger> logger_;
  const std::string workload_;
  const std::string component_;
  const std::shared_ptr<const RuntimeConfig> config_;
  const GuestLogOptions options_;
  std::atomic<uint64_t> dropped_{0};
};

// `text` with control characters as \n, \t, \xNN, cut to `max_bytes` (then "...").
std::string EscapeLogText(std::string_view text, size_t max_bytes);

}  // namespace wcloud::plugins
