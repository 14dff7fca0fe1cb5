// CustomResourceDefinitions (apiextensions.k8s.io/v1) for the five kinds, generated from the
// same type descriptions as the codec. `wcloud crds` prints them; config/crd/bases holds them.
#pragma once

#include <vector>

#include "util/json.h"

namespace wcloud::api {

// In the order of AllKinds().
std::vector<Json> GenerateCrds();

}  // namespace wcloud::api
