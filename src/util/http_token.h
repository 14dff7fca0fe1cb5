// RFC 9110 §5.6.2's token, the grammar of HTTP methods and field names: one definition for the
// workload server (ingress) and wasi:http.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>

namespace wcloud {

// A table, so that a name is checked with one load per byte (every header a guest appends or
// sends is checked).
inline constexpr std::array<bool, 256> kHttpTokenChars = [] {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

// One or more token characters.
inline bool IsHttpToken(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return kHttpTokenChars[static_cast<unsigned char>(c)];
  });
}

}  // namespace wcloud
