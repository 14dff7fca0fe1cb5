#include "plugins/blobstore_nats_backend.h"

#include <string_view>
#include <utility>

#include "nats/connection.h"
#include "nats/object_store.h"
#include "util/json.h"
#include "util/timestamp.h"

namespace wcloud::plugins {
namespace {

// JetStream's error for a stream that does not exist (JSStreamNotFoundErr).
constexpr int kStreamNotFound = 10059;

uint64_t Seconds(WallClock::time_point t) {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  return s < 0 ? 0 : static_cast<uint64_t>(s);
}

}  // namespace

NatsBlobstoreBackend::NatsBlobstoreBackend(std::string url, BackendUrl parsed,
                                           NatsBlobstoreOptions options)
    : url_(std::move(url)), parsed_(std::move(parsed)), options_(options) {}

Result<std::unique_ptr<NatsBlobstoreBackend>> NatsBlobstoreBackend::Create(
    std::string_view url, NatsBlobstoreOptions options) {
  WCLOUD_ASSIGN_OR_RETURN(BackendUrl parsed, ParseBackendUrl(url, 4222));
  if (parsed.scheme != "nats" && parsed.scheme != "tls") {
    return Error("url \"" + RedactUrl(url) + "\": the nats backend needs a nats:// url");
  }
  return std::unique_ptr<NatsBlobstoreBackend>(
      new NatsBlobstoreBackend(std::string(url), std::move(parsed), options));
}

NatsBlobstoreBackend::~NatsBlobstoreBackend() {
  MutexLock lock(mu_);
  stores_.clear();
  connection_.reset();
}

std::string NatsBlobstoreBackend::Where(const std::string& bucket, const std::string& what) const {
  return "nats " + parsed_.Display() + ": bucket " + bucket + ": " + what;
}

Result<nats::Connection*> NatsBlobstoreBackend::Connect() {
  MutexLock lock(mu_);
  if (connection_ == nullptr) {
    nats::ConnectOptions options;
    options.urls = {url_};
    options.name = "wcloud blobstore";
    options.connect_timeout = options_.connect_timeout;
    auto connected = nats::Connection::Connect(options);
    if (!connected) {
      return Error("nats " + parsed_.Display() + ": connect: " + connected.error().message(),
                   connected.error().code());
    }
    connection_ = std::move(*connected);
  }
  // Set once and kept until the backend goes: the pointer stays valid without the lock.
  return connection_.get();
}

Result<std::shared_ptr<nats::ObjectStore>> NatsBlobstoreBackend::Store(const std::string& bucket) {
  {
    MutexLock lock(mu_);
    if (auto it = stores_.find(bucket); it != stores_.end()) return it->second;
  }
  WCLOUD_ASSIGN_OR_RETURN(nats::Connection * connection, Connect());
  auto opened = nats::ObjectStore::Open(*connection, bucket);
  if (!opened) {
    if (opened.error().code() == ErrorCode::kNotFound) {
      return Error(Where(bucket, "no such bucket"), kNoSuchContainer);
    }
    return opened.error();
  }
  std::shared_ptr<nats::ObjectStore> store = std::move(*opened);
  MutexLock lock(mu_);
  // Another thread may have opened it meanwhile: either store serves.
  return stores_.try_emplace(bucket, std::move(store)).first->second;
}

void NatsBlobstoreBackend::Forget(const std::string& bucket) {
  std::shared_ptr<nats::ObjectStore> doomed;  // destroyed after the lock is released
  MutexLock lock(mu_);
  if (auto it = stores_.find(bucket); it != stores_.end()) {
    doomed = std::move(it->second);
    stores_.erase(it);
  }
}

Result<std::string> NatsBlobstoreBackend::StreamRequest(const std::string& bucket,
                                                        const std::string& verb) {
  WCLOUD_ASSIGN_OR_RETURN(nats::Connection * connection, Connect());
  const std::string what = "$JS.API." + verb;
  auto reply =
      connection->Request("$JS.API." + verb + ".OBJ_" + bucket, "", options_.request_timeout);
  if (!reply)
    return Error(Where(bucket, what + ": " + reply.error().message()), reply.error().code());
  Json json = Json::parse(*reply, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Error(Where(bucket, what + ": the answer is not JSON"));
  if (auto e = json.find("error"); e != json.end() && e->is_object()) {
    const int code = e->value("err_code", 0);
    const std::string description = e->value("description", "unknown error");
    if (code == kStreamNotFound) return Error(Where(bucket, "no such bucket"), kNoSuchContainer);
    return Error(Where(bucket, what + ": " + description));
  }
  return std::move(*reply);
}

Status NatsBlobstoreBackend::CreateContainer(const std::string& bucket) {
  WCLOUD_ASSIGN_OR_RETURN(nats::Connection * connection, Connect());
  // Create binds to a bucket that exists, so a bucket that exists is found first; two guests
  // creating the same bucket at once may both succeed.
  auto exists = ContainerExists(bucket);
  if (!exists) return exists.error();
  if (*exists) return Error(Where(bucket, "exists"), kContainerExists);
  auto created = nats::ObjectStore::Create(*connection, bucket, nats::BucketOptions{});
  if (!created) return created.error();
  std::shared_ptr<nats::ObjectStore> store = std::move(*created);
  MutexLock lock(mu_);
  stores_[bucket] = std::move(store);
  return Ok();
}

Result<bool> NatsBlobstoreBackend::ContainerExists(const std::string& bucket) {
  auto store = Store(bucket);
  if (store) return true;
  if (store.error().code() == kNoSuchContainer) return false;
  return store.error();
}

Result<uint64_t> NatsBlobstoreBackend::ContainerCreatedAt(const std::string& bucket) {
  WCLOUD_ASSIGN_OR_RETURN(std::string reply, StreamRequest(bucket, "STREAM.INFO"));
  Json json = Json::parse(reply, nullptr, /*allow_exceptions=*/false);
  auto created = json.find("created");
  if (created == json.end() || !created->is_string()) {
    return Error(Where(bucket, "$JS.API.STREAM.INFO: no \"created\" time in the answer"));
  }
  auto t = ParseTime(created->get<std::string>());
  if (!t) return Error(Where(bucket, "$JS.API.STREAM.INFO: " + t.error().message()));
  return Seconds(*t);
}

Status NatsBlobstoreBackend::DeleteContainer(const std::string& bucket) {
  Forget(bucket);
  auto deleted = StreamRequest(bucket, "STREAM.DELETE");
  Forget(bucket);  // a call meanwhile may have opened it again
  if (!deleted) return deleted.error();
  return Ok();
}

Status NatsBlobstoreBackend::Put(const std::string& bucket, const std::string& name,
                                 const Bytes& data) {
  WCLOUD_ASSIGN_OR_RETURN(auto store, Store(bucket));
  auto put =
      store->Put(name, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
  if (!put) {
    Forget(bucket);
    // A bucket deleted under a kept store fails as "no responders"; say what happened instead.
    if (auto exists = ContainerExists(bucket); exists && !*exists) {
      return Error(Where(bucket, "no such bucket"), kNoSuchContainer);
    }
    return put.error();
  }
  return Ok();
}

Result<Bytes> NatsBlobstoreBackend::Get(const std::string& bucket, const std::string& name,
                                        uint64_t max_bytes) {
  WCLOUD_ASSIGN_OR_RETURN(auto store, Store(bucket));
  auto got = store->Get(name, max_bytes);
  if (!got) {
    const ErrorCode code = got.error().code();
    if (code == ErrorCode::kNotFound) return Error(got.error().message(), kNoSuchObject);
    if (code == ErrorCode::kResourceExhausted) return Error(got.error().message(), kObjectTooLarge);
    Forget(bucket);
    if (auto exists = ContainerExists(bucket); exists && !*exists) {
      return Error(Where(bucket, "no such bucket"), kNoSuchContainer);
    }
    return got.error();
  }
  return Bytes(got->begin(), got->end());
}

Result<BlobObjectInfo> NatsBlobstoreBackend::Info(const std::string& bucket,
                                                  const std::string& name) {
  WCLOUD_ASSIGN_OR_RETURN(auto store, Store(bucket));
  auto info = store->Info(name);
  if (!info) {
    if (info.error().code() == ErrorCode::kNotFound) {
      return Error(info.error().message(), kNoSuchObject);
    }
    Forget(bucket);
    return info.error();
  }
  BlobObjectInfo out{info->name, info->size, 0};
  if (auto t = ParseTime(info->mtime)) out.created_at = Seconds(*t);
  return out;
}

Status NatsBlobstoreBackend::Delete(const std::string& bucket, const std::string& name) {
  WCLOUD_ASSIGN_OR_RETURN(auto store, Store(bucket));
  Status deleted = store->Delete(name);
  if (!deleted && deleted.error().code() != ErrorCode::kNotFound) {
    Forget(bucket);
    return deleted;
  }
  return Ok();
}

Result<std::vector<std::string>> NatsBlobstoreBackend::List(const std::string& bucket) {
  WCLOUD_ASSIGN_OR_RETURN(auto store, Store(bucket));
  auto listed = store->List();
  if (!listed) {
    Forget(bucket);
    return listed.error();
  }
  std::vector<std::string> names;
  names.reserve(listed->size());
  for (auto& info : *listed) names.push_back(std::move(info.name));
  return names;
}

}  // namespace wcloud::plugins
