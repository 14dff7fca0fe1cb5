// The JSON value type used across wcloud. ordered_json keeps object keys in insertion order, so
// objects we encode read in declaration order (as Kubernetes prints them) and documents we decode
// round-trip in the order they were written. nlohmann also gives us JSON Patch and merge patch.
#pragma once

#include <nlohmann/json.hpp>

namespace wcloud {

using Json = nlohmann::ordered_json;

}  // namespace wcloud
