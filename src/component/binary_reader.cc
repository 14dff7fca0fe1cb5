#include "component/binary_reader.h"

#include "util/leb128.h"
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

Result<uint64_t> BinaryReader::ReadLeb(int bits) {
  const uint32_t start = offset();
  const LebRead read = ReadLeb128(data_.data() + pos_, data_.data() + data_.size(), bits);
  pos_ += read.length;
  if (read.ok()) return read.value;
  if (read.status == LebStatus::kTruncated) {
    return FailAt(start, "unexpected end of input in LEB128 integer");
  }
  const std::string width = std::to_string(bits);
  if (read.status == LebStatus::kTooLarge) return FailAt(start, "integer too large for u" + width);
  return FailAt(start, "LEB128 integer longer than " + std::to_string(read.length) + " bytes");
}

Result<uint32_t> BinaryReader::ReadU32() {
  WCLOUD_ASSIGN_OR_RETURN(uint64_t v, ReadLeb(32));
  return static_cast<uint32_t>(v);
}

Result<uint64_t> BinaryReader::ReadU64() { return ReadLeb(64); }

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
