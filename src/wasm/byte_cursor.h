// A bounded cursor over core module bytes, for the decoders behind PrepareResettable (the code
// scan and the section scan). Inline on purpose: the code scan reads a 10 MB module byte by byte,
// and its immediates are mostly one-byte LEB128s that SkipLeb takes without a call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

namespace wcloud::wasm {

// Reads [pos, end) of `bytes`; offsets (pos(), failure_pos()) count from the start of `bytes`.
// Failures are sticky: after the first, reads return 0 without moving, so decoding loops end
// quickly and the caller checks failed() once per instruction instead of unwrapping a Result per
// immediate.
class ByteCursor {
 public:
  ByteCursor(std::span<const uint8_t> bytes, size_t pos, size_t end)
      : base_(bytes.data()), p_(base_ + pos), end_(base_ + end) {}

  size_t pos() const { return static_cast<size_t>(p_ - base_); }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  bool AtEnd() const { return p_ == end_; }
  bool failed() const { return failure_ != nullptr; }
  size_t failure_pos() const { return failure_pos_; }
  const char* failure() const { return failure_; }

  void Fail(const char* what) {
    if (failure_ == nullptr) {
      failure_ = what;
      failure_pos_ = pos();
    }
    p_ = end_;
  }

  uint8_t Byte() {
    if (p_ == end_) {
      Fail("unexpected end");
      return 0;
    }
    return *p_++;
  }
  uint8_t Peek() const { return p_ == end_ ? 0 : *p_; }

  // An unsigned LEB128 of at most `max_bytes` bytes.
  uint64_t Leb(int max_bytes) {
    uint64_t value = 0;
    for (int i = 0; i < max_bytes; ++i) {
      if (p_ == end_) {
        Fail("unexpected end");
        return 0;
      }
      const uint8_t b = *p_++;
      value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return value;
    }
    Fail("integer representation too long");
    return 0;
  }
  uint32_t U32() {
    const uint64_t v = Leb(5);
    if (v > std::numeric_limits<uint32_t>::max()) {
      Fail("integer too large");
      return 0;
    }
    return static_cast<uint32_t>(v);
  }
  // Skips a LEB128 (signed or unsigned) of at most `max_bytes` bytes; most are one byte.
  void SkipLeb(int max_bytes) {
    if (p_ != end_ && (*p_ & 0x80) == 0) {
      ++p_;
      return;
    }
    Leb(max_bytes);
  }
  void Skip(size_t n) {
    if (remaining() < n) {
      Fail("unexpected end");
      return;
    }
    p_ += n;
  }
  // A vector length, bounded by the bytes left (every element takes at least one byte).
  uint32_t Count() {
    const uint32_t n = U32();
    if (n > remaining()) Fail("count exceeds the bytes left");
    return failed() ? 0 : n;
  }
  // A name: its bytes are not checked for UTF-8 (the engine validates the module).
  std::string_view Name() {
    const uint32_t n = U32();
    if (n > remaining()) Fail("name runs past its section");
    if (failed()) return {};
    std::string_view name(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return name;
  }

 private:
  const uint8_t* base_;
  const uint8_t* p_;
  const uint8_t* end_;
  const char* failure_ = nullptr;
  size_t failure_pos_ = 0;
};

}  // namespace wcloud::wasm
