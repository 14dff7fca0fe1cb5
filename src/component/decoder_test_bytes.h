// Hand assembly of component binaries for the decoder and printer tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string_view>
#include <vector>

namespace wcloud::component::test_bytes {

using Bytes = std::vector<uint8_t>;

inline void Leb(Bytes& out, uint32_t value) {
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    out.push_back(value ? byte | 0x80 : byte);
  } while (value);
}

inline Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes Name(std::string_view name) {
  Bytes out;
  Leb(out, static_cast<uint32_t>(name.size()));
  out.insert(out.end(), name.begin(), name.end());
  return out;
}

// A section: id, size, payload (vector sections include their count in `payload`).
inline Bytes Section(uint8_t id, const Bytes& payload) {
  Bytes out{id};
  Leb(out, static_cast<uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

inline Bytes ComponentBytes(std::initializer_list<Bytes> sections) {
  static constexpr uint8_t kPreamble[] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
  size_t size = sizeof(kPreamble);
  for (const auto& s : sections) size += s.size();
  // Sized up front: GCC 12 misreports growing a vector from 8 bytes as out of bounds.
  Bytes out(size);
  std::copy(std::begin(kPreamble), std::end(kPreamble), out.begin());
  auto at = out.begin() + sizeof(kPreamble);
  for (const auto& s : sections) at = std::copy(s.begin(), s.end(), at);
  return out;
}

}  // namespace wcloud::component::test_bytes
