#include "api/request_timeout.h"

#include "util/duration.h"

namespace wcloud::api {

Result<std::chrono::milliseconds> ParseRequestTimeout(std::string_view value) {
  auto parsed = ParseDuration(value);
  if (!parsed) return parsed.error();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*parsed);
  if (ms < std::chrono::milliseconds(1)) {
    return Error("\"" + std::string(value) + "\": must be at least 1ms",
                 ErrorCode::kInvalidArgument);
  }
  if (ms > kMaxRequestTimeout) {
    return Error("\"" + std::string(value) + "\": must be at most 1h", ErrorCode::kInvalidArgument);
  }
  return ms;
}

Result<std::optional<std::chrono::milliseconds>> RequestTimeoutOf(
    const std::map<std::string, std::string>& annotations) {
  auto it = annotations.find(kRequestTimeoutAnnotation);
  if (it == annotations.end()) return std::optional<std::chrono::milliseconds>();
  auto timeout = ParseRequestTimeout(it->second);
  if (!timeout) {
    return timeout.error().Wrap(std::string("annotation ") + kRequestTimeoutAnnotation);
  }
  return std::optional<std::chrono::milliseconds>(*timeout);
}

}  // namespace wcloud::api
