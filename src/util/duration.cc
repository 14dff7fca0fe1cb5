#include "util/duration.h"

#include <cctype>
#include <cmath>
#include <string>
#include <utility>

namespace wcloud {

Result<std::chrono::nanoseconds> ParseDuration(std::string_view text) {
  static constexpr std::pair<std::string_view, double> kUnits[] = {
      {"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  auto bad = [&](std::string_view why) {
    return Error("duration \"" + std::string(text) + "\": " + std::string(why) +
                     " (a number and a unit, as 500ms, 2s, 1m30s)",
                 ErrorCode::kInvalidArgument);
  };
  if (text.empty()) return bad("empty");
  if (text == "0") return std::chrono::nanoseconds(0);
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    bool digits = false;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      digits = digits || text[i] != '.';
      ++i;
    }
    if (!digits) return bad("expected a number at offset " + std::to_string(start));
    const std::string number(text.substr(start, i - start));
    if (number.find('.') != number.rfind('.')) return bad("two decimal points");
    const size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    for (const auto& [name, ns] : kUnits) {
      if (unit == name) scale = ns;
    }
    if (scale == 0) {
      return bad(unit.empty() ? "missing unit" : "unknown unit \"" + std::string(unit) + "\"");
    }
    total += std::stod(number) * scale;
  }
  if (total > 9.2e18) return bad("too long");
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
}

}  // namespace wcloud
