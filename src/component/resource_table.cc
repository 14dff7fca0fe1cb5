#include "component/resource_table.h"

#include <string>

namespace wcloud::component {
namespace {
// Far above what any real guest holds; bounds the memory a misbehaving guest can pin.
constexpr size_t kMaxHandles = size_t{1} << 20;
}  // namespace

Result<uint32_t> ResourceTable::Add(const HandleEntry& entry) {
  if (!free_.empty()) {
    const uint32_t handle = free_.back();
    free_.pop_back();
    entries_[handle] = entry;
    return handle;
  }
  if (entries_.size() >= kMaxHandles) {
    return Error("resource table full (" + std::to_string(kMaxHandles) + " handles)");
  }
  entries_.push_back(entry);
  return static_cast<uint32_t>(entries_.size() - 1);
}

Error ResourceTable::Unknown(uint32_t handle) {
  return Error("unknown resource handle " + std::to_string(handle));
}

Result<HandleEntry> ResourceTable::Remove(uint32_t handle) {
  WCLOUD_ASSIGN_OR_RETURN(HandleEntry * entry, Get(handle));
  HandleEntry out = *entry;
  entries_[handle].reset();
  free_.push_back(handle);
  return out;
}

}  // namespace wcloud::component
