#include "cli/log_format.h"

#include <spdlog/spdlog.h>

#include "util/json.h"
#include "util/timestamp.h"

namespace wcloud::cli {

void JsonLogFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
  const auto level = spdlog::level::to_string_view(msg.level);
  Json line = {{"ts", FormatMicroTime(std::chrono::time_point_cast<WallClock::duration>(msg.time))},
               {"level", std::string(level.data(), level.size())},
               {"logger", std::string(msg.logger_name.data(), msg.logger_name.size())},
               {"msg", std::string(msg.payload.data(), msg.payload.size())}};
  // Messages may quote guest or peer bytes that are not UTF-8: replaced, never thrown on.
  const std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
  dest.append(text.data(), text.data() + text.size());
  dest.push_back('\n');
}

Status SetLogFormat(const std::string& format) {
  if (format == "text") return Ok();
  if (format == "json") {
    spdlog::set_formatter(std::make_unique<JsonLogFormatter>());
    return Ok();
  }
  return Error("--log-format: \"" + format + "\": expected text or json",
               ErrorCode::kInvalidArgument);
}

}  // namespace wcloud::cli
