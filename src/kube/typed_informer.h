// An informer over one of our kinds that hands out typed objects (api::Workload, …) decoded
// once per change by the api codec, so controllers never read fields by string. Indexes are
// typed too, kept here beside the typed objects. An object the codec refuses (the API server
// validated it, so only a newer schema could) is left out of the typed cache and counted.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/codec.h"
#include "kube/informer.h"
#include "util/mutex.h"

namespace wcloud::kube {

// The cache and work-queue key of an object: "namespace/name", or "name" when cluster-scoped.
inline std::string KeyOf(const api::ObjectMeta& meta) {
  return meta.namespace_.empty() ? meta.name : meta.namespace_ + "/" + meta.name;
}

template <typename T>
class TypedInformer {
 public:
  using Ptr = std::shared_ptr<const T>;
  struct Handler {
    std::function<void(const Ptr&)> on_add;
    std::function<void(const Ptr& old_obj, const Ptr& new_obj)> on_update;
    std::function<void(const Ptr&)> on_delete;
  };
  using IndexFunc = std::function<std::vector<std::string>(const T&)>;

  explicit TypedInformer(std::unique_ptr<ListWatch> list_watch) : raw_(std::move(list_watch)) {
    raw_.AddEventHandler({[this](const ObjectPtr& o) { Changed(o); },
                          [this](const ObjectPtr&, const ObjectPtr& o) { Changed(o); },
                          [this](const ObjectPtr& o) { Deleted(o); }});
  }
  TypedInformer(const TypedInformer&) = delete;
  TypedInformer& operator=(const TypedInformer&) = delete;

  // Handlers and indexes are added before Start.
  void AddEventHandler(Handler handler) { handlers_.push_back(std::move(handler)); }
  void AddIndex(const std::string& name, IndexFunc func) { index_funcs_[name] = std::move(func); }

  void Start() { raw_.Start(); }
  void RequestStop() { raw_.RequestStop(); }
  void Stop() { raw_.Stop(); }
  bool HasSynced() const { return raw_.HasSynced(); }
  bool WaitForSync(std::chrono::milliseconds timeout) const { return raw_.WaitForSync(timeout); }

  Ptr Get(const std::string& key) const {
    MutexLock lock(mu_);
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : it->second;
  }
  std::vector<Ptr> List() const {
    MutexLock lock(mu_);
    std::vector<Ptr> out;
    out.reserve(items_.size());
    for (const auto& [key, object] : items_) out.push_back(object);
    return out;
  }
  std::vector<Ptr> ByIndex(const std::string& index, const std::string& value) const {
    MutexLock lock(mu_);
    std::vector<Ptr> out;
    auto idx = indexes_.find(index);
    if (idx == indexes_.end()) return out;
    auto keys = idx->second.find(value);
    if (keys == idx->second.end()) return out;
    for (const auto& key : keys->second) out.push_back(items_.at(key));
    return out;
  }
  // Objects left out because the codec refused them, since the start.
  uint64_t decode_errors() const { return decode_errors_.load(); }

  static Ptr Decode(const Json& object) {
    api::Decoded decoded = api::DecodeObject(object, {.strict = false});
    if (!decoded.object) return nullptr;
    if (T* typed = std::get_if<T>(&*decoded.object)) return std::make_shared<T>(std::move(*typed));
    return nullptr;
  }

 private:
  void Changed(const ObjectPtr& raw_new) {
    Ptr now = Decode(*raw_new);
    Ptr old;
    {
      MutexLock lock(mu_);
      old = Replace(ObjectKey(*raw_new), now);
    }
    if (!now) decode_errors_.fetch_add(1);
    if (now || old) Notify(old, now);
  }

  void Deleted(const ObjectPtr& raw) {
    Ptr old;
    {
      MutexLock lock(mu_);
      old = Replace(ObjectKey(*raw), nullptr);
    }
    if (old) Notify(old, nullptr);
  }

  // Puts `now` (null: nothing) in place of the key's object, keeping the indexes in step;
  // returns what was there.
  Ptr Replace(const std::string& key, Ptr now) REQUIRES(mu_) {
    Ptr old;
    if (auto it = items_.find(key); it != items_.end()) {
      old = std::move(it->second);
      items_.erase(it);
      Index(key, *old, false);
    }
    if (now) {
      Index(key, *now, true);
      items_[key] = std::move(now);
    }
    return old;
  }

  void Index(const std::string& key, const T& object, bool add) REQUIRES(mu_) {
    for (const auto& [name, func] : index_funcs_) {
      auto& by_value = indexes_[name];
      for (const auto& value : func(object)) {
        if (add) {
          by_value[value].insert(key);
        } else if (auto it = by_value.find(value); it != by_value.end()) {
          it->second.erase(key);
          if (it->second.empty()) by_value.erase(it);
        }
      }
    }
  }

  void Notify(const Ptr& old, const Ptr& now) {
    for (const Handler& h : handlers_) {
      if (!now) {
        if (h.on_delete) h.on_delete(old);
      } else if (old) {
        if (h.on_update) h.on_update(old, now);
      } else if (h.on_add) {
        h.on_add(now);
      }
    }
  }

  Informer raw_;
  std::vector<Handler> handlers_;
  mutable Mutex mu_;
  std::map<std::string, IndexFunc> index_funcs_;  // fixed before Start
  std::map<std::string, Ptr> items_ GUARDED_BY(mu_);
  // index name → value → keys
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_ GUARDED_BY(mu_);
  std::atomic<uint64_t> decode_errors_{0};
};

}  // namespace wcloud::kube
