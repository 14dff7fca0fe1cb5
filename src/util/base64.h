// Standard base64 (RFC 4648, with padding), as kubeconfig and pull secrets use it.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud {

std::string Base64Encode(std::string_view data);
// Ignores line breaks and spaces; anything else malformed is an error.
Result<std::string> Base64Decode(std::string_view text);

}  // namespace wcloud
