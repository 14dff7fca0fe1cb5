// The seam between wasi:keyvalue and the stores behind it (NATS JetStream KV, Redis, memory).
// Buckets and keys arrive already checked and scoped by the binding layer (bindings.h): a backend
// stores what it is told and never decides who may see what. Every backend is thread-safe: the
// instances of one workload call it from several worker threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/result.h"

namespace wcloud::plugins {

using Bytes = std::vector<uint8_t>;

// One page of ListKeys; `cursor` is where the next page starts, absent on the last page.
struct KeyPage {
  std::vector<std::string> keys;
  std::optional<uint64_t> cursor;
};

// Errors are the guest's `other(message)`: messages name the backend and peer (never a password)
// and say what failed. A backend that lost its server reconnects on a later call.
class KeyValueBackend {
 public:
  virtual ~KeyValueBackend() = default;

  virtual Result<std::optional<Bytes>> Get(const std::string& bucket, const std::string& key) = 0;
  virtual Status Set(const std::string& bucket, const std::string& key, const Bytes& value) = 0;
  virtual Status Delete(const std::string& bucket, const std::string& key) = 0;
  virtual Result<bool> Exists(const std::string& bucket, const std::string& key) = 0;
  virtual Result<KeyPage> ListKeys(const std::string& bucket, std::optional<uint64_t> cursor) = 0;
  // The number at `key` (decimal ASCII, as Redis keeps it) plus `delta`, stored and returned; an
  // absent key counts as 0. Atomic against concurrent increments of the same key.
  virtual Result<uint64_t> Increment(const std::string& bucket, const std::string& key,
                                     uint64_t delta) = 0;
  // One entry per key, in order.
  virtual Result<std::vector<std::optional<Bytes>>> GetMany(
      const std::string& bucket, const std::vector<std::string>& keys) = 0;
  virtual Status SetMany(const std::string& bucket,
                         const std::vector<std::pair<std::string, Bytes>>& entries) = 0;
  virtual Status DeleteMany(const std::string& bucket, const std::vector<std::string>& keys) = 0;
};

// Shared by the backends: the decimal value an increment reads, or an Error naming the key.
Result<uint64_t> ParseCounter(const std::string& key, const Bytes& value);
// delta added to current, or an Error when it does not fit in a u64.
Result<uint64_t> AddCounter(const std::string& key, uint64_t current, uint64_t delta);
Bytes CounterBytes(uint64_t value);

}  // namespace wcloud::plugins
