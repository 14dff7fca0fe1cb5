#include "wasm/binary_format.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "wasm/engine.h"

namespace wcloud::wasm {

const char* SectionName(uint8_t id) {
  static constexpr const char* kNames[] = {"custom", "type",   "import",     "function", "table",
                                           "memory", "global", "export",     "start",    "element",
                                           "code",   "data",   "data count", "tag"};
  static_assert(std::size(kNames) == kMaxSectionId + 1);
  return id < std::size(kNames) ? kNames[id] : "unknown";
}

Status CheckMagic(std::span<const uint8_t> bytes) {
  if (bytes.size() < 8) {
    return Error("not a WebAssembly module: " + std::to_string(bytes.size()) +
                     " bytes, the header alone is 8",
                 ErrorCode::kInvalidArgument);
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), bytes.begin())) {
    return Error("not a WebAssembly module: bad magic number at byte offset 0",
                 ErrorCode::kInvalidArgument);
  }
  return Ok();
}

std::string HexText(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

void AppendUnsigned(std::vector<uint8_t>& out, uint64_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v != 0) b |= 0x80;
    out.push_back(b);
  } while (v != 0);
}

}  // namespace wcloud::wasm
