// A bounded cursor over untrusted bytes: LEB128 integers, bytes and UTF-8 names, each read
// checked against the end, and every failure an Error naming the absolute file offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::component {

class BinaryReader {
 public:
  // `base` is the file offset of data[0], so messages name offsets in the whole file.
  BinaryReader(std::span<const uint8_t> data, uint32_t base) : data_(data), base_(base) {}

  uint32_t offset() const { return base_ + static_cast<uint32_t>(pos_); }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }

  Result<uint8_t> ReadByte();
  Result<uint8_t> PeekByte() const;
  Result<uint32_t> ReadU32();  // unsigned LEB128, at most 5 bytes
  Result<uint64_t> ReadU64();  // unsigned LEB128, at most 10 bytes
  Result<std::span<const uint8_t>> ReadBytes(size_t count);
  Result<std::string> ReadName();  // length-prefixed, valid UTF-8

  // A vector length, rejected when even `min_item_size` bytes per item would not fit in what
  // is left, so no caller reserves memory for items that cannot exist.
  Result<uint32_t> ReadCount(std::string_view what, size_t min_item_size = 1);

  // A reader over the next `size` bytes; this one moves past them.
  Result<BinaryReader> Sub(size_t size);

  Error Fail(std::string_view what) const { return FailAt(offset(), what); }
  static Error FailAt(uint32_t offset, std::string_view what);

 private:
  Result<uint64_t> ReadLeb(int bits);  // unsigned, of at most `bits` bits

  std::span<const uint8_t> data_;
  uint32_t base_;
  size_t pos_ = 0;
};

}  // namespace wcloud::component
