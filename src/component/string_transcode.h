// The string encodings of the canonical ABI (CanonicalABI.md "Strings"): UTF-8, UTF-16LE and
// Latin-1, converted to and from the host's UTF-8. Decoders take untrusted guest bytes and
// validate them; encoders take well-formed UTF-8 (check it with FindInvalidUtf8 first).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "util/result.h"
#include "util/utf8.h"  // FindInvalidUtf8

namespace wcloud::component {

// UTF-16LE (2 bytes a code unit, any alignment; an odd trailing byte is ignored) as UTF-8. An
// unpaired surrogate is an Error naming the code unit.
Result<std::string> Utf16LeToUtf8(std::span<const uint8_t> bytes);

// Latin-1 (every byte is the code point of the same value) as UTF-8; cannot fail.
std::string Latin1ToUtf8(std::span<const uint8_t> bytes);

// Decodes the code point at utf8[*pos] of well-formed UTF-8 and advances *pos past it.
char32_t NextCodePoint(std::string_view utf8, size_t* pos);

// Writes well-formed UTF-8 as UTF-16LE to `out`, which must have room for 2 bytes per byte of
// `utf8` (never more code units than UTF-8 bytes); returns the number of code units written.
size_t Utf8ToUtf16Le(std::string_view utf8, uint8_t* out);

}  // namespace wcloud::component
