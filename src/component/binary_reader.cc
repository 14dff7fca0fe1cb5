#include "component/binary_reader.h"

#include "util/utf8.h"

namespace wcloud::component {

Error BinaryReader::FailAt(uint32_t offset, std::string_view what) {
  return Error("offset " + std::to_string(offset) + ": " + std::string(what));
}

Result<uint8_t> BinaryReader::ReadByte() {
  if (empty()) return Fail("unexpected end of input");
  return data_[pos_++];
}

Result<uint8_t> BinaryReader::PeekByte() const {
  if (empty()) return Fail("unexpected end of input");
  return data_[pos_];
}

Result<uint32_t> BinaryReader::ReadU32() {
  uint32_t start = offset();
  uint32_t value = 0;
  for (int shift = 0;; shift += 7) {
    if (empty()) return FailAt(start, "unexpected end of input in LEB128 integer");
    uint8_t byte = data_[pos_++];
    if (shift == 28 && (byte & 0x70) != 0) return FailAt(start, "integer too large for u32");
    value |= static_cast<uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
    if (shift == 28) return FailAt(start, "LEB128 integer longer than 5 bytes");
  }
}

Result<uint64_t> BinaryReader::ReadU64() {
  uint32_t start = offset();
  uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    if (empty()) return FailAt(start, "unexpected end of input in LEB128 integer");
    uint8_t byte = data_[pos_++];
    if (shift == 63 && (byte & 0x7e) != 0) return FailAt(start, "integer too large for u64");
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
    if (shift == 63) return FailAt(start, "LEB128 integer longer than 10 bytes");
  }
}

Result<std::span<const uint8_t>> BinaryReader::ReadBytes(size_t count) {
  if (count > remaining()) {
    return Fail("needs " + std::to_string(count) + " bytes, only " + std::to_string(remaining()) +
                " left");
  }
  auto bytes = data_.subspan(pos_, count);
  pos_ += count;
  return bytes;
}

Result<std::string> BinaryReader::ReadName() {
  uint32_t start = offset();
  WCLOUD_ASSIGN_OR_RETURN(uint32_t size, ReadU32());
  WCLOUD_ASSIGN_OR_RETURN(auto bytes, ReadBytes(size));
  std::string name(bytes.begin(), bytes.end());
  if (!IsValidUtf8(name)) return FailAt(start, "name is not valid UTF-8");
  return name;
}

Result<uint32_t> BinaryReader::ReadCount(std::string_view what, size_t min_item_size) {
  uint32_t start = offset();
  WCLOUD_ASSIGN_OR_RETURN(uint32_t count, ReadU32());
  if (min_item_size > 0 && count > remaining() / min_item_size) {
    return FailAt(start, std::string(what) + " count " + std::to_string(count) + " exceeds the " +
                             std::to_string(remaining()) + " bytes left");
  }
  return count;
}

Result<BinaryReader> BinaryReader::Sub(size_t size) {
  uint32_t start = offset();
  WCLOUD_ASSIGN_OR_RETURN(auto bytes, ReadBytes(size));
  return BinaryReader(bytes, start);
}

}  // namespace wcloud::component
