// The world of a decoded component as WIT text, in the form `wasm-tools component wit` (and so
// `jco wit`) prints it: package root:component, world root, imports and exports by name, inline
// interfaces and world-level types and functions spelled out. Used by `wcloud inspect`.
#pragma once

#include <string>

#include "component/component.h"
#include "util/result.h"

namespace wcloud::component {

// An Error when the component's types cannot be written as WIT (an unnamed record, a type used
// from an interface that does not export it, ...); the message names the import or export.
Result<std::string> PrintWit(const Component& component);

}  // namespace wcloud::component
