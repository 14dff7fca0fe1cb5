// A component instance's handle table (CanonicalABI.md "Handle types"): the i32 a guest holds
// for an own or borrow handle indexes this table. Index 0 is never used, so a zeroed handle is
// always invalid.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "component/linker.h"
#include "util/result.h"

namespace wcloud::component {

struct HandleEntry {
  const RuntimeResource* type = nullptr;
  uint32_t rep = 0;
  bool own = true;
  uint32_t lend_count = 0;    // own handles lent out as borrows to a call in progress
  uint32_t borrow_scope = 0;  // borrow handles: the call (CallScope id) they belong to
};

class ResourceTable {
 public:
  // An Error only when the table is full (a guest creating handles without end).
  Result<uint32_t> Add(const HandleEntry& entry);
  // The live entry at `handle`, or an Error naming the handle. Inline: every lifted handle and
  // every lend looks one up.
  Result<HandleEntry*> Get(uint32_t handle) {
    if (handle != 0 && handle < entries_.size() && entries_[handle]) return &*entries_[handle];
    return Unknown(handle);
  }
  Result<HandleEntry> Remove(uint32_t handle);
  size_t live() const { return entries_.size() - 1 - free_.size(); }
  // Forgets every handle (without running destructors): the table of a fresh instance.
  void Clear() {
    entries_.assign(1, std::nullopt);
    free_.clear();
  }

 private:
  static Error Unknown(uint32_t handle);

  std::vector<std::optional<HandleEntry>> entries_{std::nullopt};
  std::vector<uint32_t> free_;
};

}  // namespace wcloud::component
