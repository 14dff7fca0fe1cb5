#include "wasi/http/fields.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <span>

#include "util/http_token.h"

namespace wcloud::wasi::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
           };
           return lower(x) == lower(y);
         });
}

void LowerInPlace(std::string& s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
}

}  // namespace

bool IsValidFieldValue(std::string_view value) {
  return std::all_of(value.begin(), value.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return c == '\t' || (c >= 0x20 && c != 0x7f);
  });
}

bool IsForbiddenFieldName(std::string_view name) {
  static constexpr std::array<std::string_view, 9> kForbidden = {"connection",
                                                                 "keep-alive",
                                                                 "proxy-authenticate",
                                                                 "proxy-authorization",
                                                                 "proxy-connection",
                                                                 "transfer-encoding",
                                                                 "upgrade",
                                                                 "host",
                                                                 "http2-settings"};
  return std::any_of(kForbidden.begin(), kForbidden.end(),
                     [&](std::string_view f) { return EqualsIgnoreCase(f, name); });
}

std::string LowerCase(std::string_view s) {
  std::string out(s);
  LowerInPlace(out);
  return out;
}

void LowerCaseNames(FieldList& fields) {
  for (auto& field : fields) LowerInPlace(field.first);
}

Fields Fields::FromHost(FieldList entries, bool immutable) {
  Fields f;
  f.entries_ = std::move(entries);
  LowerCaseNames(f.entries_);
  f.immutable_ = immutable;
  return f;
}

Expected<Fields, HeaderError> Fields::FromGuest(const FieldList& entries) {
  Fields f;
  for (const auto& [name, value] : entries) {
    auto appended = f.Append(name, value);
    if (!appended) return appended.error();
  }
  return f;
}

std::vector<std::string> Fields::Get(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [n, v] : entries_) {
    if (EqualsIgnoreCase(n, name)) values.push_back(v);
  }
  return values;
}

bool Fields::Has(std::string_view name) const {
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const Field& f) { return EqualsIgnoreCase(f.first, name); });
}

template <class Values>
HeaderStatus Fields::CheckMutation(std::string_view name, const Values& values) const {
  if (immutable_) return HeaderError::kImmutable;
  if (!IsHttpToken(name)) return HeaderError::kInvalidSyntax;
  for (std::string_view v : values) {
    if (!IsValidFieldValue(v)) return HeaderError::kInvalidSyntax;
  }
  if (IsForbiddenFieldName(name)) return HeaderError::kForbidden;
  return std::monostate{};
}

HeaderStatus Fields::Set(std::string_view name, const std::vector<std::string>& values) {
  auto checked = CheckMutation(name, values);
  if (!checked) return checked;
  // The new values take the place of the first old one, so order among other names is kept.
  const std::string lower = LowerCase(name);
  auto first = std::find_if(entries_.begin(), entries_.end(),
                            [&](const Field& f) { return f.first == lower; });
  size_t at = static_cast<size_t>(first - entries_.begin());
  std::erase_if(entries_, [&](const Field& f) { return f.first == lower; });
  at = std::min(at, entries_.size());
  FieldList added;
  for (const auto& v : values) added.emplace_back(lower, v);
  entries_.insert(entries_.begin() + static_cast<ptrdiff_t>(at), added.begin(), added.end());
  return std::monostate{};
}

HeaderStatus Fields::Delete(std::string_view name) {
  auto checked = CheckMutation(name, std::span<const std::string_view>());
  if (!checked) return checked;
  const std::string lower = LowerCase(name);
  std::erase_if(entries_, [&](const Field& f) { return f.first == lower; });
  return std::monostate{};
}

HeaderStatus Fields::Append(std::string_view name, std::string value) {
  const std::string_view values[] = {value};
  auto checked = CheckMutation(name, values);
  if (!checked) return checked;
  // Most fields hold a few entries: one allocation instead of growing 1, 2, 4.
  if (entries_.empty()) entries_.reserve(4);
  entries_.emplace_back(LowerCase(name), std::move(value));
  return std::monostate{};
}

Fields Fields::Clone() const {
  Fields f;
  f.entries_ = entries_;
  return f;
}

std::optional<uint64_t> Fields::ContentLength() const {
  const std::string* value = nullptr;
  for (const auto& [n, v] : entries_) {
    if (!EqualsIgnoreCase(n, "content-length")) continue;
    if (value != nullptr) return std::nullopt;
    value = &v;
  }
  if (value == nullptr || value->empty()) return std::nullopt;
  uint64_t n = 0;
  const char* begin = value->data();
  const char* end = begin + value->size();
  auto [ptr, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return n;
}

}  // namespace wcloud::wasi::http
