#include "kube/informer.h"

#include <algorithm>

#include "util/percent_encode.h"

namespace wcloud::kube {
namespace {

constexpr int kListPageSize = 500;
constexpr int kWatchTimeoutSeconds = 300;

WatchEvent::Type ParseType(const std::string& type) {
  if (type == "ADDED") return WatchEvent::Type::kAdded;
  if (type == "MODIFIED") return WatchEvent::Type::kModified;
  if (type == "DELETED") return WatchEvent::Type::kDeleted;
  if (type == "BOOKMARK") return WatchEvent::Type::kBookmark;
  return WatchEvent::Type::kError;
}

std::string ResourceVersionOf(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  return meta->value("resourceVersion", "");
}

}  // namespace

std::string ObjectKey(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return "";
  std::string ns = meta->value("namespace", "");
  std::string name = meta->value("name", "");
  return ns.empty() ? name : ns + "/" + name;
}

RestListWatch::RestListWatch(Client& client, ResourceType type, std::string ns,
                             std::string label_selector)
    : client_(client),
      type_(std::move(type)),
      ns_(std::move(ns)),
      label_selector_(std::move(label_selector)) {}

std::string RestListWatch::Query(const std::string& extra) const {
  std::string q = CollectionPath(type_, ns_) + "?" + extra;
  if (!label_selector_.empty()) q += "&labelSelector=" + PercentEncode(label_selector_);
  return q;
}

Result<Json> RestListWatch::List(const std::string& continue_token, int limit) {
  std::string extra = "limit=" + std::to_string(limit);
  if (!continue_token.empty()) extra += "&continue=" + PercentEncode(continue_token);
  return client_.Get(Query(extra));
}

Status RestListWatch::Watch(const std::string& resource_version,
                            const std::function<bool(const WatchEvent&)>& on_event,
                            const std::atomic<bool>& stop) {
  std::string extra =
      "watch=1&allowWatchBookmarks=true&timeoutSeconds=" + std::to_string(kWatchTimeoutSeconds) +
      "&resourceVersion=" + PercentEncode(resource_version);
  return client_.Watch(
      Query(extra),
      [&](const Json& raw) {
        WatchEvent event;
        event.type = ParseType(raw.value("type", ""));
        if (raw.contains("object")) event.object = raw["object"];
        return on_event(event);
      },
      &stop);
}

Informer::Informer(std::unique_ptr<ListWatch> list_watch) : list_watch_(std::move(list_watch)) {}

Informer::~Informer() { Stop(); }

void Informer::AddEventHandler(EventHandler handler) { handlers_.push_back(std::move(handler)); }

void Informer::AddIndex(const std::string& name, IndexFunc func) {
  index_funcs_[name] = std::move(func);
}

void Informer::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void Informer::RequestStop() {
  {
    // Under the mutex, so a Run between its check and its wait cannot miss the wakeup.
    MutexLock lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
}

void Informer::Stop() {
  RequestStop();
  if (thread_.joinable()) thread_.join();
}

bool Informer::HasSynced() const {
  MutexLock lock(mu_);
  return synced_;
}

bool Informer::WaitForSync(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (!synced_) {
    if (!synced_cv_.WaitUntil(lock, deadline)) return synced_;
  }
  return true;
}

ObjectPtr Informer::Get(const std::string& key) const {
  MutexLock lock(mu_);
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : it->second;
}

std::vector<ObjectPtr> Informer::List() const {
  MutexLock lock(mu_);
  std::vector<ObjectPtr> out;
  out.reserve(items_.size());
  for (const auto& [key, obj] : items_) out.push_back(obj);
  return out;
}

std::vector<ObjectPtr> Informer::ByIndex(const std::string& index, const std::string& value) const {
  MutexLock lock(mu_);
  std::vector<ObjectPtr> out;
  auto idx = indexes_.find(index);
  if (idx == indexes_.end()) return out;
  auto keys = idx->second.find(value);
  if (keys == idx->second.end()) return out;
  for (const auto& key : keys->second) {
    if (auto it = items_.find(key); it != items_.end()) out.push_back(it->second);
  }
  return out;
}

std::string Informer::LastResourceVersion() const {
  MutexLock lock(mu_);
  return resource_version_;
}

void Informer::IndexLocked(const std::string& key, const Json& object, bool add) {
  for (const auto& [name, func] : index_funcs_) {
    for (const auto& value : func(object)) {
      auto& keys = indexes_[name][value];
      if (add) {
        keys.insert(key);
      } else {
        keys.erase(key);
        if (keys.empty()) indexes_[name].erase(value);
      }
    }
  }
}

// Updates the cache, then tells the handlers, outside the lock so they may read the cache.
void Informer::Apply(WatchEvent::Type type, const Json& object) {
  std::string key = ObjectKey(object);
  if (key.empty()) return;
  auto fresh = std::make_shared<const Json>(object);
  ObjectPtr old;
  {
    MutexLock lock(mu_);
    if (auto rv = ResourceVersionOf(object); !rv.empty()) resource_version_ = rv;
    auto it = items_.find(key);
    if (it != items_.end()) {
      old = it->second;
      IndexLocked(key, *old, false);
    }
    if (type == WatchEvent::Type::kDeleted) {
      if (it != items_.end()) items_.erase(it);
    } else {
      items_[key] = fresh;
      IndexLocked(key, object, true);
    }
  }
  for (const auto& h : handlers_) {
    if (type == WatchEvent::Type::kDeleted) {
      if (h.on_delete) h.on_delete(old ? old : fresh);
    } else if (old) {
      if (h.on_update) h.on_update(old, fresh);
    } else if (h.on_add) {
      h.on_add(fresh);
    }
  }
}

Status Informer::ListAndReplace() {
  std::map<std::string, Json> listed;
  std::string continue_token, list_rv;
  do {
    WCLOUD_ASSIGN_OR_RETURN(Json page, list_watch_->List(continue_token, kListPageSize));
    if (!page.contains("items") || !page["items"].is_array()) {
      return Error("list: response has no items");
    }
    for (auto& item : page["items"]) {
      std::string key = ObjectKey(item);  // before the move: the assignment moves first
      listed[key] = std::move(item);
    }
    const Json& meta = page.contains("metadata") ? page["metadata"] : Json::object();
    list_rv = meta.value("resourceVersion", list_rv);
    continue_token = meta.value("continue", "");
  } while (!continue_token.empty() && !stop_);

  // Objects gone while we were not watching are deleted; the rest are added or updated.
  std::vector<ObjectPtr> gone;
  {
    MutexLock lock(mu_);
    for (const auto& [key, obj] : items_) {
      if (!listed.count(key)) gone.push_back(obj);
    }
  }
  for (const auto& obj : gone) Apply(WatchEvent::Type::kDeleted, *obj);
  for (const auto& [key, obj] : listed) {
    ObjectPtr current = Get(key);
    if (current && ResourceVersionOf(*current) == ResourceVersionOf(obj)) continue;
    Apply(WatchEvent::Type::kModified, obj);
  }
  {
    MutexLock lock(mu_);
    resource_version_ = list_rv;
    synced_ = true;
  }
  synced_cv_.notify_all();
  return Ok();
}

Status Informer::WatchOnce() {
  Status result = Ok();
  Status watched = list_watch_->Watch(
      LastResourceVersion(),
      [&](const WatchEvent& event) {
        switch (event.type) {
          case WatchEvent::Type::kBookmark: {
            MutexLock lock(mu_);
            if (auto rv = ResourceVersionOf(event.object); !rv.empty()) resource_version_ = rv;
            return true;
          }
          case WatchEvent::Type::kError: {
            // A Status object; 410 means our resourceVersion is compacted away: relist.
            int code = event.object.value("code", 0);
            result = ApiError(code, event.object.value("reason", ""),
                              "watch: " + event.object.value("message", "error event"));
            return false;
          }
          default:
            Apply(event.type, event.object);
            return true;
        }
      },
      stop_);
  if (!watched) return watched;
  return result;
}

void Informer::Run() {
  auto backoff = std::chrono::milliseconds(100);
  bool need_list = true;
  while (!stop_) {
    Status s = Ok();
    if (need_list) {
      s = ListAndReplace();
      need_list = !s;
    }
    if (s) {
      s = WatchOnce();
      // A watch that simply ended resumes from the last version seen; 410 needs a relist.
      if (!s && IsGone(s.error())) need_list = true;
    }
    if (s) {
      backoff = std::chrono::milliseconds(100);
      continue;
    }
    if (!IsGone(s.error())) need_list = true;
    const auto until = std::chrono::steady_clock::now() + backoff;
    MutexLock lock(stop_mu_);
    while (!stop_.load() && stop_cv_.WaitUntil(lock, until)) {
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
  }
}

}  // namespace wcloud::kube
