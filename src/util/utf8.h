// UTF-8 well-formedness, for bytes from guests and clients that must become JSON or WIT strings.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wcloud {

// The offset of the first byte that does not belong to well-formed UTF-8 (Unicode table 3-7:
// no overlong forms, no surrogates, nothing past U+10FFFF, no truncated sequence), or nullopt.
std::optional<size_t> FindInvalidUtf8(std::span<const uint8_t> bytes);
// Appends the UTF-8 form of the scalar value `c` (not a surrogate, at most U+10FFFF).
void AppendUtf8(std::string& out, char32_t c);

inline std::optional<size_t> FindInvalidUtf8(std::string_view s) {
  return FindInvalidUtf8(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
}

inline bool IsValidUtf8(std::string_view s) { return !FindInvalidUtf8(s).has_value(); }

}  // namespace wcloud
