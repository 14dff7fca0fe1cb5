// How wasi:cli/exit stops a guest: the host function returns an Error coded kAborted with
// GuestStop::kExit and the status, the runtime unwinds the guest as for any trap, and the runner
// tells an exit from a crash by those details.
#pragma once

#include <cstdint>
#include <optional>

#include "util/result.h"

namespace wcloud::wasi {

// exit(ok) is status 0, exit(err) status 1, exit-with-code(n) status n.
Error ExitError(uint8_t status);

// The status of an Error made by ExitError (also after Wrap), nullopt for any other Error.
std::optional<uint8_t> ExitStatus(const Error& error);

}  // namespace wcloud::wasi
