#include "util/random.h"

#include <openssl/rand.h>

#include <cassert>
#include <vector>

namespace wcloud {
namespace {

std::string Hex(const unsigned char* data, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out;
}

}  // namespace

std::string RandomHex(size_t bytes) {
  std::vector<unsigned char> b(bytes);
  [[maybe_unused]] int ok = RAND_bytes(b.data(), static_cast<int>(b.size()));
  assert(ok == 1);
  return Hex(b.data(), b.size());
}

std::string RandomUuid() {
  unsigned char b[16];
  [[maybe_unused]] int ok = RAND_bytes(b, sizeof b);
  assert(ok == 1);
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  std::string hex = Hex(b, sizeof b);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace wcloud
