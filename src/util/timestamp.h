// Kubernetes timestamps: metav1.Time ("2026-11-24T14:33:37Z") and MicroTime
// ("2026-11-24T14:33:37.123456Z"), always UTC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud {

using WallClock = std::chrono::system_clock;

std::string FormatTime(WallClock::time_point t);       // second precision
std::string FormatMicroTime(WallClock::time_point t);  // microsecond precision
inline std::string NowTime() { return FormatTime(WallClock::now()); }
inline std::string NowMicroTime() { return FormatMicroTime(WallClock::now()); }

// Parses RFC 3339 ("Z" or a numeric offset, optional fraction).
Result<WallClock::time_point> ParseTime(std::string_view text);

}  // namespace wcloud
