#include "plugins/keyvalue_connections.h"

#include "plugins/blobstore_memory_backend.h"
#include "plugins/blobstore_nats_backend.h"
#include "plugins/memory_backend.h"
#include "plugins/nats_backend.h"
#include "plugins/redis_backend.h"

namespace wcloud::plugins {

Result<std::shared_ptr<KeyValueBackend>> KeyValueConnections::Get(std::string_view kind,
                                                                  std::string_view url) {
  if (url.empty()) {
    if (kind == kNatsBackend) url = kDefaultNatsUrl;
    if (kind == kRedisBackend) url = kDefaultRedisUrl;
  }
  std::string id = std::string(kind) + " " + std::string(url);
  MutexLock lock(mu_);
  if (auto it = backends_.find(id); it != backends_.end()) {
    if (auto live = it->second.lock()) return live;
  }
  std::shared_ptr<KeyValueBackend> backend;
  if (kind == kMemoryBackend) {
    backend = std::make_shared<MemoryBackend>(options_.page_size);
  } else if (kind == kNatsBackend) {
    WCLOUD_ASSIGN_OR_RETURN(auto nats,
                            NatsBackend::Create(url, {.connect_timeout = options_.connect_timeout,
                                                      .request_timeout = options_.request_timeout,
                                                      .page_size = options_.page_size}));
    backend = std::move(nats);
  } else if (kind == kRedisBackend) {
    WCLOUD_ASSIGN_OR_RETURN(
        auto redis, RedisBackend::Create(url, {.connect_timeout = options_.connect_timeout,
                                               .command_timeout = options_.request_timeout,
                                               .max_connections = options_.redis_max_connections,
                                               .page_size = options_.page_size}));
    backend = std::move(redis);
  } else {
    return Error("unsupported value \"" + std::string(kind) + "\": supported values: \"" +
                 kNatsBackend + "\", \"" + kRedisBackend + "\", \"" + kMemoryBackend + "\"");
  }
  if (metrics_) backend = metrics_->Wrap(kind, std::move(backend));
  // Expired entries of other ids are dropped here rather than by a sweeper.
  std::erase_if(backends_, [](const auto& entry) { return entry.second.expired(); });
  backends_[id] = backend;
  return backend;
}

Result<std::shared_ptr<BlobstoreBackend>> KeyValueConnections::GetBlobstore(std::string_view kind,
                                                                            std::string_view url) {
  if (url.empty() && kind == kNatsBackend) url = kDefaultNatsUrl;
  std::string id = std::string(kind) + " " + std::string(url);
  MutexLock lock(mu_);
  if (auto it = blobstores_.find(id); it != blobstores_.end()) {
    if (auto live = it->second.lock()) return live;
  }
  std::shared_ptr<BlobstoreBackend> backend;
  if (kind == kMemoryBackend) {
    backend = std::make_shared<MemoryBlobstoreBackend>();
  } else if (kind == kNatsBackend) {
    WCLOUD_ASSIGN_OR_RETURN(auto nats, NatsBlobstoreBackend::Create(
                                           url, {.connect_timeout = options_.connect_timeout,
                                                 .request_timeout = options_.request_timeout}));
    backend = std::move(nats);
  } else {
    return Error("unsupported value \"" + std::string(kind) +
                 "\" for wasi:blobstore: supported values: \"" + kNatsBackend + "\", \"" +
                 kMemoryBackend + "\"");
  }
  if (metrics_) backend = metrics_->Wrap(kind, std::move(backend));
  std::erase_if(blobstores_, [](const auto& entry) { return entry.second.expired(); });
  blobstores_[id] = backend;
  return backend;
}

size_t KeyValueConnections::open() const {
  MutexLock lock(mu_);
  size_t n = 0;
  for (const auto& [id, backend] : backends_) n += backend.expired() ? 0 : 1;
  for (const auto& [id, backend] : blobstores_) n += backend.expired() ? 0 : 1;
  return n;
}

}  // namespace wcloud::plugins
