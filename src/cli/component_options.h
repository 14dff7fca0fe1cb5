// Flags that `wcloud run` and `wcloud serve` share: --env NAME=VALUE and --dir HOST::GUEST.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"
#include "wasi/wasi.h"

namespace wcloud::cli {

// argv[0] is the component's file name without its extension, as `jco run` passes it.
Result<wasi::WasiConfig> MakeWasiConfig(const std::string& file,
                                        const std::vector<std::string>& args,
                                        const std::vector<std::string>& env,
                                        const std::vector<std::string>& dirs);

}  // namespace wcloud::cli
