// The in-memory blobstore backend: the default when a wasi:blobstore hostInterfaces entry names
// no backend, for `wcloud up` on one machine and for tests. Data lives as long as the backend
// object (one per host: KeyValueConnections shares it).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "plugins/blobstore_backend.h"
#include "util/mutex.h"

namespace wcloud::plugins {

class MemoryBlobstoreBackend final : public BlobstoreBackend {
 public:
  Status CreateContainer(const std::string& bucket) override;
  Result<bool> ContainerExists(const std::string& bucket) override;
  Result<uint64_t> ContainerCreatedAt(const std::string& bucket) override;
  Status DeleteContainer(const std::string& bucket) override;
  Status Put(const std::string& bucket, const std::string& name, const Bytes& data) override;
  Result<Bytes> Get(const std::string& bucket, const std::string& name,
                    uint64_t max_bytes) override;
  Result<BlobObjectInfo> Info(const std::string& bucket, const std::string& name) override;
  Status Delete(const std::string& bucket, const std::string& name) override;
  Result<std::vector<std::string>> List(const std::string& bucket) override;

 private:
  struct Object {
    // Shared, so that a Get copies the bytes outside the lock and a Put of the same name meanwhile
    // leaves the reader's copy alone.
    std::shared_ptr<const Bytes> data;
    uint64_t created_at = 0;
  };
  struct Container {
    uint64_t created_at = 0;
    std::map<std::string, Object> objects;
  };

  Result<Container*> Find(const std::string& bucket) REQUIRES(mu_);

  Mutex mu_;
  std::map<std::string, Container> containers_ GUARDED_BY(mu_);
};

}  // namespace wcloud::plugins
