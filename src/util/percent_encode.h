// Hex escapes of bytes: percent-encoding of a URL query value (RFC 3986: every byte but the
// unreserved ones, A-Z a-z 0-9 - _ . ~, as %XX, so label selectors, continue tokens and names
// travel unchanged), and the same shape with another marker and byte set (NATS keys).
#pragma once

#include <string>
#include <string_view>

namespace wcloud {

// Every byte of `text` that `plain` refuses as `marker` and two upper-case hex digits: the shape
// of percent-encoding, and of other escapes with another marker and byte set.
template <typename Plain>
std::string HexEscape(std::string_view text, char marker, Plain plain) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (plain(c)) {
      out += static_cast<char>(c);
    } else {
      out += marker;
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

inline std::string PercentEncode(std::string_view text) {
  return HexEscape(text, '%', [](unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == '~';
  });
}

}  // namespace wcloud
