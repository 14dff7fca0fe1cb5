#include "ingress/header_list.h"

namespace wcloud::ingress {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

HeaderList::HeaderList(std::initializer_list<HeaderField> fields) {
  for (const auto& f : fields) Add(f.name, f.value);
}

void HeaderList::Add(std::string_view name, std::string_view value) {
  Span span{static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(name.size()),
            static_cast<uint32_t>(bytes_.size() + name.size()),
            static_cast<uint32_t>(value.size())};
  bytes_.append(name);
  bytes_.append(value);
  spans_.push_back(span);
}

void HeaderList::Reserve(size_t fields, size_t bytes) {
  spans_.reserve(spans_.size() + fields);
  bytes_.reserve(bytes_.size() + bytes);
}

void HeaderList::Clear() {
  bytes_.clear();
  spans_.clear();
}

HeaderField HeaderList::operator[](size_t i) const {
  const Span& s = spans_[i];
  std::string_view all(bytes_);
  return {all.substr(s.name_offset, s.name_size), all.substr(s.value_offset, s.value_size)};
}

std::optional<std::string_view> HeaderList::Find(std::string_view name) const {
  for (size_t i = 0; i < spans_.size(); ++i) {
    HeaderField f = (*this)[i];
    if (EqualsIgnoreCase(f.name, name)) return f.value;
  }
  return std::nullopt;
}

size_t HeaderList::Count(std::string_view name) const {
  size_t n = 0;
  for (size_t i = 0; i < spans_.size(); ++i) {
    if (EqualsIgnoreCase((*this)[i].name, name)) ++n;
  }
  return n;
}

}  // namespace wcloud::ingress
