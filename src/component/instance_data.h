// Per-instance state of host implementations (WASI's streams and preopens, HTTP's requests, ...),
// created by the embedder for each component instance and reachable from every host call. Typed
// lookup over a handful of entries, so lower layers need not know what the host composes.
#pragma once

#include <memory>
#include <typeinfo>
#include <utility>
#include <vector>

namespace wcloud::component {

class InstanceData {
 public:
  InstanceData() = default;
  InstanceData(const InstanceData&) = delete;
  InstanceData& operator=(const InstanceData&) = delete;

  // Adds (or replaces) the state of type T.
  template <class T, class... Args>
  T& Emplace(Args&&... args) {
    auto holder = std::make_unique<Holder<T>>(std::forward<Args>(args)...);
    T& ref = holder->value;
    for (auto& entry : entries_) {
      if (entry.type == &typeid(T)) {
        entry.holder = std::move(holder);
        return ref;
      }
    }
    entries_.push_back({&typeid(T), std::move(holder)});
    return ref;
  }

  // nullptr when no state of type T was added.
  // Runs on every host call: the type_info addresses are compared first, and the names (which
  // differ in address only across shared objects) only when no address matched, so a lookup
  // that is not for the first entry compares no strings.
  template <class T>
  T* Find() const {
    for (const auto& entry : entries_) {
      if (entry.type == &typeid(T)) return &static_cast<Holder<T>*>(entry.holder.get())->value;
    }
    for (const auto& entry : entries_) {
      if (*entry.type == typeid(T)) return &static_cast<Holder<T>*>(entry.holder.get())->value;
    }
    return nullptr;
  }

 private:
  struct HolderBase {
    virtual ~HolderBase() = default;
  };
  template <class T>
  struct Holder : HolderBase {
    template <class... Args>
    explicit Holder(Args&&... args) : value(std::forward<Args>(args)...) {}
    T value;
  };
  struct Entry {
    const std::type_info* type;
    std::unique_ptr<HolderBase> holder;
  };
  std::vector<Entry> entries_;
};

}  // namespace wcloud::component
