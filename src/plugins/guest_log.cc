#include "plugins/guest_log.h"

#include <spdlog/spdlog.h>

namespace wcloud::plugins {
namespace {

spdlog::level::level_enum SpdlogLevel(GuestLevel level) {
  switch (level) {
    case GuestLevel::kTrace:
      return spdlog::level::trace;
    case GuestLevel::kDebug:
      return spdlog::level::debug;
    case GuestLevel::kInfo:
      return spdlog::level::info;
    case GuestLevel::kWarn:
      return spdlog::level::warn;
    case GuestLevel::kError:
      return spdlog::level::err;
    case GuestLevel::kCritical:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

}  // namespace

std::string_view GuestLevelName(GuestLevel level) {
  switch (level) {
    case GuestLevel::kTrace:
      return "trace";
    case GuestLevel::kDebug:
      return "debug";
    case GuestLevel::kInfo:
      return "info";
    case GuestLevel::kWarn:
      return "warn";
    case GuestLevel::kError:
      return "error";
    case GuestLevel::kCritical:
      return "critical";
  }
  return "info";
}

std::string EscapeLogText(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= max_bytes) {
      out += "...";
      break;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

GuestLog::GuestLog(std::shared_ptr<spdlog::logger> logger, std::string workload,
                   std::string component, std::shared_ptr<const RuntimeConfig> config,
                   GuestLogOptions options)
    : logger_(std::move(logger)),
      workload_(std::move(workload)),
      component_(std::move(component)),
      config_(std::move(config)),
      options_(options) {}

void GuestLog::Write(GuestLevel level, std::string_view context, std::string_view message,
                     uint64_t dropped_before) {
  if (!logger_ && !options_.copy_to) return;
  auto clean = [&](std::string_view s) {
    std::string escaped = EscapeLogText(s, options_.max_line_bytes);
    return config_ ? config_->Redact(escaped) : escaped;
  };
  std::string suffix =
      dropped_before ? " (" + std::to_string(dropped_before) + " lines dropped before)" : "";
  const std::string text = clean(message) + suffix;
  const std::string where = clean(context);
  if (logger_) {
    logger_->log(SpdlogLevel(level), "guest workload={} component={} context={}: {}", workload_,
                 component_, where, text);
  }
  if (options_.copy_to) options_.copy_to(level, where, text);
}

GuestLog::Instance::Instance(std::shared_ptr<GuestLog> log)
    : log_(std::move(log)), bucket_(log_->options_.lines_per_second, log_->options_.burst) {}

bool GuestLog::Instance::Log(GuestLevel level, std::string_view context, std::string_view message,
                             TokenBucket::Clock::time_point now) {
  if (!bucket_.TryTake(now)) {
    ++dropped_;
    ++unreported_;
    log_->dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  log_->Write(level, context, message, unreported_);
  unreported_ = 0;
  return true;
}

}  // namespace wcloud::plugins
