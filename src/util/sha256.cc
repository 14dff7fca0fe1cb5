#include "util/sha256.h"

#include <openssl/evp.h>

#include <array>
#include <cassert>

namespace wcloud {

std::string Sha256Hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  [[maybe_unused]] int ok =
      EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  assert(ok == 1 && len == 32);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace wcloud
