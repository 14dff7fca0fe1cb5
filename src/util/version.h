// Build identity of this wcloud binary.
#pragma once

#include <string_view>

namespace wcloud {

std::string_view Version();    // semantic version, e.g. "0.1.0"
std::string_view GitCommit();  // short commit the binary was built from, or "unknown"

}  // namespace wcloud
