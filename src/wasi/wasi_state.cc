#include "wasi/wasi_state.h"

#include <sys/random.h>

#include <cerrno>

#include "wasi/fd_streams.h"

namespace wcloud::wasi {
namespace {

// Seeds come from the kernel's CSPRNG, which only fails before it is initialized at boot.
uint64_t SecureU64() {
  uint64_t v = 0;
  while (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v) && errno == EINTR) {
  }
  return v;
}

}  // namespace

WasiState::WasiState(WasiConfig cfg)
    : config(std::move(cfg)),
      insecure_random(SecureU64()),
      insecure_seed(SecureU64(), SecureU64()) {
  if (!config.stdin_stream) {
    config.stdin_stream = std::make_shared<FdInputStream>(0);
  }
  if (!config.stdout_stream) {
    config.stdout_stream = std::make_shared<FdOutputStream>(1);
  }
  if (!config.stderr_stream) {
    config.stderr_stream = std::make_shared<FdOutputStream>(2);
  }
  for (int i = 0; i < 2; ++i) {
    uint64_t k = SecureU64();
    metadata_hash_key.append(reinterpret_cast<const char*>(&k), sizeof k);
  }
}

Result<WasiState*> FindWasiState(component::InstanceData& data) {
  WasiState* state = data.Find<WasiState>();
  if (state == nullptr) {
    return Error("WASI is not attached to this instance (AttachWasi was not called)");
  }
  return state;
}

}  // namespace wcloud::wasi
