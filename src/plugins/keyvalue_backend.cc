#include "plugins/keyvalue_backend.h"

#include <charconv>
#include <limits>

namespace wcloud::plugins {

Result<uint64_t> ParseCounter(const std::string& key, const Bytes& value) {
  const char* begin = reinterpret_cast<const char*>(value.data());
  const char* end = begin + value.size();
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(begin, end, n);
  if (value.empty() || ec != std::errc() || ptr != end) {
    return Error("increment: the value of key \"" + key + "\" is not a decimal number");
  }
  return n;
}

Result<uint64_t> AddCounter(const std::string& key, uint64_t current, uint64_t delta) {
  if (delta > std::numeric_limits<uint64_t>::max() - current) {
    return Error("increment: key \"" + key + "\" would overflow a u64");
  }
  return current + delta;
}

Bytes CounterBytes(uint64_t value) {
  std::string s = std::to_string(value);
  return Bytes(s.begin(), s.end());
}

}  // namespace wcloud::plugins
