#include "component/string_transcode.h"

#include <fmt/format.h>

#include <cstring>

namespace wcloud::component {
namespace {

uint16_t CodeUnit(const uint8_t* p, size_t i) {
  return static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8));
}
bool IsHighSurrogate(uint32_t u) { return u >= 0xD800 && u <= 0xDBFF; }
bool IsLowSurrogate(uint32_t u) { return u >= 0xDC00 && u <= 0xDFFF; }

size_t Utf8Length(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }

char* EncodeUtf8(char32_t c, char* out) {
  if (c < 0x80) {
    *out++ = static_cast<char>(c);
  } else if (c < 0x800) {
    *out++ = static_cast<char>(0xC0 | (c >> 6));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *out++ = static_cast<char>(0xE0 | (c >> 12));
    *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  } else {
    *out++ = static_cast<char>(0xF0 | (c >> 18));
    *out++ = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    *out++ = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out++ = static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

void PutCodeUnit(uint8_t* out, size_t i, uint32_t u) {
  out[2 * i] = static_cast<uint8_t>(u);
  out[2 * i + 1] = static_cast<uint8_t>(u >> 8);
}

}  // namespace

Result<std::string> Utf16LeToUtf8(std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  const size_t units = bytes.size() / 2;
  // First pass validates and sizes the result, so the second writes without reallocating.
  size_t length = 0;
  for (size_t i = 0; i < units; ++i) {
    const uint32_t u = CodeUnit(p, i);
    if (IsHighSurrogate(u)) {
      if (i + 1 >= units || !IsLowSurrogate(CodeUnit(p, i + 1))) {
        return Error(fmt::format("unpaired surrogate 0x{:04X} at code unit {}", u, i));
      }
      length += 4;
      ++i;
    } else if (IsLowSurrogate(u)) {
      return Error(fmt::format("unpaired surrogate 0x{:04X} at code unit {}", u, i));
    } else {
      length += Utf8Length(u);
    }
  }
  std::string out(length, '\0');
  char* o = out.data();
  for (size_t i = 0; i < units; ++i) {
    char32_t c = CodeUnit(p, i);
    if (IsHighSurrogate(c)) {
      c = 0x10000 + ((c - 0xD800) << 10) + (CodeUnit(p, i + 1) - 0xDC00);
      ++i;
    }
    o = EncodeUtf8(c, o);
  }
  return out;
}

std::string Latin1ToUtf8(std::span<const uint8_t> bytes) {
  size_t high = 0;
  for (uint8_t b : bytes) high += b >> 7;
  std::string out(bytes.size() + high, '\0');
  char* o = out.data();
  for (uint8_t b : bytes) o = EncodeUtf8(b, o);
  return out;
}

char32_t NextCodePoint(std::string_view utf8, size_t* pos) {
  const auto* p = reinterpret_cast<const uint8_t*>(utf8.data()) + *pos;
  const uint8_t b = p[0];
  if (b < 0x80) {
    *pos += 1;
    return b;
  }
  if (b < 0xE0) {
    *pos += 2;
    return (char32_t{b & 0x1Fu} << 6) | (p[1] & 0x3F);
  }
  if (b < 0xF0) {
    *pos += 3;
    return (char32_t{b & 0x0Fu} << 12) | (char32_t{p[1] & 0x3Fu} << 6) | (p[2] & 0x3F);
  }
  *pos += 4;
  return (char32_t{b & 0x07u} << 18) | (char32_t{p[1] & 0x3Fu} << 12) |
         (char32_t{p[2] & 0x3Fu} << 6) | (p[3] & 0x3F);
}

size_t Utf8ToUtf16Le(std::string_view utf8, uint8_t* out) {
  size_t units = 0;
  size_t pos = 0;
  while (pos < utf8.size()) {
    const char32_t c = NextCodePoint(utf8, &pos);
    if (c < 0x10000) {
      PutCodeUnit(out, units++, c);
    } else {
      PutCodeUnit(out, units++, 0xD800 + ((c - 0x10000) >> 10));
      PutCodeUnit(out, units++, 0xDC00 + ((c - 0x10000) & 0x3FF));
    }
  }
  return units;
}

}  // namespace wcloud::component
