#include "wasi/exit.h"

#include <string>

namespace wcloud::wasi {

Error ExitError(uint8_t status) {
  return Error("the guest exited with status " + std::to_string(status),
               wcloud::ErrorCode::kAborted, ErrorDetails::Guest(GuestStop::kExit, status));
}

std::optional<uint8_t> ExitStatus(const Error& error) {
  if (error.details().guest != GuestStop::kExit) return std::nullopt;
  return static_cast<uint8_t>(error.details().exit_status);
}

}  // namespace wcloud::wasi
