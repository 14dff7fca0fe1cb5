// The embedded API server's storage: JSON objects in SQLite (WAL, synchronous commits), one
// global resourceVersion counter like etcd's revision, and a change log that serves watches.
// Generic over resources; what an object may contain is the layer above's business.
#pragma once

#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "util/json.h"
#include "util/mutex.h"
#include "util/result.h"

struct sqlite3;

namespace wcloud::apiserver {

// Errors carry a canonical code and the Kubernetes reason (ErrorDetails::reason); messages start
// with the reason ("NotFound: ...").

struct ObjectKey {
  std::string resource;  // "runtime.wasmcloud.dev/workloads", "/namespaces", "/configmaps"
  std::string namespace_;
  std::string name;
};

struct WatchEvent {
  std::string type;  // ADDED, MODIFIED, DELETED, BOOKMARK
  int64_t revision = 0;
  // Shared by every watcher the event is queued for: slow watchers hold one copy, not one each.
  std::shared_ptr<const Json> object;
};

// A subscription to changes. Events arrive in revision order with no gap; a subscriber that
// falls more than its buffer behind is closed (it relists), never blocking writers.
class WatchStream {
 public:
  // Waits up to `timeout` for the next event; nullopt on timeout or once closed.
  std::optional<WatchEvent> Next(std::chrono::milliseconds timeout);
  // The next event if one is waiting.
  std::optional<WatchEvent> TryNext() { return Next(std::chrono::milliseconds(0)); }
  // Called after each event is queued and when the stream closes (possibly under the store's
  // lock: it must be quick and take no lock a store caller holds). Replaces the previous one.
  void SetListener(std::function<void()> listener);
  bool closed() const;
  // Why it closed, when the store closed it (buffer overflow).
  std::string close_reason() const;
  void Close();

 private:
  friend class ObjectStore;
  void Push(WatchEvent event);  // called with the store's lock held
  void Notify();

  mutable Mutex mu_;
  CondVar cv_;
  std::deque<WatchEvent> queue_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
  std::string close_reason_ GUARDED_BY(mu_);
  size_t capacity_ = 0;                        // set before the stream is shared
  int64_t last_revision_ GUARDED_BY(mu_) = 0;  // replay and live events are merged on this
  std::string resource_;
  std::string namespace_;  // empty: all namespaces
  std::function<void()> listener_ GUARDED_BY(mu_);
};

class ObjectStore {
 public:
  struct Options {
    size_t change_log_entries = 100000;  // how far back a watch can resume
    // Events a watcher may be behind before it is closed (and its client relists).
    size_t watch_buffer = 1000;
    // etcd's default request limit, which bounds a Kubernetes object: about 1.5 MiB.
    size_t max_object_bytes = 1536 * 1024;
    // Called with each durable COMMIT's duration in seconds (under the store's lock: be quick).
    std::function<void(double seconds)> observe_commit = nullptr;
  };

  static Result<std::unique_ptr<ObjectStore>> Open(const std::filesystem::path& file,
                                                   Options options);
  ~ObjectStore();
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;

  // Stores a new object and returns it with metadata.resourceVersion set. Fails with
  // AlreadyExists when the key is taken.
  Result<Json> Create(const ObjectKey& key, Json object);
  Result<Json> Get(const ObjectKey& key);
  // Replaces the object when `expected_revision` (0: any) is still current, else Conflict.
  Result<Json> Update(const ObjectKey& key, Json object, int64_t expected_revision);
  // Removes the object when `expected_revision` (0: any) is still current.
  Result<Json> Delete(const ObjectKey& key, int64_t expected_revision);

  struct ListResult {
    std::vector<Json> items;
    int64_t revision = 0;  // the store revision the list reflects
    std::string next_key;  // set when limited: the name to continue after
  };
  // Objects of `resource` (in `ns`, or all when empty), ordered by namespace then name, starting
  // after `after` ("ns/name"), at most `limit` (0: all), filtered by `keep`.
  Result<ListResult> List(const std::string& resource, const std::string& ns,
                          const std::string& after, size_t limit,
                          const std::function<bool(const Json&)>& keep = nullptr);

  // Changes after `from_revision` (replayed from the log, then live). Fails with Gone when the
  // log no longer reaches back that far.
  Result<std::shared_ptr<WatchStream>> Watch(const std::string& resource, const std::string& ns,
                                             int64_t from_revision);

  int64_t revision();

 private:
  ObjectStore(sqlite3* db, Options options) : db_(db), options_(options) {}
  Status Init();
  Result<std::optional<std::pair<int64_t, Json>>> Read(const ObjectKey& key) REQUIRES(mu_);
  // Runs `body` in one IMMEDIATE transaction with the next revision, under mu_; commits
  // (durably) on success and publishes `type` for the written object.
  Result<Json> Write(const ObjectKey& key, const std::string& type,
                     const std::function<Result<Json>(int64_t revision)>& body) EXCLUDES(mu_);
  Status Exec(const char* sql) REQUIRES(mu_);
  void Publish(const std::string& type, int64_t revision, const Json& object,
               const std::string& resource, const std::string& ns) REQUIRES(mu_);
  Status Compact() REQUIRES(mu_);

  sqlite3* db_;
  Options options_;
  Mutex mu_;  // one writer; SQLite's connection is used under it
  int64_t revision_ GUARDED_BY(mu_) = 0;
  int64_t oldest_ GUARDED_BY(mu_) = 0;  // lowest revision still in the change log
  std::vector<std::weak_ptr<WatchStream>> watchers_ GUARDED_BY(mu_);
};

}  // namespace wcloud::apiserver
