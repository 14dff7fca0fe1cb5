// The in-memory keyvalue backend: the default when a hostInterfaces entry names no backend, for
// `wcloud up` on one machine and for tests. Data lives as long as the backend object.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "plugins/keyvalue_backend.h"
#include "util/mutex.h"

namespace wcloud::plugins {

class MemoryBackend final : public KeyValueBackend {
 public:
  explicit MemoryBackend(size_t page_size = 1000) : page_size_(page_size) {}

  Result<std::optional<Bytes>> Get(const std::string& bucket, const std::string& key) override;
  Status Set(const std::string& bucket, const std::string& key, const Bytes& value) override;
  Status Delete(const std::string& bucket, const std::string& key) override;
  Result<bool> Exists(const std::string& bucket, const std::string& key) override;
  Result<KeyPage> ListKeys(const std::string& bucket, std::optional<uint64_t> cursor) override;
  Result<uint64_t> Increment(const std::string& bucket, const std::string& key,
                             uint64_t delta) override;
  Result<std::vector<std::optional<Bytes>>> GetMany(const std::string& bucket,
                                                    const std::vector<std::string>& keys) override;
  Status SetMany(const std::string& bucket,
                 const std::vector<std::pair<std::string, Bytes>>& entries) override;
  Status DeleteMany(const std::string& bucket, const std::vector<std::string>& keys) override;

 private:
  const size_t page_size_;
  Mutex mu_;
  std::map<std::string, std::map<std::string, Bytes>> buckets_ GUARDED_BY(mu_);
};

}  // namespace wcloud::plugins
