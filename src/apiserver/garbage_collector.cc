#include "apiserver/garbage_collector.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_set>

#include "apiserver/object_meta.h"
#include "util/thread_name.h"

namespace wcloud::apiserver {
namespace {

using namespace std::chrono_literals;
using Clock = GarbageCollector::Clock;

// A string field of an owner reference; admission has checked their types, but a thread of its
// own must not throw on one it did not.
std::string Field(const Json& ref, const char* field) {
  auto it = ref.find(field);
  return it != ref.end() && it->is_string() ? it->get<std::string>() : "";
}

const Json& OwnerReferences(const Json& o) {
  static const Json kNone = Json::array();
  if (!o.is_object() || !o.contains("metadata") || !o["metadata"].is_object()) return kNone;
  auto it = o["metadata"].find("ownerReferences");
  return it != o["metadata"].end() && it->is_array() ? *it : kNone;
}

bool HasFinalizer(const Json& o, const char* finalizer) {
  if (!o.is_object() || !o.contains("metadata") || !o["metadata"].is_object()) return false;
  auto it = o["metadata"].find("finalizers");
  return it != o["metadata"].end() && it->is_array() &&
         std::find(it->begin(), it->end(), Json(finalizer)) != it->end();
}

bool BeingDeleted(const Json& o) { return !MetaString(o, "deletionTimestamp").empty(); }

// "workloads.runtime.wasmcloud.dev default/web-1", as the API names objects in messages.
std::string Describe(const ResourceDef& def, const std::string& ns, const std::string& name) {
  return (def.group.empty() ? def.plural : def.plural + "." + def.group) + " " +
         (ns.empty() ? name : ns + "/" + name);
}

// The resource an owner reference names, if this server serves it.
const ResourceDef* ResourceOf(const Json& ref) {
  const std::string api_version = Field(ref, "apiVersion");
  const size_t slash = api_version.find('/');
  const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
  const std::string version =
      slash == std::string::npos ? api_version : api_version.substr(slash + 1);
  const std::string kind = Field(ref, "kind");
  for (const auto& def : AllResources()) {
    if (def.group == group && def.version == version && def.kind == kind) return &def;
  }
  return nullptr;
}

// Like client-go's default per-item backoff, capped lower: a store that recovers is used again
// within half a minute.
Clock::duration Backoff(int failures) {
  auto delay = std::chrono::milliseconds(10) * (1LL << std::min(failures - 1, 12));
  return std::min<Clock::duration>(delay, 30s);
}

std::string MessageOf(const ApiResult& r) {
  return r.body.value("message", "HTTP " + std::to_string(r.code));
}

}  // namespace

GarbageCollector::GarbageCollector(Registry& registry)
    : registry_(registry), store_(registry.store()), shared_(std::make_shared<Shared>()) {}

GarbageCollector::~GarbageCollector() { Stop(); }

void GarbageCollector::Start() {
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
}

void GarbageCollector::Stop() {
  {
    MutexLock lock(shared_->mu);
    shared_->stopping = true;
  }
  shared_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t GarbageCollector::failures() const {
  MutexLock lock(shared_->mu);
  return shared_->failures;
}

bool GarbageCollector::Stopping() {
  MutexLock lock(shared_->mu);
  return shared_->stopping;
}

bool GarbageCollector::TakePending() {
  MutexLock lock(shared_->mu);
  return std::exchange(shared_->pending, false);
}

void GarbageCollector::WaitUntil(Clock::time_point deadline) {
  MutexLock lock(shared_->mu);
  while (!shared_->pending && !shared_->stopping) {
    if (!shared_->cv.WaitUntil(lock, deadline)) break;
  }
}

Clock::time_point GarbageCollector::NextWake() const {
  Clock::time_point next = Clock::now() + 1h;
  bool listed = true;
  for (const auto& feed : feeds_) {
    if (feed.events) continue;
    listed = false;
    next = std::min(next, feed.list_at);
  }
  // Work waits while a resource is unlisted (see Loop), so its due time is no reason to wake.
  if (listed && !schedule_.empty()) next = std::min(next, schedule_.begin()->first);
  return next;
}

void GarbageCollector::Loop() {
  NameThisThread("wcloud-gc");
  for (const auto& def : AllResources()) {
    if (!def.OwnsStorage()) continue;  // another kind's store, or none
    Feed feed;
    feed.def = &def;
    feeds_.push_back(std::move(feed));
  }
  while (!Stopping()) {
    bool listed = true;
    for (auto& feed : feeds_) {
      if (!feed.events && !Relist(feed)) listed = false;
    }
    if (listed && !synced_) {
      synced_ = true;
      CheckOwnersOfAll();
    }
    CatchUp();
    // Work waits for a complete graph: an owner's dependents in an unlisted resource would be
    // missed.
    if (listed) RunDue();
    WaitUntil(NextWake());
  }
  for (auto& feed : feeds_) {
    if (!feed.events) continue;
    feed.events->SetListener(nullptr);
    feed.events->Close();
  }
}

// ---- The graph ----

bool GarbageCollector::Relist(Feed& feed) {
  if (Clock::now() < feed.list_at) return false;
  const std::string resource = feed.def->StoreKey();
  auto listed = store_.List(resource, "", "", 0);
  // From the revision the list reflects: nothing missed, nothing twice.
  auto events = listed ? store_.Watch(resource, "", listed->revision)
                       : Result<std::shared_ptr<WatchStream>>(listed.error());
  if (!events) {
    ++feed.list_failures;
    feed.list_at = Clock::now() + Backoff(feed.list_failures);
    spdlog::warn("garbage collector: cannot list and watch {}: {} (attempt {})", resource,
                 events.error().message(), feed.list_failures);
    return false;
  }
  feed.list_failures = 0;
  std::unordered_set<std::string> present;
  for (const auto& item : listed->items) {
    present.insert(MetaString(item, "uid"));
    Observe(*feed.def, item);
  }
  // What went while the previous stream was closed.
  std::vector<std::string> gone;
  for (const auto& [uid, node] : nodes_) {
    if (node.def == feed.def && !present.contains(uid)) gone.push_back(uid);
  }
  for (const auto& uid : gone) Forget(uid);
  feed.held.reset();
  feed.events = std::move(*events);
  feed.events->SetListener([shared = shared_] { shared->Wake(); });
  return true;
}

// Applies every event up to the store's current revision, in every resource, so the graph is the
// store as of one revision (events of later writes wait for the next catch-up).
void GarbageCollector::CatchUp() {
  TakePending();
  const int64_t upto = store_.revision();
  for (auto& feed : feeds_) {
    if (!feed.events) continue;
    for (;;) {
      std::optional<WatchEvent> event = std::exchange(feed.held, std::nullopt);
      if (!event) event = feed.events->TryNext();
      if (!event) break;
      if (event->revision > upto) {
        feed.held = std::move(event);
        break;
      }
      if (event->type == "DELETED") {
        Forget(MetaString(*event->object, "uid"));
      } else if (event->type == "ADDED" || event->type == "MODIFIED") {
        Observe(*feed.def, *event->object);
      }
    }
    if (!feed.held && feed.events->closed()) {
      spdlog::info("garbage collector: relisting {}: {}", feed.def->StoreKey(),
                   feed.events->close_reason());
      feed.events.reset();
    }
  }
}

void GarbageCollector::Observe(const ResourceDef& def, const Json& object) {
  const std::string uid = MetaString(object, "uid");
  if (uid.empty()) return;
  std::vector<Owner> owners;
  for (const auto& ref : OwnerReferences(object)) {
    if (!ref.is_object() || Field(ref, "uid").empty()) continue;
    auto block = ref.find("blockOwnerDeletion");
    owners.push_back(
        {Field(ref, "uid"), block != ref.end() && block->is_boolean() && block->get<bool>()});
  }
  Node& node = nodes_[uid];
  node.def = &def;
  node.ns = MetaString(object, "namespace");
  node.name = MetaString(object, "name");
  if (owners != node.owners) {
    std::vector<Owner> before = std::exchange(node.owners, owners);
    for (const auto& old : before) {
      auto it = dependents_.find(old.uid);
      if (it == dependents_.end()) continue;
      it->second.erase(uid);
      if (it->second.empty()) dependents_.erase(it);
    }
    for (const auto& owner : owners) dependents_[owner.uid].insert(uid);
    // An owner waiting for its blocking dependents may be free to go now.
    before.insert(before.end(), owners.begin(), owners.end());
    for (const auto& owner : before) {
      auto it = nodes_.find(owner.uid);
      if (it != nodes_.end() && it->second.deleting_dependents) {
        Enqueue(owner.uid, kAttemptToDelete);
      }
    }
    // A dependent of an owner that is gone (or not seen yet) or going is checked on the store.
    bool check = false;
    for (const auto& owner : owners) check = check || OwnerGoneOrGoing(owner.uid);
    if (synced_ && check) Enqueue(uid, kAttemptToDelete);
  }
  const bool was_deleting_dependents = node.deleting_dependents;
  const bool was_orphaning = node.orphaning;
  node.deleting_dependents = BeingDeleted(object) && HasFinalizer(object, kForegroundFinalizer);
  node.orphaning = BeingDeleted(object) && HasFinalizer(object, kOrphanFinalizer);
  if (node.orphaning && !was_orphaning) Enqueue(uid, kOrphanDependents);
  if (node.deleting_dependents && !was_deleting_dependents) {
    if (auto it = dependents_.find(uid); it != dependents_.end()) {
      for (const auto& dependent : it->second) Enqueue(dependent, kAttemptToDelete);
    }
    Enqueue(uid, kAttemptToDelete);
  }
}

void GarbageCollector::Forget(const std::string& uid) {
  auto found = nodes_.find(uid);
  if (found == nodes_.end()) return;
  const Node node = std::move(found->second);
  nodes_.erase(found);
  for (const auto& owner : node.owners) {
    if (auto it = dependents_.find(owner.uid); it != dependents_.end()) {
      it->second.erase(uid);
      if (it->second.empty()) dependents_.erase(it);
    }
    auto it = nodes_.find(owner.uid);
    if (it != nodes_.end() && it->second.deleting_dependents) Enqueue(owner.uid, kAttemptToDelete);
  }
  // Its dependents keep their references (and their entry here) until they go or let go.
  if (auto it = dependents_.find(uid); it != dependents_.end()) {
    for (const auto& dependent : it->second) Enqueue(dependent, kAttemptToDelete);
  }
}

bool GarbageCollector::OwnerGoneOrGoing(const std::string& owner_uid) const {
  auto it = nodes_.find(owner_uid);
  return it == nodes_.end() || it->second.deleting_dependents;
}

// After the first complete list: dependents whose owners went while nobody collected (a restart).
void GarbageCollector::CheckOwnersOfAll() {
  for (const auto& [uid, node] : nodes_) {
    for (const auto& owner : node.owners) {
      if (OwnerGoneOrGoing(owner.uid)) {
        Enqueue(uid, kAttemptToDelete);
        break;
      }
    }
  }
}

// ---- The work ----

void GarbageCollector::Enqueue(const std::string& uid, Action action) {
  const auto now = Clock::now();
  Work& work = work_[uid];
  work.actions |= action;
  if (work.due <= now) return;  // due already
  schedule_.erase({work.due, uid});
  work.due = now;
  schedule_.insert({now, uid});
}

void GarbageCollector::RunDue() {
  while (!schedule_.empty() && schedule_.begin()->first <= Clock::now() && !Stopping()) {
    // Decisions read the store; the graph they start from is kept as fresh as the writes.
    if (TakePending()) CatchUp();
    const std::string uid = schedule_.begin()->second;
    schedule_.erase(schedule_.begin());
    Work& work = work_[uid];
    const unsigned actions = std::exchange(work.actions, 0u);
    work.due = Clock::time_point::max();
    Status status = Ok();
    if (actions & kOrphanDependents) status = OrphanDependents(uid);
    if ((actions & kAttemptToDelete) && status) status = AttemptToDelete(uid);
    if (status) {
      work.failures = 0;
      if (work.actions == 0) work_.erase(uid);  // else enqueued again meanwhile
      continue;
    }
    work.actions |= actions;  // each is safe to do again
    ++work.failures;
    {
      MutexLock lock(shared_->mu);
      ++shared_->failures;
    }
    const auto delay = Backoff(work.failures);
    spdlog::warn("garbage collector: {} (attempt {}; again in {} ms)", status.error().message(),
                 work.failures,
                 std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
    if (work.due == Clock::time_point::max()) {
      work.due = Clock::now() + delay;
      schedule_.insert({work.due, uid});
    }
  }
}

// Kubernetes' attemptToDeleteItem: an object whose owners are all gone or waiting for it is
// deleted; one with a live owner only loses its references to the others.
Status GarbageCollector::AttemptToDelete(const std::string& uid) {
  auto found = nodes_.find(uid);
  if (found == nodes_.end()) return Ok();  // gone already
  const Node node = found->second;
  const std::string what = Describe(*node.def, node.ns, node.name);
  auto latest = store_.Get(KeyOf(*node.def, node.ns, node.name));
  if (!latest) {
    if (latest.error().code() == ErrorCode::kNotFound) return Ok();
    return Error(what + ": reading it: " + latest.error().message());
  }
  if (MetaString(*latest, "uid") != uid) return Ok();  // replaced; its DELETED event follows
  if (BeingDeleted(*latest)) {
    if (HasFinalizer(*latest, kForegroundFinalizer)) return ProcessDeletingDependents(uid, node);
    return Ok();  // on its way out already
  }
  const Json& refs = OwnerReferences(*latest);
  if (refs.empty()) return Ok();
  std::set<std::string> solid, dangling, waiting;
  for (const auto& ref : refs) {
    if (!ref.is_object()) continue;
    WCLOUD_ASSIGN_OR_RETURN(OwnerState state, StateOf(node, ref));
    const std::string owner_uid = Field(ref, "uid");
    switch (state) {
      case OwnerState::kSolid:
        solid.insert(owner_uid);
        break;
      case OwnerState::kDangling:
        dangling.insert(owner_uid);
        break;
      case OwnerState::kWaiting:
        waiting.insert(owner_uid);
        break;
    }
  }
  if (!solid.empty()) {
    if (dangling.empty() && waiting.empty()) return Ok();
    // Kept by a live owner: the references to the gone and the waiting ones go, so nobody waits
    // for it.
    dangling.insert(waiting.begin(), waiting.end());
    return RemoveOwnerReferences(node, uid, dangling);
  }
  // An owner waits for this one's dependents too when it has some: down the tree in foreground.
  std::string policy = "Background";
  if (!waiting.empty() && dependents_.contains(uid)) {
    policy = "Foreground";
  } else if (HasFinalizer(*latest, kOrphanFinalizer)) {
    policy = "Orphan";
  } else if (HasFinalizer(*latest, kForegroundFinalizer)) {
    policy = "Foreground";
  }
  spdlog::debug("garbage collector: deleting {} ({}): its owners are gone or going", what, policy);
  ApiResult r =
      registry_.Delete(RequestScope{node.def, node.ns, node.name, "", "", "", false},
                       {{"propagationPolicy", policy}, {"preconditions", {{"uid", uid}}}});
  if (r.ok() || r.code == 404) return Ok();
  if (r.code == 409 && MessageOf(r).rfind("Precondition failed: UID", 0) == 0) return Ok();
  return Error(what + ": deleting it: " + MessageOf(r));
}

// Kubernetes' processDeletingDependentsItem: the owner goes when no dependent blocks it; until
// then its blocking dependents are deleted.
Status GarbageCollector::ProcessDeletingDependents(const std::string& uid, const Node& node) {
  std::vector<std::string> blocking;
  if (auto it = dependents_.find(uid); it != dependents_.end()) {
    for (const auto& dependent : it->second) {
      auto d = nodes_.find(dependent);
      if (d == nodes_.end()) continue;
      for (const auto& owner : d->second.owners) {
        if (owner.uid == uid && owner.blocks) {
          blocking.push_back(dependent);
          break;
        }
      }
    }
  }
  if (blocking.empty()) return RemoveFinalizer(node, uid, kForegroundFinalizer);
  for (const auto& dependent : blocking) {
    if (!nodes_[dependent].deleting_dependents) Enqueue(dependent, kAttemptToDelete);
  }
  return Ok();
}

// Kubernetes' orphanDependents: every dependent loses its reference to the owner, then the owner
// loses its orphan finalizer (and goes, when it was the last).
Status GarbageCollector::OrphanDependents(const std::string& uid) {
  auto found = nodes_.find(uid);
  if (found == nodes_.end()) return Ok();
  const Node owner = found->second;
  std::vector<std::string> dependents;
  if (auto it = dependents_.find(uid); it != dependents_.end()) {
    dependents.assign(it->second.begin(), it->second.end());
  }
  std::optional<Error> failed;
  for (const auto& dependent : dependents) {
    auto d = nodes_.find(dependent);
    if (d == nodes_.end()) continue;
    Status released = RemoveOwnerReferences(d->second, dependent, {uid});
    if (!released && !failed) failed = released.error();
  }
  if (failed) {
    return Error(Describe(*owner.def, owner.ns, owner.name) +
                 ": orphaning its dependents: " + failed->message());
  }
  return RemoveFinalizer(owner, uid, kOrphanFinalizer);
}

Result<GarbageCollector::OwnerState> GarbageCollector::StateOf(const Node& dependent,
                                                               const Json& ref) {
  const ResourceDef* def = ResourceOf(ref);
  // A kind this server does not serve, or (as Kubernetes has it) a namespaced owner of a
  // cluster-scoped object, cannot be resolved: never a reason to collect.
  if (def == nullptr || (def->namespaced && !dependent.def->namespaced)) return OwnerState::kSolid;
  const std::string name = Field(ref, "name");
  auto owner = store_.Get(KeyOf(*def, dependent.ns, name));
  if (!owner) {
    if (owner.error().code() == ErrorCode::kNotFound) return OwnerState::kDangling;
    return Error(Describe(*dependent.def, dependent.ns, dependent.name) + ": reading its owner " +
                 Describe(*def, def->namespaced ? dependent.ns : "", name) + ": " +
                 owner.error().message());
  }
  if (MetaString(*owner, "uid") != Field(ref, "uid")) return OwnerState::kDangling;
  if (BeingDeleted(*owner) && HasFinalizer(*owner, kForegroundFinalizer)) {
    return OwnerState::kWaiting;
  }
  return OwnerState::kSolid;
}

// The writes below go through the Registry, as the Kubernetes collector's go through the API:
// conditional on the version read, with the same admission, and an object whose last finalizer
// goes is deleted. A race with another writer reads again.

Status GarbageCollector::UpdateStored(const Node& node, const std::string& uid,
                                      const std::string& doing,
                                      const std::function<bool(Json&)>& change) {
  const std::string what = Describe(*node.def, node.ns, node.name);
  for (int attempt = 0;; ++attempt) {
    auto got = store_.Get(KeyOf(*node.def, node.ns, node.name));
    if (!got) {
      if (got.error().code() == ErrorCode::kNotFound) return Ok();
      return Error(what + ": reading it: " + got.error().message());
    }
    if (MetaString(*got, "uid") != uid) return Ok();
    Json updated = *got;
    if (!change(updated)) return Ok();
    ApiResult r =
        registry_.Update(RequestScope{node.def, node.ns, node.name, "", "", "", false}, updated);
    if (r.ok() || r.code == 404) return Ok();
    if (r.code == 409 && attempt < 4) continue;
    return Error(what + ": " + doing + ": " + MessageOf(r));
  }
}

Status GarbageCollector::RemoveOwnerReferences(const Node& node, const std::string& uid,
                                               const std::set<std::string>& owner_uids) {
  return UpdateStored(node, uid, "removing owner references", [&](Json& object) {
    Json refs = OwnerReferences(object);
    const size_t before = refs.size();
    refs.erase(std::remove_if(refs.begin(), refs.end(),
                              [&](const Json& ref) {
                                return ref.is_object() && owner_uids.contains(Field(ref, "uid"));
                              }),
               refs.end());
    if (refs.size() == before) return false;
    if (refs.empty()) {
      object["metadata"].erase("ownerReferences");
    } else {
      object["metadata"]["ownerReferences"] = std::move(refs);
    }
    return true;
  });
}

Status GarbageCollector::RemoveFinalizer(const Node& node, const std::string& uid,
                                         const char* finalizer) {
  return UpdateStored(
      node, uid, "removing the " + std::string(finalizer) + " finalizer", [&](Json& object) {
        if (!HasFinalizer(object, finalizer)) return false;
        Json& finalizers = object["metadata"]["finalizers"];
        finalizers.erase(std::remove(finalizers.begin(), finalizers.end(), Json(finalizer)),
                         finalizers.end());
        if (finalizers.empty()) object["metadata"].erase("finalizers");
        return true;
      });
}

}  // namespace wcloud::apiserver
