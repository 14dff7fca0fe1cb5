// HTTP header fields as a guest sees them: in the order received, names spelled as sent,
// duplicates kept. Stored in one buffer so a request's headers cost two allocations, and none
// once a connection reuses the list for its next request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wcloud::ingress {

struct HeaderField {
  std::string_view name;
  std::string_view value;
};

class HeaderList {
 public:
  HeaderList() = default;
  HeaderList(std::initializer_list<HeaderField> fields);

  void Add(std::string_view name, std::string_view value);
  // Room for `fields` fields of `bytes` name and value bytes in all, so adding them allocates once.
  void Reserve(size_t fields, size_t bytes);
  // Empties the list and keeps its buffers.
  void Clear();

  size_t size() const { return spans_.size(); }
  bool empty() const { return spans_.empty(); }
  HeaderField operator[](size_t i) const;
  // The value of the first field called `name` (ASCII case-insensitive).
  std::optional<std::string_view> Find(std::string_view name) const;
  // How many fields are called `name`.
  size_t Count(std::string_view name) const;

  class Iterator {
   public:
    Iterator(const HeaderList* list, size_t i) : list_(list), i_(i) {}
    HeaderField operator*() const { return (*list_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return i_ == other.i_; }

   private:
    const HeaderList* list_;
    size_t i_;
  };
  Iterator begin() const { return Iterator(this, 0); }
  Iterator end() const { return Iterator(this, spans_.size()); }

 private:
  struct Span {
    uint32_t name_offset;
    uint32_t name_size;
    uint32_t value_offset;
    uint32_t value_size;
  };
  std::string bytes_;
  std::vector<Span> spans_;
};

// ASCII case-insensitive equality, the comparison HTTP field names use.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace wcloud::ingress
