// Loading a component from a file: read, then decode and validate.
#pragma once

#include <memory>
#include <string>

#include "component/component.h"
#include "util/result.h"

namespace wcloud::component {

// Errors name the file ("x.wasm: offset 12: ...").
Result<std::shared_ptr<const Component>> LoadComponentFile(const std::string& path);

}  // namespace wcloud::component
