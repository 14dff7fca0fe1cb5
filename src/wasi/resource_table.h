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
    if (free_head_ != 0) {
      Slot& slot = slots_[free_head_ - 1];
      const uint32_t rep = free_head_;
      free_head_ = slot.next_free;
      --free_count_;
      slot.value.emplace(std::move(value));
      return rep;
    }
    if (slots_.size() >= kMaxEntries) {
      return Error("too many open " + std::string(kind_) + " handles (limit " +
                   std::to_string(kMaxEntries) + ")");
    }
    slots_.push_back(Slot{std::move(value), 0});
    return static_cast<uint32_t>(slots_.size());
  }

  Result<T*> Get(uint32_t rep) {
    T* found = Find(rep);
    if (found == nullptr) {
      return Error(std::string(kind_) + " rep " + std::to_string(rep) + " is not open");
    }
    return found;
  }
  // nullptr when `rep` is not open: for the host's own lookups, which need no Error.
  T* Find(uint32_t rep) {
    if (rep == 0 || rep > slots_.size() || !slots_[rep - 1].value) return nullptr;
    return &*slots_[rep - 1].value;
  }

  // Absent reps are ignored: a destructor has nobody to report to.
  void Remove(uint32_t rep) {
    if (rep == 0 || rep > slots_.size() || !slots_[rep - 1].value) {
      return;
    }
    Slot& slot = slots_[rep - 1];
    slot.value.reset();
    slot.next_free = free_head_;
    free_head_ = rep;
    ++free_count_;
  }

  size_t size() const { return slots_.size() - free_count_; }

 private:
  // The free slots form a list through the slots themselves (most recently freed first), so a
  // table costs one allocation, not two: with a fresh instance per request, every table the
  // request touches is new.
  struct Slot {
    std::optional<T> value;
    uint32_t next_free;  // while free: the rep of the next free slot, 0 for none
  };

  std::string_view kind_;
  std::vector<Slot> slots_;
  uint32_t free_head_ = 0;  // the rep of the first free slot, 0 for none
  size_t free_count_ = 0;
};

}  // namespace wcloud::wasi
