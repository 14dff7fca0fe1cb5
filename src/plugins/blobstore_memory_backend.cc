#include "plugins/blobstore_memory_backend.h"

#include <chrono>

namespace wcloud::plugins {
namespace {

uint64_t NowSeconds() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Error NoSuchContainer(const std::string& bucket) {
  return Error("in-memory blobstore: no bucket \"" + bucket + "\"", kNoSuchContainer);
}

}  // namespace

Result<MemoryBlobstoreBackend::Container*> MemoryBlobstoreBackend::Find(const std::string& bucket) {
  auto it = containers_.find(bucket);
  if (it == containers_.end()) return NoSuchContainer(bucket);
  return &it->second;
}

Status MemoryBlobstoreBackend::CreateContainer(const std::string& bucket) {
  MutexLock lock(mu_);
  auto [it, created] = containers_.try_emplace(bucket);
  if (!created) {
    return Error("in-memory blobstore: bucket \"" + bucket + "\" exists", kContainerExists);
  }
  it->second.created_at = NowSeconds();
  return Ok();
}

Result<bool> MemoryBlobstoreBackend::ContainerExists(const std::string& bucket) {
  MutexLock lock(mu_);
  return containers_.count(bucket) != 0;
}

Result<uint64_t> MemoryBlobstoreBackend::ContainerCreatedAt(const std::string& bucket) {
  MutexLock lock(mu_);
  WCLOUD_ASSIGN_OR_RETURN(Container * c, Find(bucket));
  return c->created_at;
}

Status MemoryBlobstoreBackend::DeleteContainer(const std::string& bucket) {
  // The objects are freed after the lock is released: a large container takes a while.
  std::map<std::string, Object> doomed;
  MutexLock lock(mu_);
  auto it = containers_.find(bucket);
  if (it == containers_.end()) return NoSuchContainer(bucket);
  doomed.swap(it->second.objects);
  containers_.erase(it);
  return Ok();
}

Status MemoryBlobstoreBackend::Put(const std::string& bucket, const std::string& name,
                                   const Bytes& data) {
  auto copy = std::make_shared<const Bytes>(data);
  std::shared_ptr<const Bytes> replaced;  // freed after the lock is released
  MutexLock lock(mu_);
  WCLOUD_ASSIGN_OR_RETURN(Container * c, Find(bucket));
  Object& o = c->objects[name];
  replaced = std::move(o.data);
  o.data = std::move(copy);
  o.created_at = NowSeconds();
  return Ok();
}

Result<Bytes> MemoryBlobstoreBackend::Get(const std::string& bucket, const std::string& name,
                                          uint64_t max_bytes) {
  std::shared_ptr<const Bytes> data;
  {
    MutexLock lock(mu_);
    WCLOUD_ASSIGN_OR_RETURN(Container * c, Find(bucket));
    auto it = c->objects.find(name);
    if (it == c->objects.end()) {
      return Error("in-memory blobstore: bucket \"" + bucket + "\": no object \"" + name + "\"",
                   kNoSuchObject);
    }
    data = it->second.data;
  }
  if (data->size() > max_bytes) {
    return Error("in-memory blobstore: bucket \"" + bucket + "\": object \"" + name + "\" is " +
                     std::to_string(data->size()) + " bytes, more than " +
                     std::to_string(max_bytes),
                 kObjectTooLarge);
  }
  return *data;
}

Result<BlobObjectInfo> MemoryBlobstoreBackend::Info(const std::string& bucket,
                                                    const std::string& name) {
  MutexLock lock(mu_);
  WCLOUD_ASSIGN_OR_RETURN(Container * c, Find(bucket));
  auto it = c->objects.find(name);
  if (it == c->objects.end()) {
    return Error("in-memory blobstore: bucket \"" + bucket + "\": no object \"" + name + "\"",
                 kNoSuchObject);
  }
  return BlobObjectInfo{name, it->second.data->size(), it->second.created_at};
}

Status MemoryBlobstoreBackend::Delete(const std::string& bucket, const std::string& name) {
  std::shared_ptr<const Bytes> doomed;
  MutexLock lock(mu_);
  WCLOUD_ASSIGN_OR_RETURN(Container * c, Find(bucket));
  if (auto it = c->objects.find(name); it != c->objects.end()) {
    doomed = std::move(it->second.data);
    c->objects.erase(it);
  }
  return Ok();
}

Result<std::vector<std::string>> MemoryBlobstoreBackend::List(const std::string& bucket) {
  MutexLock lock(mu_);
  WCLOUD_ASSIGN_OR_RETURN(Container * c, Find(bucket));
  std::vector<std::string> names;
  names.reserve(c->objects.size());
  for (const auto& [name, object] : c->objects) names.push_back(name);
  return names;
}

}  // namespace wcloud::plugins
