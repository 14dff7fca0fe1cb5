#include "plugins/nats_backend.h"

#include <nats/nats.h>

#include <algorithm>

#include "util/percent_encode.h"

namespace wcloud::plugins {
namespace {

bool IsPlainKeyByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '/';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Bytes EntryBytes(kvEntry* e) {
  const auto* data = static_cast<const uint8_t*>(kvEntry_Value(e));
  return Bytes(data, data + kvEntry_ValueLen(e));
}

// A JetStream answer to a compare-and-set that lost the race ("wrong last sequence").
bool LostRace(natsStatus s) {
  if (s != NATS_ERR) return false;
  const char* text = nats_GetLastError(nullptr);
  return text != nullptr && std::string_view(text).find("wrong last sequence") != std::string::npos;
}

}  // namespace

std::string EncodeNatsKey(const std::string& key) { return HexEscape(key, '=', IsPlainKeyByte); }

std::optional<std::string> DecodeNatsKey(const std::string& encoded) {
  std::string out;
  for (size_t i = 0; i < encoded.size(); ++i) {
    char c = encoded[i];
    if (c != '=') {
      if (!IsPlainKeyByte(static_cast<unsigned char>(c))) return std::nullopt;
      out += c;
      continue;
    }
    if (i + 2 >= encoded.size()) return std::nullopt;
    int hi = HexValue(encoded[i + 1]);
    int lo = HexValue(encoded[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

Result<std::unique_ptr<NatsBackend>> NatsBackend::Create(std::string_view url,
                                                         NatsOptions options) {
  WCLOUD_ASSIGN_OR_RETURN(BackendUrl parsed, ParseBackendUrl(url, 4222));
  if (parsed.scheme != "nats" && parsed.scheme != "tls") {
    return Error("url \"" + RedactUrl(url) + "\": the nats backend needs a nats:// url");
  }
  if (options.max_increment_attempts < 1) options.max_increment_attempts = 1;
  return std::unique_ptr<NatsBackend>(
      new NatsBackend(std::string(url), std::move(parsed), options));
}

NatsBackend::~NatsBackend() {
  stores_.clear();
  jsCtx_Destroy(js_);
  natsConnection_Destroy(connection_);
}

Error NatsBackend::Failure(const std::string& bucket, const char* what, int status) const {
  const char* detail = nats_GetLastError(nullptr);
  std::string message = "nats " + parsed_.Display() + ": bucket " + bucket + ": " + what + ": " +
                        natsStatus_GetText(static_cast<natsStatus>(status));
  if (detail != nullptr && *detail != '\0') message += " (" + RedactUrl(detail) + ")";
  return Error(message);
}

Result<NatsBackend::KvStore> NatsBackend::Store(const std::string& bucket) {
  MutexLock lock(mu_);
  // While libnats reconnects it would buffer a request and wait out its timeout; a guest is
  // better served by an error now.
  if (connection_ != nullptr && natsConnection_Status(connection_) != NATS_CONN_STATUS_CONNECTED) {
    return Error("nats " + parsed_.Display() + ": bucket " + bucket +
                 ": not connected (reconnecting)");
  }
  if (auto it = stores_.find(bucket); it != stores_.end()) return it->second;
  if (connection_ == nullptr) {
    natsOptions* opts = nullptr;
    natsStatus s = natsOptions_Create(&opts);
    if (s == NATS_OK) s = natsOptions_SetURL(opts, url_.c_str());
    if (s == NATS_OK) s = natsOptions_SetTimeout(opts, options_.connect_timeout.count());
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
    if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(opts, true);
    natsConnection* conn = nullptr;
    if (s == NATS_OK) s = natsConnection_Connect(&conn, opts);
    natsOptions_Destroy(opts);
    if (s != NATS_OK) {
      natsConnection_Destroy(conn);
      return Failure(bucket, "connect", s);
    }
    jsOptions js_opts;
    jsOptions_Init(&js_opts);
    js_opts.Wait = options_.request_timeout.count();
    jsCtx* js = nullptr;
    s = natsConnection_JetStream(&js, conn, &js_opts);
    if (s != NATS_OK) {
      natsConnection_Destroy(conn);
      return Failure(bucket, "JetStream", s);
    }
    connection_ = conn;
    js_ = js;
  }
  kvStore* kv = nullptr;
  natsStatus s = js_KeyValue(&kv, js_, bucket.c_str());
  if (s == NATS_NOT_FOUND) {
    kvConfig config;
    kvConfig_Init(&config);
    config.Bucket = bucket.c_str();
    config.History = 1;
    s = js_CreateKeyValue(&kv, js_, &config);
  }
  if (s != NATS_OK) return Failure(bucket, "open", s);
  KvStore store(kv, kvStore_Destroy);
  stores_[bucket] = store;
  return store;
}

void NatsBackend::Forget(const std::string& bucket) {
  MutexLock lock(mu_);
  stores_.erase(bucket);
}

Result<std::optional<Bytes>> NatsBackend::GetOne(const KvStore& kv, const std::string& bucket,
                                                 const std::string& key) {
  kvEntry* e = nullptr;
  natsStatus s = kvStore_Get(&e, kv.get(), EncodeNatsKey(key).c_str());
  if (s == NATS_NOT_FOUND) return std::optional<Bytes>();
  if (s != NATS_OK) {
    Forget(bucket);
    return Failure(bucket, "get", s);
  }
  Bytes value = EntryBytes(e);
  kvEntry_Destroy(e);
  return std::optional<Bytes>(std::move(value));
}

Result<std::optional<Bytes>> NatsBackend::Get(const std::string& bucket, const std::string& key) {
  WCLOUD_ASSIGN_OR_RETURN(KvStore kv, Store(bucket));
  return GetOne(kv, bucket, key);
}

Status NatsBackend::Set(const std::string& bucket, const std::string& key, const Bytes& value) {
  WCLOUD_ASSIGN_OR_RETURN(KvStore kv, Store(bucket));
  natsStatus s = kvStore_Put(nullptr, kv.get(), EncodeNatsKey(key).c_str(), value.data(),
                             static_cast<int>(value.size()));
  if (s != NATS_OK) {
    Forget(bucket);
    return Failure(bucket, "put", s);
  }
  return Ok();
}

Status NatsBackend::Delete(const std::string& bucket, const std::string& key) {
  WCLOUD_ASSIGN_OR_RETURN(KvStore kv, Store(bucket));
  natsStatus s = kvStore_Delete(kv.get(), EncodeNatsKey(key).c_str());
  if (s != NATS_OK) {
    Forget(bucket);
    return Failure(bucket, "delete", s);
  }
  return Ok();
}

Result<bool> NatsBackend::Exists(const std::string& bucket, const std::string& key) {
  WCLOUD_ASSIGN_OR_RETURN(auto value, Get(bucket, key));
  return value.has_value();
}

// KV lists keys all at once (through a watcher); pages are offsets into the sorted list, so a
// page may miss or repeat keys written between calls, which the interface allows.
Result<KeyPage> NatsBackend::ListKeys(const std::string& bucket, std::optional<uint64_t> cursor) {
  WCLOUD_ASSIGN_OR_RETURN(KvStore kv, Store(bucket));
  kvWatchOptions opts;
  kvWatchOptions_Init(&opts);
  opts.Timeout = options_.request_timeout.count();
  kvKeysList list{};
  natsStatus s = kvStore_Keys(&list, kv.get(), &opts);
  KeyPage page;
  if (s == NATS_NOT_FOUND) return page;
  if (s != NATS_OK) {
    Forget(bucket);
    return Failure(bucket, "keys", s);
  }
  std::vector<std::string> keys;
  for (int i = 0; i < list.Count; ++i) {
    if (auto decoded = DecodeNatsKey(list.Keys[i])) keys.push_back(std::move(*decoded));
  }
  kvKeysList_Destroy(&list);
  std::sort(keys.begin(), keys.end());
  uint64_t offset = cursor.value_or(0);
  for (uint64_t i = offset; i < keys.size() && page.keys.size() < options_.page_size; ++i) {
    page.keys.push_back(std::move(keys[i]));
  }
  if (offset + page.keys.size() < keys.size()) page.cursor = offset + page.keys.size();
  return page;
}

Result<uint64_t> NatsBackend::Increment(const std::string& bucket, const std::string& key,
                                        uint64_t delta) {
  WCLOUD_ASSIGN_OR_RETURN(KvStore kv, Store(bucket));
  const std::string encoded = EncodeNatsKey(key);
  for (int attempt = 0; attempt < options_.max_increment_attempts; ++attempt) {
    kvEntry* e = nullptr;
    natsStatus s = kvStore_Get(&e, kv.get(), encoded.c_str());
    uint64_t current = 0;
    uint64_t revision = 0;
    if (s == NATS_OK) {
      revision = kvEntry_Revision(e);
      auto parsed = ParseCounter(key, EntryBytes(e));
      kvEntry_Destroy(e);
      if (!parsed) return parsed.error();
      current = *parsed;
    } else if (s != NATS_NOT_FOUND) {
      Forget(bucket);
      return Failure(bucket, "increment: get", s);
    }
    WCLOUD_ASSIGN_OR_RETURN(uint64_t next, AddCounter(key, current, delta));
    Bytes bytes = CounterBytes(next);
    // Create succeeds only while the key is absent (or deleted); Update only at `revision`.
    s = revision == 0 ? kvStore_Create(nullptr, kv.get(), encoded.c_str(), bytes.data(),
                                       static_cast<int>(bytes.size()))
                      : kvStore_Update(nullptr, kv.get(), encoded.c_str(), bytes.data(),
                                       static_cast<int>(bytes.size()), revision);
    if (s == NATS_OK) return next;
    if (!LostRace(s)) {
      Forget(bucket);
      return Failure(bucket, "increment", s);
    }
  }
  return Error("nats " + parsed_.Display() + ": bucket " + bucket + ": increment of key \"" + key +
               "\" lost the race " + std::to_string(options_.max_increment_attempts) + " times");
}

Result<std::vector<std::optional<Bytes>>> NatsBackend::GetMany(
    const std::string& bucket, const std::vector<std::string>& keys) {
  WCLOUD_ASSIGN_OR_RETURN(KvStore kv, Store(bucket));
  std::vector<std::optional<Bytes>> out;
  for (const auto& key : keys) {
    WCLOUD_ASSIGN_OR_RETURN(auto value, GetOne(kv, bucket, key));
    out.push_back(std::move(value));
  }
  return out;
}

Status NatsBackend::SetMany(const std::string& bucket,
                            const std::vector<std::pair<std::string, Bytes>>& entries) {
  for (const auto& [key, value] : entries) WCLOUD_TRY_STATUS(Set(bucket, key, value));
  return Ok();
}

Status NatsBackend::DeleteMany(const std::string& bucket, const std::vector<std::string>& keys) {
  for (const auto& key : keys) WCLOUD_TRY_STATUS(Delete(bucket, key));
  return Ok();
}

}  // namespace wcloud::plugins
