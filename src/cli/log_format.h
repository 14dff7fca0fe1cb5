// `--log-format json`: the binary's own spdlog lines as one JSON object per line,
// {"ts": RFC 3339 with microseconds, "level", "logger", "msg"}, for log collectors; "text" (the
// default) leaves spdlog's pattern alone.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>

#include "util/result.h"

namespace wcloud::cli {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLogFormatter>();
  }
};

// Sets the format of spdlog's default and registered loggers: "text" or "json".
Status SetLogFormat(const std::string& format);

}  // namespace wcloud::cli
