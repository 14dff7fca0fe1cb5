#include "wasi/exit.h"

#include <string>

namespace wcloud::wasi {

Error ExitError(uint8_t status) {
  return Error("the guest exited with status " + std::to_string(status),
               kExitErrorCodeBase + status);
}

std::optional<uint8_t> ExitStatus(const Error& error) {
  int status = error.code() - kExitErrorCodeBase;
  if (status < 0 || status > 255) {
    return std::nullopt;
  }
  return static_cast<uint8_t>(status);
}

}  // namespace wcloud::wasi
