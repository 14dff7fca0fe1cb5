// wasi:random: random (the kernel's CSPRNG), insecure (a per-instance PRNG) and insecure-seed.
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "wasi/host_call.h"

namespace wcloud::wasi {
namespace {

// More than a guest can take into its 4 GiB memory in practice; stops a request for 2^64 bytes
// from exhausting the host first.
constexpr uint64_t kMaxRandomBytes = 64 * 1024 * 1024;

Status CheckLength(uint64_t len) {
  if (len > kMaxRandomBytes) {
    return Error("asked for " + std::to_string(len) + " random bytes, more than the " +
                 std::to_string(kMaxRandomBytes) + " allowed");
  }
  return Ok();
}

Status FillSecure(std::span<uint8_t> out) {
  while (!out.empty()) {
    ssize_t n = getrandom(out.data(), out.size(), 0);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return Error(std::string("getrandom: ") + std::strerror(errno));
    }
    out = out.subspan(static_cast<size_t>(n));
  }
  return Ok();
}

}  // namespace

void DefineRandom(component::Linker& linker) {
  DefineWasi(linker, "wasi:random/random", "get-random-bytes", 1,
             [](WasiState&, std::span<const Value> args, std::vector<Value>& out) -> Status {
               uint64_t len = args[0].as_unsigned();
               WCLOUD_TRY_STATUS(CheckLength(len));
               std::vector<uint8_t> bytes(static_cast<size_t>(len));
               WCLOUD_TRY_STATUS(FillSecure(bytes));
               out.push_back(Value::Bytes(std::move(bytes)));
               return Ok();
             });
  DefineWasi(linker, "wasi:random/random", "get-random-u64", 0,
             [](WasiState&, auto, std::vector<Value>& out) -> Status {
               uint64_t v = 0;
               WCLOUD_TRY_STATUS(FillSecure({reinterpret_cast<uint8_t*>(&v), sizeof v}));
               out.push_back(Value::Unsigned(v));
               return Ok();
             });
  DefineWasi(linker, "wasi:random/insecure", "get-insecure-random-bytes", 1,
             [](WasiState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
               uint64_t len = args[0].as_unsigned();
               WCLOUD_TRY_STATUS(CheckLength(len));
               std::vector<uint8_t> bytes(static_cast<size_t>(len));
               for (size_t i = 0; i < bytes.size(); i += 8) {
                 uint64_t word = state.insecure_random();
                 std::memcpy(bytes.data() + i, &word, std::min<size_t>(8, bytes.size() - i));
               }
               out.push_back(Value::Bytes(std::move(bytes)));
               return Ok();
             });
  DefineWasi(linker, "wasi:random/insecure", "get-insecure-random-u64", 0,
             [](WasiState& state, auto, std::vector<Value>& out) -> Status {
               out.push_back(Value::Unsigned(state.insecure_random()));
               return Ok();
             });
  DefineWasi(linker, "wasi:random/insecure-seed", "insecure-seed", 0,
             [](WasiState& state, auto, std::vector<Value>& out) -> Status {
               out.push_back(Value::Aggregate({Value::Unsigned(state.insecure_seed.first),
                                               Value::Unsigned(state.insecure_seed.second)}));
               return Ok();
             });
}

}  // namespace wcloud::wasi
