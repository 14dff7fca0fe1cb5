// wasi:keyvalue on Redis through hiredis. A bucket is a key prefix: key K of bucket B is the Redis
// key "B:K" (bucket names cannot hold ':', so prefixes never overlap). Increment is INCRBY,
// the batch calls are MGET/MSET/DEL, and list-keys is a SCAN whose cursor is the guest's cursor.
//
// hiredis contexts are not thread-safe, so the backend keeps a small pool of them: a call takes an
// idle one or connects a new one, and a context that saw an I/O error is dropped, which is how
// the backend reconnects after Redis comes back.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "plugins/backend_url.h"
#include "plugins/keyvalue_backend.h"
#include "util/mutex.h"

struct redisContext;
struct redisReply;

namespace wcloud::plugins {

struct RedisOptions {
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
  size_t max_connections = 16;
  size_t page_size = 1000;  // SCAN COUNT
};

class RedisBackend final : public KeyValueBackend {
 public:
  // Checks the url (redis://[[user]:password@]host[:port][/db]); connects on first use.
  static Result<std::unique_ptr<RedisBackend>> Create(std::string_view url,
                                                      RedisOptions options = {});
  ~RedisBackend() override;

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
  struct ReplyDeleter {
    void operator()(redisReply* reply) const;
  };
  using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

  RedisBackend(BackendUrl url, RedisOptions options) : url_(std::move(url)), options_(options) {}

  // Runs one command; an error reply or a broken connection is an Error naming `what`.
  Result<Reply> Command(const std::vector<std::string>& argv, const char* what);
  Result<redisContext*> Acquire();
  void Release(redisContext* context, bool broken);
  Result<redisContext*> Connect();

  const BackendUrl url_;
  const RedisOptions options_;
  Mutex mu_;
  CondVar idle_cv_;
  std::vector<redisContext*> idle_ GUARDED_BY(mu_);
  size_t open_ GUARDED_BY(mu_) = 0;  // contexts idle or in use
};

}  // namespace wcloud::plugins
