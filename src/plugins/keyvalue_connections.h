// The keyvalue and blobstore backends of one host, shared: every binding with the same backend
// kind and url gets the same backend object (one NATS connection, one Redis connection pool),
// created on first use and closed when the last binding that holds it goes away. Owned by main,
// passed to WorkloadBindings::Create.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "plugins/blobstore_backend.h"
#include "plugins/keyvalue_backend.h"
#include "plugins/store_metrics.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::plugins {

inline constexpr char kNatsBackend[] = "nats";
inline constexpr char kRedisBackend[] = "redis";
inline constexpr char kMemoryBackend[] = "in-memory";
inline constexpr char kDefaultNatsUrl[] = "nats://127.0.0.1:4222";
inline constexpr char kDefaultRedisUrl[] = "redis://127.0.0.1:6379";

struct KeyValueOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{2000};
  size_t page_size = 1000;  // keys per list-keys page
  size_t redis_max_connections = 16;
};

class KeyValueConnections {
 public:
  // With `metrics` (which must outlive this and every backend it gives out) each backend's
  // operations are counted.
  explicit KeyValueConnections(KeyValueOptions options = {}, StoreMetrics* metrics = nullptr)
      : options_(options), metrics_(metrics) {}
  KeyValueConnections(const KeyValueConnections&) = delete;
  KeyValueConnections& operator=(const KeyValueConnections&) = delete;

  // The backend `kind` (kNatsBackend, kRedisBackend, kMemoryBackend) at `url` (empty: the kind's
  // default). Fails only for a kind or url that cannot work; connecting happens on first use.
  Result<std::shared_ptr<KeyValueBackend>> Get(std::string_view kind, std::string_view url);
  // The same for wasi:blobstore: kNatsBackend (JetStream Object Store) or kMemoryBackend.
  Result<std::shared_ptr<BlobstoreBackend>> GetBlobstore(std::string_view kind,
                                                         std::string_view url);

  // Backends some binding still holds.
  size_t open() const;

 private:
  const KeyValueOptions options_;
  StoreMetrics* const metrics_;
  mutable Mutex mu_;
  // kind + url
  std::map<std::string, std::weak_ptr<KeyValueBackend>, std::less<>> backends_ GUARDED_BY(mu_);
  std::map<std::string, std::weak_ptr<BlobstoreBackend>, std::less<>> blobstores_ GUARDED_BY(mu_);
};

}  // namespace wcloud::plugins
