#include "apiserver/object_store.h"

#include <sqlite3.h>

#include <algorithm>

namespace wcloud::apiserver {
namespace {

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  std::string error() const { return sqlite3_errmsg(db_); }
  Statement& Bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : "";
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Error StoreError(sqlite3* db, const std::string& what) {
  return Error("InternalError: storage: " + what + ": " + sqlite3_errmsg(db), ErrorCode::kInternal,
               ErrorDetails::Reason("InternalError"));
}

std::string Describe(const ObjectKey& key) {
  std::string resource = key.resource.substr(key.resource.find('/') + 1);
  return resource + " \"" + key.name + "\"";
}

void SetResourceVersion(Json& object, int64_t revision) {
  if (!object.is_object()) return;
  object["metadata"]["resourceVersion"] = std::to_string(revision);
}

}  // namespace

// ---- WatchStream ----

std::optional<WatchEvent> WatchStream::Next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  MutexLock lock(mu_);
  while (!closed_ && queue_.empty() && cv_.WaitUntil(lock, deadline)) {
  }
  if (queue_.empty()) return std::nullopt;
  WatchEvent e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

bool WatchStream::closed() const {
  MutexLock lock(mu_);
  return closed_ && queue_.empty();
}

std::string WatchStream::close_reason() const {
  MutexLock lock(mu_);
  return close_reason_;
}

void WatchStream::Close() {
  {
    MutexLock lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
  Notify();
}

void WatchStream::SetListener(std::function<void()> listener) {
  MutexLock lock(mu_);
  listener_ = std::move(listener);
}

void WatchStream::Notify() {
  std::function<void()> listener;
  {
    MutexLock lock(mu_);
    listener = listener_;
  }
  if (listener) listener();
}

void WatchStream::Push(WatchEvent event) {
  {
    MutexLock lock(mu_);
    if (closed_ || event.revision <= last_revision_) return;
    if (queue_.size() >= capacity_) {
      // Dropping would leave a gap; closing makes the client relist.
      closed_ = true;
      close_reason_ = "watcher fell too far behind";
      queue_.clear();
    } else {
      last_revision_ = event.revision;
      queue_.push_back(std::move(event));
    }
  }
  cv_.notify_all();
  Notify();
}

// ---- ObjectStore ----

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(const std::filesystem::path& file,
                                                       Options options) {
  std::error_code ec;
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path(), ec);
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(file.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error(file.string() + ": " + why);
  }
  std::unique_ptr<ObjectStore> store(new ObjectStore(db, options));
  auto init = store->Init();
  if (!init) return init.error().Wrap(file.string());
  return store;
}

ObjectStore::~ObjectStore() {
  {
    MutexLock lock(mu_);
    for (auto& w : watchers_) {
      if (auto s = w.lock()) s->Close();
    }
  }
  sqlite3_close(db_);
}

Status ObjectStore::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : "unknown error";
    sqlite3_free(err);
    return Error(std::string("InternalError: storage: ") + why, ErrorCode::kInternal,
                 ErrorDetails::Reason("InternalError"));
  }
  return Ok();
}

Status ObjectStore::Init() {
  MutexLock lock(mu_);
  sqlite3_busy_timeout(db_, 5000);
  // WAL with FULL sync: a commit is on disk when it returns, so an acknowledged write survives
  // kill -9 and power loss.
  WCLOUD_TRY_STATUS(Exec("PRAGMA journal_mode=WAL"));
  WCLOUD_TRY_STATUS(Exec("PRAGMA synchronous=FULL"));
  WCLOUD_TRY_STATUS(
      Exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
           "INSERT OR IGNORE INTO meta VALUES ('revision', 0);"
           "CREATE TABLE IF NOT EXISTS objects (resource TEXT NOT NULL, namespace TEXT NOT NULL,"
           "  name TEXT NOT NULL, revision INTEGER NOT NULL, data TEXT NOT NULL,"
           "  PRIMARY KEY (resource, namespace, name));"
           "CREATE TABLE IF NOT EXISTS changes (revision INTEGER PRIMARY KEY, type TEXT NOT NULL,"
           "  resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL,"
           "  data TEXT NOT NULL);"));
  Statement rev(db_, "SELECT value FROM meta WHERE key = 'revision'");
  if (!rev.ok() || rev.Step() != SQLITE_ROW) return StoreError(db_, "reading revision");
  revision_ = rev.Int(0);
  Statement oldest(db_, "SELECT COALESCE(MIN(revision), 0) FROM changes");
  if (!oldest.ok() || oldest.Step() != SQLITE_ROW) return StoreError(db_, "reading change log");
  oldest_ = oldest.Int(0) == 0 ? revision_ + 1 : oldest.Int(0);
  return Ok();
}

int64_t ObjectStore::revision() {
  MutexLock lock(mu_);
  return revision_;
}

Result<std::optional<std::pair<int64_t, Json>>> ObjectStore::Read(const ObjectKey& key) {
  Statement q(
      db_, "SELECT revision, data FROM objects WHERE resource = ? AND namespace = ? AND name = ?");
  if (!q.ok()) return StoreError(db_, "read");
  q.Bind(1, key.resource).Bind(2, key.namespace_).Bind(3, key.name);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<std::pair<int64_t, Json>>();
  if (rc != SQLITE_ROW) return StoreError(db_, "read");
  Json data = Json::parse(q.Text(1), nullptr, false);
  if (data.is_discarded())
    return Error("InternalError: storage: corrupt object", ErrorCode::kInternal,
                 ErrorDetails::Reason("InternalError"));
  return std::optional<std::pair<int64_t, Json>>(std::make_pair(q.Int(0), std::move(data)));
}

Result<Json> ObjectStore::Write(const ObjectKey& key, const std::string& type,
                                const std::function<Result<Json>(int64_t revision)>& body) {
  MutexLock lock(mu_);
  WCLOUD_TRY_STATUS(Exec("BEGIN IMMEDIATE"));
  // However the body ends (an error, an exception), the transaction does not outlive it: one
  // left open made every later write fail (issue #18).
  struct Transaction {
    ObjectStore* store;
    bool done = false;
    ~Transaction() {
      store->mu_.AssertHeld();
      if (!done) (void)store->Exec("ROLLBACK");
    }
  } transaction{this};
  int64_t next = revision_ + 1;
  auto result = body(next);
  if (!result) return result.error();
  std::string data = result->dump();
  if (type != "DELETED" && data.size() > options_.max_object_bytes) {
    return Error("RequestEntityTooLarge: the object is " + std::to_string(data.size()) +
                     " bytes, more than the " + std::to_string(options_.max_object_bytes) +
                     " a stored object may have",
                 ErrorCode::kResourceExhausted, ErrorDetails::Reason("RequestEntityTooLarge"));
  }
  Statement bump(db_, "UPDATE meta SET value = ? WHERE key = 'revision'");
  bump.Bind(1, next);
  if (bump.Step() != SQLITE_DONE) return StoreError(db_, "revision");
  Statement log(db_,
                "INSERT INTO changes (revision, type, resource, namespace, name, data) "
                "VALUES (?, ?, ?, ?, ?, ?)");
  log.Bind(1, next).Bind(2, type).Bind(3, key.resource).Bind(4, key.namespace_).Bind(5, key.name);
  log.Bind(6, data);
  if (log.Step() != SQLITE_DONE) return StoreError(db_, "change log");
  const auto commit_start = std::chrono::steady_clock::now();
  WCLOUD_TRY_STATUS(Exec("COMMIT"));
  transaction.done = true;
  if (options_.observe_commit) {
    options_.observe_commit(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - commit_start).count());
  }
  revision_ = next;
  Publish(type, next, *result, key.resource, key.namespace_);
  // Compacts in steps of a tenth of the window, so the cost is spread over many writes.
  int64_t window = static_cast<int64_t>(options_.change_log_entries);
  if (revision_ - oldest_ + 1 > window + std::max<int64_t>(1, window / 10)) (void)Compact();
  return result;
}

void ObjectStore::Publish(const std::string& type, int64_t revision, const Json& object,
                          const std::string& resource, const std::string& ns) {
  // One copy of the object for all the watchers it goes to, none when nobody watches.
  std::optional<WatchEvent> event;
  std::erase_if(watchers_, [&](const std::weak_ptr<WatchStream>& weak) {
    auto s = weak.lock();
    if (!s) return true;
    if (s->resource_ == resource && (s->namespace_.empty() || s->namespace_ == ns)) {
      if (!event) event = WatchEvent{type, revision, std::make_shared<const Json>(object)};
      s->Push(*event);
    }
    return false;
  });
}

Status ObjectStore::Compact() {
  int64_t keep_from = revision_ - static_cast<int64_t>(options_.change_log_entries) + 1;
  if (keep_from <= oldest_) return Ok();
  Statement del(db_, "DELETE FROM changes WHERE revision < ?");
  del.Bind(1, keep_from);
  if (del.Step() != SQLITE_DONE) return StoreError(db_, "compaction");
  oldest_ = keep_from;
  return Ok();
}

Result<Json> ObjectStore::Create(const ObjectKey& key, Json object) {
  return Write(key, "ADDED", [&](int64_t rev) -> Result<Json> {
    mu_.AssertHeld();
    WCLOUD_ASSIGN_OR_RETURN(auto existing, Read(key));
    if (existing) {
      return Error("AlreadyExists: " + Describe(key) + " already exists", ErrorCode::kAlreadyExists,
                   ErrorDetails::Reason("AlreadyExists"));
    }
    SetResourceVersion(object, rev);
    Statement ins(db_,
                  "INSERT INTO objects (resource, namespace, name, revision, data) "
                  "VALUES (?, ?, ?, ?, ?)");
    ins.Bind(1, key.resource).Bind(2, key.namespace_).Bind(3, key.name).Bind(4, rev);
    ins.Bind(5, object.dump());
    if (ins.Step() != SQLITE_DONE) return StoreError(db_, "insert");
    return object;
  });
}

Result<Json> ObjectStore::Get(const ObjectKey& key) {
  MutexLock lock(mu_);
  WCLOUD_ASSIGN_OR_RETURN(auto found, Read(key));
  if (!found)
    return Error("NotFound: " + Describe(key) + " not found", ErrorCode::kNotFound,
                 ErrorDetails::Reason("NotFound"));
  return std::move(found->second);
}

Result<Json> ObjectStore::Update(const ObjectKey& key, Json object, int64_t expected_revision) {
  return Write(key, "MODIFIED", [&](int64_t rev) -> Result<Json> {
    mu_.AssertHeld();
    WCLOUD_ASSIGN_OR_RETURN(auto existing, Read(key));
    if (!existing)
      return Error("NotFound: " + Describe(key) + " not found", ErrorCode::kNotFound,
                   ErrorDetails::Reason("NotFound"));
    if (expected_revision != 0 && existing->first != expected_revision) {
      return Error("Conflict: Operation cannot be fulfilled on " + Describe(key) +
                       ": the object has been modified; please apply your changes to the latest "
                       "version and try again",
                   ErrorCode::kConflict, ErrorDetails::Reason("Conflict"));
    }
    SetResourceVersion(object, rev);
    Statement upd(db_,
                  "UPDATE objects SET revision = ?, data = ? "
                  "WHERE resource = ? AND namespace = ? AND name = ?");
    upd.Bind(1, rev).Bind(2, object.dump()).Bind(3, key.resource).Bind(4, key.namespace_);
    upd.Bind(5, key.name);
    if (upd.Step() != SQLITE_DONE) return StoreError(db_, "update");
    return object;
  });
}

Result<Json> ObjectStore::Delete(const ObjectKey& key, int64_t expected_revision) {
  return Write(key, "DELETED", [&](int64_t rev) -> Result<Json> {
    mu_.AssertHeld();
    WCLOUD_ASSIGN_OR_RETURN(auto existing, Read(key));
    if (!existing)
      return Error("NotFound: " + Describe(key) + " not found", ErrorCode::kNotFound,
                   ErrorDetails::Reason("NotFound"));
    if (expected_revision != 0 && existing->first != expected_revision) {
      return Error("Conflict: Operation cannot be fulfilled on " + Describe(key) +
                       ": the object has been modified",
                   ErrorCode::kConflict, ErrorDetails::Reason("Conflict"));
    }
    Statement del(db_, "DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?");
    del.Bind(1, key.resource).Bind(2, key.namespace_).Bind(3, key.name);
    if (del.Step() != SQLITE_DONE) return StoreError(db_, "delete");
    Json object = std::move(existing->second);
    SetResourceVersion(object, rev);
    return object;
  });
}

Result<ObjectStore::ListResult> ObjectStore::List(const std::string& resource,
                                                  const std::string& ns, const std::string& after,
                                                  size_t limit,
                                                  const std::function<bool(const Json&)>& keep) {
  MutexLock lock(mu_);
  std::string after_ns, after_name;
  if (!after.empty()) {
    size_t slash = after.find('/');
    if (slash == std::string::npos)
      return Error("BadRequest: invalid continue token", ErrorCode::kInvalidArgument,
                   ErrorDetails::Reason("BadRequest"));
    after_ns = after.substr(0, slash);
    after_name = after.substr(slash + 1);
  }
  Statement q(
      db_, ns.empty() ? "SELECT namespace, name, data FROM objects WHERE resource = ?1 AND "
                        "(namespace, name) > (?2, ?3) ORDER BY namespace, name"
                      : "SELECT namespace, name, data FROM objects WHERE resource = ?1 AND "
                        "namespace = ?4 AND (namespace, name) > (?2, ?3) ORDER BY namespace, name");
  if (!q.ok()) return StoreError(db_, "list");
  q.Bind(1, resource).Bind(2, after_ns).Bind(3, after_name);
  if (!ns.empty()) q.Bind(4, ns);
  ListResult out;
  out.revision = revision_;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    Json data = Json::parse(q.Text(2), nullptr, false);
    if (data.is_discarded()) continue;
    if (keep && !keep(data)) continue;
    std::string last = q.Text(0) + "/" + q.Text(1);
    out.items.push_back(std::move(data));
    if (limit != 0 && out.items.size() == limit) {
      // A continue point only when more rows follow; the next page starts after this item.
      if (q.Step() == SQLITE_ROW) out.next_key = last;
      return out;
    }
  }
  if (rc != SQLITE_DONE) return StoreError(db_, "list");
  return out;
}

Result<std::shared_ptr<WatchStream>> ObjectStore::Watch(const std::string& resource,
                                                        const std::string& ns,
                                                        int64_t from_revision) {
  MutexLock lock(mu_);
  if (from_revision > revision_) from_revision = revision_;
  if (from_revision < oldest_ - 1) {
    return Error("Expired: too old resource version: " + std::to_string(from_revision) + " (" +
                     std::to_string(oldest_ - 1) + ")",
                 ErrorCode::kGone, ErrorDetails::Reason("Expired"));
  }
  auto stream = std::make_shared<WatchStream>();
  stream->resource_ = resource;
  stream->namespace_ = ns;
  {
    MutexLock stream_lock(stream->mu_);
    stream->last_revision_ = from_revision;
  }
  // Writes wait for the lock, so the replay below and the live events that follow meet
  // exactly at the current revision: no gap, no repeat.
  Statement q(db_,
              "SELECT revision, type, namespace, data FROM changes "
              "WHERE revision > ? AND resource = ? ORDER BY revision");
  if (!q.ok()) return StoreError(db_, "watch");
  q.Bind(1, from_revision).Bind(2, resource);
  std::vector<WatchEvent> replay;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    if (!ns.empty() && q.Text(2) != ns) continue;
    Json data = Json::parse(q.Text(3), nullptr, false);
    if (data.is_discarded()) continue;
    replay.push_back({q.Text(1), q.Int(0), std::make_shared<const Json>(std::move(data))});
  }
  if (rc != SQLITE_DONE) return StoreError(db_, "watch");
  stream->capacity_ = options_.watch_buffer + replay.size();
  for (auto& e : replay) stream->Push(std::move(e));
  watchers_.push_back(stream);
  return stream;
}

}  // namespace wcloud::apiserver
