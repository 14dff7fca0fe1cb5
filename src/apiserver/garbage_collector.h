// Kubernetes' garbage collector for the embedded API server: its GraphBuilder and its workers on
// one thread of their own. A graph of every object's owners (owner uid → dependents), built from a
// list of every resource and then the store's change log, says what to look at: the dependents of
// an owner that went (deleted), of an owner being deleted with the orphan finalizer (released:
// their references to it removed, then the finalizer) or with foregroundDeletion (deleted; the
// owner loses the finalizer, and so goes, once no dependent blocking it is left), and a dependent
// whose owners are gone or going. What to do is decided on the objects as the store has them now,
// never on the graph alone. A failed write is logged and retried with backoff, never dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "apiserver/object_store.h"
#include "apiserver/registry.h"
#include "apiserver/resources.h"
#include "util/json.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::apiserver {

class GarbageCollector {
 public:
  using Clock = std::chrono::steady_clock;

  explicit GarbageCollector(Registry& registry);
  ~GarbageCollector();  // stops
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;

  // Starts the collector's thread: it lists every resource, then follows the change log.
  void Start();
  // Returns once the thread has finished the store call it was in, if any, and exited.
  void Stop();

  // Attempts that failed and were scheduled again since Start (for tests and diagnostics).
  uint64_t failures() const;

 private:
  struct Owner {
    std::string uid;
    bool blocks = false;  // blockOwnerDeletion
    bool operator==(const Owner&) const = default;
  };
  struct Node {
    const ResourceDef* def = nullptr;
    std::string ns;
    std::string name;
    std::vector<Owner> owners;
    bool deleting_dependents = false;  // being deleted with the foregroundDeletion finalizer
    bool orphaning = false;            // being deleted with the orphan finalizer
  };
  // One resource's change log, followed from the revision its last list reflects.
  struct Feed {
    const ResourceDef* def = nullptr;
    std::shared_ptr<WatchStream> events;  // null: to be listed (again)
    std::optional<WatchEvent> held;       // newer than the revision being caught up to
    int list_failures = 0;
    Clock::time_point list_at;
  };
  enum Action : unsigned { kAttemptToDelete = 1, kOrphanDependents = 2 };
  struct Work {
    unsigned actions = 0;
    int failures = 0;
    Clock::time_point due = Clock::time_point::max();  // max: not scheduled
  };
  // What the watch listeners share with the collector's thread; a listener already called can
  // run once more after Stop, so they hold this, not the collector.
  struct Shared {
    void Wake() {
      {
        MutexLock lock(mu);
        pending = true;
      }
      cv.notify_one();
    }
    mutable Mutex mu;
    CondVar cv;
    bool pending GUARDED_BY(mu) = false;  // events arrived since the last catch-up
    bool stopping GUARDED_BY(mu) = false;
    uint64_t failures GUARDED_BY(mu) = 0;
  };
  enum class OwnerState { kSolid, kDangling, kWaiting };

  void Loop();
  bool Stopping();
  bool TakePending();
  void WaitUntil(Clock::time_point deadline);
  Clock::time_point NextWake() const;

  // The graph: built by Relist and CatchUp, which enqueue what the changes call for.
  bool Relist(Feed& feed);
  void CatchUp();
  void Observe(const ResourceDef& def, const Json& object);
  void Forget(const std::string& uid);
  void CheckOwnersOfAll();
  bool OwnerGoneOrGoing(const std::string& owner_uid) const;

  // The work queue, keyed by uid.
  void Enqueue(const std::string& uid, Action action);
  void RunDue();
  Status AttemptToDelete(const std::string& uid);
  Status ProcessDeletingDependents(const std::string& uid, const Node& node);
  Status OrphanDependents(const std::string& uid);
  Result<OwnerState> StateOf(const Node& dependent, const Json& ref);
  // Reads the object, applies `change` (false: nothing to do) and writes it back through the
  // registry, reading again when another writer won; gone or replaced (uid) counts as done.
  Status UpdateStored(const Node& node, const std::string& uid, const std::string& doing,
                      const std::function<bool(Json&)>& change);
  Status RemoveOwnerReferences(const Node& node, const std::string& uid,
                               const std::set<std::string>& owner_uids);
  Status RemoveFinalizer(const Node& node, const std::string& uid, const char* finalizer);

  Registry& registry_;
  ObjectStore& store_;
  std::shared_ptr<Shared> shared_;
  std::thread thread_;

  // Only the collector's thread touches what follows.
  std::vector<Feed> feeds_;
  bool synced_ = false;                                                // every resource listed
  std::unordered_map<std::string, Node> nodes_;                        // by uid
  std::unordered_map<std::string, std::set<std::string>> dependents_;  // owner uid → dependents
  std::map<std::string, Work> work_;                                   // by uid
  std::set<std::pair<Clock::time_point, std::string>> schedule_;       // (due, uid)
};

}  // namespace wcloud::apiserver
