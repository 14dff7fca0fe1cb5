// Percent-encoding of a URL query value (RFC 3986): every byte but the unreserved ones
// (A-Z a-z 0-9 - _ . ~) as %XX, so label selectors, continue tokens and names travel unchanged.
#pragma once

#include <string>
#include <string_view>

namespace wcloud {

inline std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace wcloud
