// A shared informer: lists a resource, then watches it, keeping a local cache that controllers
// read instead of the API server, and telling handlers about every change. Relists when the watch
// is too old (410 Gone) or breaks, with backoff; follows bookmarks so resumes are cheap.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "util/json.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::kube {

using ObjectPtr = std::shared_ptr<const Json>;

struct WatchEvent {
  enum class Type { kAdded, kModified, kDeleted, kBookmark, kError };
  Type type = Type::kAdded;
  Json object;
};

// The two calls an informer needs; RestListWatch makes them against an API server.
class ListWatch {
 public:
  virtual ~ListWatch() = default;
  // One page: {"metadata": {"resourceVersion", "continue"}, "items": [...]}.
  virtual Result<Json> List(const std::string& continue_token, int limit) = 0;
  // Streams events after `resource_version` until the stream ends, `on_event` returns false or
  // `stop` is set.
  virtual Status Watch(const std::string& resource_version,
                       const std::function<bool(const WatchEvent&)>& on_event,
                       const std::atomic<bool>& stop) = 0;
};

class RestListWatch : public ListWatch {
 public:
  // `ns` empty: all namespaces. `label_selector` in string form, may be empty.
  RestListWatch(Client& client, ResourceType type, std::string ns, std::string label_selector = "");
  Result<Json> List(const std::string& continue_token, int limit) override;
  Status Watch(const std::string& resource_version,
               const std::function<bool(const WatchEvent&)>& on_event,
               const std::atomic<bool>& stop) override;

 private:
  std::string Query(const std::string& extra) const;
  Client& client_;
  ResourceType type_;
  std::string ns_;
  std::string label_selector_;
};

struct EventHandler {
  std::function<void(const ObjectPtr&)> on_add;
  std::function<void(const ObjectPtr& old_obj, const ObjectPtr& new_obj)> on_update;
  std::function<void(const ObjectPtr&)> on_delete;
};

// Index functions map an object to the values it is found under (e.g. owner uids, host id).
using IndexFunc = std::function<std::vector<std::string>(const Json&)>;

// "namespace/name", or "name" for cluster-scoped objects: the key of work queues too.
std::string ObjectKey(const Json& object);

class Informer {
 public:
  explicit Informer(std::unique_ptr<ListWatch> list_watch);
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Handlers and indexes are added before Start.
  void AddEventHandler(EventHandler handler);
  void AddIndex(const std::string& name, IndexFunc func);

  void Start();
  // Asks the watch to end without waiting; Stop() then joins. Stopping several informers: ask
  // them all first, since each watch notices only at libcurl's next progress callback (~1 s).
  void RequestStop();
  void Stop();
  // True once the first full list is in the cache.
  bool HasSynced() const;
  bool WaitForSync(std::chrono::milliseconds timeout) const;

  ObjectPtr Get(const std::string& key) const;
  std::vector<ObjectPtr> List() const;
  std::vector<ObjectPtr> ByIndex(const std::string& index, const std::string& value) const;
  std::string LastResourceVersion() const;

 private:
  void Run();
  Status ListAndReplace();
  Status WatchOnce();
  void Apply(WatchEvent::Type type, const Json& object);
  void IndexLocked(const std::string& key, const Json& object, bool add) REQUIRES(mu_);

  std::unique_ptr<ListWatch> list_watch_;
  std::vector<EventHandler> handlers_;
  std::map<std::string, IndexFunc> index_funcs_;

  mutable Mutex mu_;
  mutable CondVar synced_cv_;
  std::map<std::string, ObjectPtr> items_ GUARDED_BY(mu_);
  // index name → value → keys
  std::map<std::string, std::map<std::string, std::set<std::string>>> indexes_ GUARDED_BY(mu_);
  std::string resource_version_ GUARDED_BY(mu_);
  bool synced_ GUARDED_BY(mu_) = false;

  std::atomic<bool> stop_{false};
  Mutex stop_mu_;
  CondVar stop_cv_;
  std::thread thread_;
};

}  // namespace wcloud::kube
