// Where pulled component bytes live, addressed by their content digest. The embedded default
// keeps them in a directory under the data dir; the distributed mode puts them in a NATS
// JetStream Object Store behind the same interface.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::oci {

class ComponentStore {
 public:
  virtual ~ComponentStore() = default;
  // Stores `bytes` and returns their digest ("sha256:<hex>"). Storing the same bytes twice is a
  // no-op.
  virtual Result<std::string> Put(std::string_view bytes) = 0;
  // The bytes stored under `digest`, checked against it.
  virtual Result<std::string> Get(std::string_view digest) = 0;
  virtual bool Has(std::string_view digest) = 0;
};

// Files at DIR/sha256/<hex>, written to a temporary name, synced and renamed, so a crash never
// leaves a partial component under a digest.
class LocalComponentStore : public ComponentStore {
 public:
  explicit LocalComponentStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

  Result<std::string> Put(std::string_view bytes) override;
  Result<std::string> Get(std::string_view digest) override;
  bool Has(std::string_view digest) override;

 private:
  Result<std::filesystem::path> PathOf(std::string_view digest) const;
  std::filesystem::path dir_;
  std::atomic<uint64_t> next_tmp_{0};
};

}  // namespace wcloud::oci
