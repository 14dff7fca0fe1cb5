// The objects behind one resource type's handles in one instance. A rep is an index + 1 (0 is
// never handed out, so a zeroed rep is caught); reps are reused after Remove(). A rep the table
// does not hold is an Error (the guest traps), never undefined behavior.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/result.h"

namespace wcloud::wasi {

template <class T>
class ResourceTable {
 public:
  // A guest that leaks handles in a loop hits this instead of exhausting the host's memory.
  static constexpr size_t kMaxEntries = 1 << 20;

  // `kind` names the table in errors; a literal (it is not copied: an instance makes every
  // table anew, and with a fresh instance per request that is every request).
  explicit ResourceTable(std::string_view kind) : kind_(kind) {}

  Result<uint32_t> Add(T value) {
    if (!free_.empty()) {
      uint32_t index = free_.back();
      free_.pop_back();
      slots_[index].emplace(std::move(value));
      return index + 1;
    }
    if (slots_.size() >= kMaxEntries) {
      return Error("too many open " + std::string(kind_) + " handles (limit " +
                   std::to_string(kMaxEntries) + ")");
    }
    slots_.emplace_back(std::move(value));
    return static_cast<uint32_t>(slots_.size());
  }

  Result<T*> Get(uint32_t rep) {
    if (rep == 0 || rep > slots_.size() || !slots_[rep - 1]) {
      return Error(std::string(kind_) + " rep " + std::to_string(rep) + " is not open");
    }
    return &*slots_[rep - 1];
  }

  // Absent reps are ignored: a destructor has nobody to report to.
  void Remove(uint32_t rep) {
    if (rep == 0 || rep > slots_.size() || !slots_[rep - 1]) {
      return;
    }
    slots_[rep - 1].reset();
    free_.push_back(rep - 1);
  }

  size_t size() const { return slots_.size() - free_.size(); }

 private:
  std::string_view kind_;
  std::vector<std::optional<T>> slots_;
  std::vector<uint32_t> free_;
};

}  // namespace wcloud::wasi
