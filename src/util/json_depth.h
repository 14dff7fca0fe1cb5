// How deeply JSON text nests, found without parsing it or recursing: every later step (parse,
// patch, dump, compare) recurses per level, so text nested too deeply is refused first.
#pragma once

#include <cstddef>
#include <string_view>

#include "util/result.h"

namespace wcloud {

// Kubernetes' limit (k8s.io/apimachinery/pkg/util/json: maxDepth); its clients refuse deeper.
inline constexpr size_t kMaxJsonDepth = 10000;

// Fails when arrays and objects in `text` nest deeper than `max_depth`. Text that is not JSON
// passes (its parser reports that).
Status CheckJsonDepth(std::string_view text, size_t max_depth = kMaxJsonDepth);

}  // namespace wcloud
