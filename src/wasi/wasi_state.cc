#include "wasi/wasi_state.h"

#include <sys/random.h>

#include <cerrno>

#include "wasi/fd_streams.h"

namespace wcloud::wasi {
namespace {

// Seeds come from the kernel's CSPRNG, which only fails before it is initialized at boot.
void SecureBytes(void* out, size_t size) {
  while (getrandom(out, size, 0) != static_cast<ssize_t>(size) && errno == EINTR) {
  }
}

uint64_t SecureU64() {
  uint64_t v = 0;
  SecureBytes(&v, sizeof v);
  return v;
}

}  // namespace

uint64_t InsecureRandom::operator()() {
  if (!engine_) engine_.emplace(SecureU64());
  return (*engine_)();
}

WasiState::WasiState(WasiConfig cfg) : config(std::move(cfg)) {
  // The seed and the hash key in one system call.
  uint64_t random[4] = {};
  SecureBytes(random, sizeof random);
  insecure_seed = {random[0], random[1]};
  metadata_hash_key.assign(reinterpret_cast<const char*>(&random[2]), 2 * sizeof(uint64_t));
  if (!config.stdin_stream) {
    config.stdin_stream = std::make_shared<FdInputStream>(0);
  }
  if (!config.stdout_stream) {
    config.stdout_stream = std::make_shared<FdOutputStream>(1);
  }
  if (!config.stderr_stream) {
    config.stderr_stream = std::make_shared<FdOutputStream>(2);
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
