#include "api/names.h"

#include <algorithm>
#include <cctype>

namespace wcloud::api {
namespace {

bool LowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool Alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

}  // namespace

std::optional<std::string> CheckDnsLabel(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (s.size() > 63) return "must be no more than 63 characters";
  if (!LowerAlnum(s.front()) || !LowerAlnum(s.back()) ||
      !std::all_of(s.begin(), s.end(), [](char c) { return LowerAlnum(c) || c == '-'; })) {
    return "must consist of lower case alphanumeric characters or '-', and must start and end "
           "with an alphanumeric character";
  }
  return std::nullopt;
}

std::optional<std::string> CheckDnsSubdomain(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (s.size() > 253) return "must be no more than 253 characters";
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || !LowerAlnum(label.front()) || !LowerAlnum(label.back()) ||
        !std::all_of(label.begin(), label.end(),
                     [](char c) { return LowerAlnum(c) || c == '-'; })) {
      return "must be a lowercase RFC 1123 subdomain: lower case alphanumeric characters, '-' or "
             "'.', starting and ending with an alphanumeric character";
    }
    if (dot == std::string_view::npos) return std::nullopt;
    start = dot + 1;
  }
}

std::optional<std::string> CheckLabelValue(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s.size() > 63) return "must be no more than 63 characters";
  if (!Alnum(s.front()) || !Alnum(s.back()) || !std::all_of(s.begin(), s.end(), [](char c) {
        return Alnum(c) || c == '-' || c == '_' || c == '.';
      })) {
    return "must be empty or consist of alphanumeric characters, '-', '_' or '.', and must start "
           "and end with an alphanumeric character";
  }
  return std::nullopt;
}

std::optional<std::string> CheckLabelKey(std::string_view s) {
  std::string_view name = s;
  if (size_t slash = s.find('/'); slash != std::string_view::npos) {
    if (auto why = CheckDnsSubdomain(s.substr(0, slash))) return "prefix " + *why;
    name = s.substr(slash + 1);
  }
  if (name.empty()) return "name part must not be empty";
  if (auto why = CheckLabelValue(name)) return "name part " + *why;
  return std::nullopt;
}

}  // namespace wcloud::api
