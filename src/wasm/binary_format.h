// The fixed pieces of the core module binary format that our readers and rewriters share
// (module_info.cc, the resettable scan and rewrite): the preamble, section ids and their order,
// and the LEB128 encoding of unsigned integers.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "util/result.h"

namespace wcloud::wasm {

inline constexpr std::array<uint8_t, 4> kMagic = {0x00, 0x61, 0x73, 0x6d};
inline constexpr std::array<uint8_t, 4> kCoreVersion = {0x01, 0x00, 0x00, 0x00};
inline constexpr std::array<uint8_t, 4> kComponentVersion = {0x0d, 0x00, 0x01, 0x00};

enum SectionId : uint8_t {
  kCustomSection = 0,
  kTypeSection = 1,
  kImportSection = 2,
  kFunctionSection = 3,
  kTableSection = 4,
  kMemorySection = 5,
  kGlobalSection = 6,
  kExportSection = 7,
  kStartSection = 8,
  kElementSection = 9,
  kCodeSection = 10,
  kDataSection = 11,
  kDataCountSection = 12,
  kTagSection = 13,
  kMaxSectionId = 13,
};

// Position of each section id in the order the format requires (the tag section sits between
// memory and global, data count between element and code); 0 for custom sections, which may
// appear anywhere.
inline constexpr std::array<uint8_t, kMaxSectionId + 1> kSectionRank = {0, 1, 2,  3,  4,  5,  7,
                                                                        8, 9, 10, 12, 13, 11, 6};

// "custom", "type", ... "tag"; "unknown" past kMaxSectionId.
const char* SectionName(uint8_t id);

// An Error unless `bytes` holds the 8-byte preamble and starts with the magic number; the
// version (bytes 4 to 7) is the caller's to check.
Status CheckMagic(std::span<const uint8_t> bytes);

// "0x3f1": how messages show byte offsets and opcodes.
std::string HexText(uint64_t v);

void AppendUnsigned(std::vector<uint8_t>& out, uint64_t v);

}  // namespace wcloud::wasm
