#include "plugins/redis_backend.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <cstdlib>
#include <cstring>
#include <limits>

namespace wcloud::plugins {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>((ms.count() % 1000) * 1000)};
}

std::string RedisKey(const std::string& bucket, const std::string& key) {
  return bucket + ":" + key;
}

// SCAN MATCH is a glob: the bucket's own characters must match literally.
std::string GlobLiteral(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

Bytes ReplyBytes(const redisReply* r) {
  return Bytes(reinterpret_cast<const uint8_t*>(r->str),
               reinterpret_cast<const uint8_t*>(r->str) + r->len);
}

}  // namespace

void RedisBackend::ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

Result<std::unique_ptr<RedisBackend>> RedisBackend::Create(std::string_view url,
                                                           RedisOptions options) {
  WCLOUD_ASSIGN_OR_RETURN(BackendUrl parsed, ParseBackendUrl(url, 6379));
  if (parsed.scheme != "redis") {
    return Error("url \"" + RedactUrl(url) + "\": the redis backend needs a redis:// url");
  }
  if (!parsed.path.empty() && parsed.path.find_first_not_of("0123456789") != std::string::npos) {
    return Error("url \"" + RedactUrl(url) + "\": the path must be a database number");
  }
  if (options.max_connections == 0) options.max_connections = 1;
  return std::unique_ptr<RedisBackend>(new RedisBackend(std::move(parsed), options));
}

RedisBackend::~RedisBackend() {
  for (redisContext* c : idle_) redisFree(c);
}

Result<redisContext*> RedisBackend::Connect() {
  redisContext* c =
      redisConnectWithTimeout(url_.host.c_str(), url_.port, ToTimeval(options_.connect_timeout));
  if (c == nullptr) return Error("redis " + url_.Display() + ": out of memory connecting");
  if (c->err) {
    Error e("redis " + url_.Display() + ": connect: " + c->errstr);
    redisFree(c);
    return e;
  }
  redisSetTimeout(c, ToTimeval(options_.command_timeout));
  auto setup = [&](std::vector<const char*> argv, const char* what) -> Status {
    std::vector<size_t> lens;
    for (const char* a : argv) lens.push_back(strlen(a));
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    Reply owned(reply);
    if (!reply) return Error("redis " + url_.Display() + ": " + what + ": " + c->errstr);
    if (reply->type == REDIS_REPLY_ERROR) {
      return Error("redis " + url_.Display() + ": " + what + ": " +
                   std::string(reply->str, reply->len));
    }
    return Ok();
  };
  Status ready = Ok();
  if (!url_.password.empty()) {
    ready = url_.user.empty() ? setup({"AUTH", url_.password.c_str()}, "AUTH")
                              : setup({"AUTH", url_.user.c_str(), url_.password.c_str()}, "AUTH");
  }
  if (ready && !url_.path.empty()) ready = setup({"SELECT", url_.path.c_str()}, "SELECT");
  if (!ready) {
    redisFree(c);
    return ready.error();
  }
  return c;
}

Result<redisContext*> RedisBackend::Acquire() {
  {
    MutexLock lock(mu_);
    while (idle_.empty() && open_ >= options_.max_connections) idle_cv_.Wait(lock);
    if (!idle_.empty()) {
      redisContext* c = idle_.back();
      idle_.pop_back();
      return c;
    }
    ++open_;
  }
  auto connected = Connect();
  if (!connected) Release(nullptr, true);
  return connected;
}

void RedisBackend::Release(redisContext* context, bool broken) {
  {
    MutexLock lock(mu_);
    if (broken) {
      --open_;
    } else {
      idle_.push_back(context);
    }
  }
  if (broken && context) redisFree(context);
  idle_cv_.notify_one();
}

Result<RedisBackend::Reply> RedisBackend::Command(const std::vector<std::string>& argv,
                                                  const char* what) {
  WCLOUD_ASSIGN_OR_RETURN(redisContext * c, Acquire());
  std::vector<const char*> ptrs;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    ptrs.push_back(a.data());
    lens.push_back(a.size());
  }
  Reply reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), ptrs.data(), lens.data())));
  if (!reply || c->err) {
    Error e("redis " + url_.Display() + ": " + what + ": " +
            (c->err ? std::string(c->errstr) : std::string("no reply")));
    Release(c, true);
    return e;
  }
  Release(c, false);
  if (reply->type == REDIS_REPLY_ERROR) {
    return Error("redis " + url_.Display() + ": " + what + ": " +
                 std::string(reply->str, reply->len));
  }
  return reply;
}

Result<std::optional<Bytes>> RedisBackend::Get(const std::string& bucket, const std::string& key) {
  WCLOUD_ASSIGN_OR_RETURN(Reply r, Command({"GET", RedisKey(bucket, key)}, "GET"));
  if (r->type == REDIS_REPLY_NIL) return std::optional<Bytes>();
  if (r->type != REDIS_REPLY_STRING)
    return Error("redis " + url_.Display() + ": GET: not a string");
  return std::optional<Bytes>(ReplyBytes(r.get()));
}

Status RedisBackend::Set(const std::string& bucket, const std::string& key, const Bytes& value) {
  WCLOUD_TRY_STATUS(
      Command({"SET", RedisKey(bucket, key), std::string(value.begin(), value.end())}, "SET"));
  return Ok();
}

Status RedisBackend::Delete(const std::string& bucket, const std::string& key) {
  WCLOUD_TRY_STATUS(Command({"DEL", RedisKey(bucket, key)}, "DEL"));
  return Ok();
}

Result<bool> RedisBackend::Exists(const std::string& bucket, const std::string& key) {
  WCLOUD_ASSIGN_OR_RETURN(Reply r, Command({"EXISTS", RedisKey(bucket, key)}, "EXISTS"));
  return r->type == REDIS_REPLY_INTEGER && r->integer > 0;
}

// SCAN may answer a page with no keys and a cursor to go on; a few more rounds spare the guest
// most empty pages, without blocking on a large keyspace.
Result<KeyPage> RedisBackend::ListKeys(const std::string& bucket, std::optional<uint64_t> cursor) {
  const std::string prefix = bucket + ":";
  const std::string match = GlobLiteral(prefix) + "*";
  uint64_t next = cursor.value_or(0);
  KeyPage page;
  for (int round = 0; round < 8; ++round) {
    WCLOUD_ASSIGN_OR_RETURN(Reply r, Command({"SCAN", std::to_string(next), "MATCH", match, "COUNT",
                                              std::to_string(options_.page_size)},
                                             "SCAN"));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_ARRAY) {
      return Error("redis " + url_.Display() + ": SCAN: unexpected reply");
    }
    next = std::strtoull(r->element[0]->str, nullptr, 10);
    const redisReply* keys = r->element[1];
    for (size_t i = 0; i < keys->elements; ++i) {
      std::string k(keys->element[i]->str, keys->element[i]->len);
      if (k.compare(0, prefix.size(), prefix) == 0) page.keys.push_back(k.substr(prefix.size()));
    }
    if (next == 0 || !page.keys.empty()) break;
  }
  if (next != 0) page.cursor = next;
  return page;
}

Result<uint64_t> RedisBackend::Increment(const std::string& bucket, const std::string& key,
                                         uint64_t delta) {
  if (delta > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Error("redis " + url_.Display() + ": INCRBY: delta " + std::to_string(delta) +
                 " is larger than Redis integers (2^63-1)");
  }
  WCLOUD_ASSIGN_OR_RETURN(
      Reply r, Command({"INCRBY", RedisKey(bucket, key), std::to_string(delta)}, "INCRBY"));
  if (r->type != REDIS_REPLY_INTEGER || r->integer < 0) {
    return Error("redis " + url_.Display() + ": INCRBY: key \"" + key +
                 "\" holds a negative number");
  }
  return static_cast<uint64_t>(r->integer);
}

Result<std::vector<std::optional<Bytes>>> RedisBackend::GetMany(
    const std::string& bucket, const std::vector<std::string>& keys) {
  std::vector<std::optional<Bytes>> out;
  if (keys.empty()) return out;
  std::vector<std::string> argv{"MGET"};
  for (const auto& k : keys) argv.push_back(RedisKey(bucket, k));
  WCLOUD_ASSIGN_OR_RETURN(Reply r, Command(argv, "MGET"));
  if (r->type != REDIS_REPLY_ARRAY || r->elements != keys.size()) {
    return Error("redis " + url_.Display() + ": MGET: unexpected reply");
  }
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    out.push_back(e->type == REDIS_REPLY_STRING ? std::optional<Bytes>(ReplyBytes(e))
                                                : std::optional<Bytes>());
  }
  return out;
}

Status RedisBackend::SetMany(const std::string& bucket,
                             const std::vector<std::pair<std::string, Bytes>>& entries) {
  if (entries.empty()) return Ok();
  std::vector<std::string> argv{"MSET"};
  for (const auto& [k, v] : entries) {
    argv.push_back(RedisKey(bucket, k));
    argv.emplace_back(v.begin(), v.end());
  }
  WCLOUD_TRY_STATUS(Command(argv, "MSET"));
  return Ok();
}

Status RedisBackend::DeleteMany(const std::string& bucket, const std::vector<std::string>& keys) {
  if (keys.empty()) return Ok();
  std::vector<std::string> argv{"DEL"};
  for (const auto& k : keys) argv.push_back(RedisKey(bucket, k));
  WCLOUD_TRY_STATUS(Command(argv, "DEL"));
  return Ok();
}

}  // namespace wcloud::plugins
