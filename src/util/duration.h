// Durations as Go and kubectl write them: "500ms", "2s", "1m30s", "1.5h" (units ns, us, ms, s,
// m, h; decimal fractions; a sequence adds up). Used by command-line flags.
#pragma once

#include <chrono>
#include <string_view>

#include "util/result.h"

namespace wcloud {

// Errors name the text and what was expected. Negative durations are refused.
Result<std::chrono::nanoseconds> ParseDuration(std::string_view text);

}  // namespace wcloud
