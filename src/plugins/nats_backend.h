// wasi:keyvalue on NATS JetStream KV through libnats. A bucket is a KV bucket, created (history 1)
// the first time a guest opens it. Guest keys may hold any characters but KV keys only
// [-/_=.A-Za-z0-9], so keys are escaped: bytes outside [-/_A-Za-z0-9] become "=XX" (hex), which
// is one-to-one and keeps '.' (a subject separator) out of keys. Increment is a compare-and-set
// loop on the key's revision.
//
// One natsConnection per backend (thread-safe); it reconnects on its own after the server comes
// back, and requests made while it is away fail at once instead of waiting.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "plugins/backend_url.h"
#include "plugins/keyvalue_backend.h"
#include "util/mutex.h"

struct __natsConnection;
struct __jsCtx;
struct __kvStore;

namespace wcloud::plugins {

struct NatsOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds request_timeout{2000};
  size_t page_size = 1000;
  int max_increment_attempts = 1000;  // compare-and-set rounds before giving up
};

// The KV key that stores guest key `key`, and back (nullopt for keys we did not write).
std::string EncodeNatsKey(const std::string& key);
std::optional<std::string> DecodeNatsKey(const std::string& encoded);

class NatsBackend final : public KeyValueBackend {
 public:
  // Checks the url (nats://host[:port]); connects on first use.
  static Result<std::unique_ptr<NatsBackend>> Create(std::string_view url,
                                                     NatsOptions options = {});
  ~NatsBackend() override;

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
  using KvStore = std::shared_ptr<__kvStore>;

  NatsBackend(std::string url, BackendUrl parsed, NatsOptions options)
      : url_(std::move(url)), parsed_(std::move(parsed)), options_(options) {}

  // The bucket's store, connecting and creating the bucket when needed.
  Result<KvStore> Store(const std::string& bucket);
  // After a failure the cached store may be stale (the bucket was deleted on the server).
  void Forget(const std::string& bucket);
  // "nats HOST:PORT: bucket B: what: <libnats' message>".
  Error Failure(const std::string& bucket, const char* what, int status) const;
  Result<std::optional<Bytes>> GetOne(const KvStore& kv, const std::string& bucket,
                                      const std::string& key);

  const std::string url_;
  const BackendUrl parsed_;
  const NatsOptions options_;
  Mutex mu_;
  __natsConnection* connection_ GUARDED_BY(mu_) = nullptr;  // made on first use
  __jsCtx* js_ GUARDED_BY(mu_) = nullptr;
  std::map<std::string, KvStore> stores_ GUARDED_BY(mu_);
};

}  // namespace wcloud::plugins
