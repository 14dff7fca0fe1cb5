// Unsigned LEB128, the integers of the WebAssembly binary formats and protobuf's varints: the one
// decoder behind every reader of them (the module scan, the module and component decoders, the
// API server's protobuf bodies). Inline: the code scan reads a 10 MB module byte by byte.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wcloud {

enum class LebStatus : uint8_t {
  kOk,
  kTruncated,  // the bytes end inside the integer
  kTooLong,    // more bytes than `bits` needs
  kTooLarge,   // the last byte carries bits past `bits`
};

struct LebRead {
  uint64_t value = 0;
  size_t length = 0;  // bytes read, also when it failed (where the failure was found)
  LebStatus status = LebStatus::kOk;
  bool ok() const { return status == LebStatus::kOk; }
};

namespace leb128_internal {
template <bool kValue>
inline LebRead Scan(const uint8_t* p, const uint8_t* end, int bits) {
  LebRead out;
  for (int shift = 0;; shift += 7) {
    if (shift >= bits) {
      out.status = LebStatus::kTooLong;
      return out;
    }
    if (p == end) {
      out.status = LebStatus::kTruncated;
      return out;
    }
    const uint8_t b = *p++;
    ++out.length;
    if constexpr (kValue) {
      if (shift + 7 > bits && (b & 0x7f) >> (bits - shift) != 0) {
        out.status = LebStatus::kTooLarge;
        return out;
      }
      out.value |= static_cast<uint64_t>(b & 0x7f) << shift;
    }
    if ((b & 0x80) == 0) return out;
  }
}
}  // namespace leb128_internal

// The unsigned integer of at most `bits` bits (1 to 64) at the front of [p, end): at most
// ceil(bits / 7) bytes, the last carrying only bits that fit, as the WebAssembly spec requires.
inline LebRead ReadLeb128(const uint8_t* p, const uint8_t* end, int bits) {
  return leb128_internal::Scan<true>(p, end, bits);
}

// The length of the LEB128 of at most `bits` bits, signed or unsigned, at the front of [p, end),
// its value not read: for immediates a reader passes over. Never kTooLarge.
inline LebRead SkipLeb128(const uint8_t* p, const uint8_t* end, int bits) {
  return leb128_internal::Scan<false>(p, end, bits);
}

}  // namespace wcloud
