// A bounded cursor over core module bytes, for the decoders behind PrepareResettable (the code
// scan and the section scan). Inline on purpose: the code scan reads a 10 MB module byte by byte,
// and its immediates are mostly one-byte LEB128s that SkipLeb takes without a call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string_view>

#include "util/leb128.h"

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

  uint32_t U32() { return static_cast<uint32_t>(Take(ReadLeb128(p_, end_, 32))); }
  // Skips a LEB128 (signed or unsigned) of at most `bits` bits; most are one byte.
  void SkipLeb(int bits) {
    if (p_ != end_ && (*p_ & 0x80) == 0) {
      ++p_;
      return;
    }
    Take(SkipLeb128(p_, end_, bits));
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
  // Moves past what `read` took: a failure is found at the byte it names.
  uint64_t Take(const LebRead& read) {
    p_ += read.length;
    if (read.ok()) return read.value;
    Fail(read.status == LebStatus::kTruncated ? "unexpected end"
         : read.status == LebStatus::kTooLong ? "integer representation too long"
                                              : "integer too large");
    return 0;
  }

  const uint8_t* base_;
  const uint8_t* p_;
  const uint8_t* end_;
  const char* failure_ = nullptr;
  size_t failure_pos_ = 0;
};

}  // namespace wcloud::wasm
