#include "nats/object_store.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <chrono>
#include <ctime>
#include <exception>
#include <optional>
#include <thread>
#include <utility>

#include "nats/connection.h"
#include "nats/connection_internal.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/json_depth.h"
#include "util/mutex.h"
#include "util/random.h"
#include "util/sha256.h"
#include "util/utf8.h"

namespace wcloud::nats {

namespace {

// ADR-20's names and defaults.
constexpr char kStreamPrefix[] = "OBJ_";
constexpr char kDigestPrefix[] = "SHA-256=";
constexpr char kRollupHeader[] = "Nats-Rollup";
constexpr char kRollupSubject[] = "sub";
constexpr uint32_t kDefaultChunkSize = 128 * 1024;

// Every JetStream request (and the wait for each chunk while reading) gives up after this.
constexpr int64_t kRequestTimeoutMs = 5000;
// While reading chunks, how long to wait before asking the consumer whether more will come.
constexpr int64_t kChunkWaitMs = 200;
// A put's meta subject ($O.<bucket>.M.<base64url(name)>) travels on the HPUB line, which the
// server caps at 4096 bytes (max_control_line): 1024 bytes of name keep it well inside.
constexpr size_t kMaxNameBytes = 1024;
// ADR-20 meta is three levels deep; anything much deeper is not meta.
constexpr size_t kMaxMetaDepth = 32;

}  // namespace

struct ObjectStore::State {
  Connection* connection = nullptr;
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::string bucket;
  std::string stream;  // OBJ_<bucket>
  // Whether the stream allows direct gets (both official clients create it so); without, the
  // last meta is read through the stream leader's API.
  bool allow_direct = true;

  Mutex mu;
  // Chunk subjects of failed puts and deletes whose purge could not reach the server; retried
  // before the next put or delete.
  std::vector<std::string> pending_purges GUARDED_BY(mu);

  ~State() {
    if (js != nullptr) jsCtx_Destroy(js);
  }

  std::string Where(std::string_view op, const std::string& name = "") const {
    std::string out =
        connection->display_urls() + ": object store " + bucket + ": " + std::string(op);
    if (!name.empty()) out += " \"" + name + "\"";
    return out;
  }
  std::string ChunkSubject(const std::string& nuid) const { return "$O." + bucket + ".C." + nuid; }
  std::string MetaSubject(const std::string& name) const;
  std::string AllMetaSubject() const { return "$O." + bucket + ".M.>"; }
  bool connected() const { return natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED; }

  Status CheckConnected(const std::string& where) const;
  Result<std::optional<ObjectInfo>> ReadMeta(const std::string& name, const std::string& where);
  // `refused`: the server answered that it did not store it (or nothing stores the subject).
  Status PublishMeta(const ObjectInfo& info, const std::string& where, bool* refused);
  Status Purge(const std::string& subject);
  void PurgeOrRemember(const std::string& subject, const std::string& where);
  void RetryPendingPurges();
  Result<std::string> ReadChunks(const ObjectInfo& info, const std::string& where);
};

struct ObjectStore::Watcher::State {
  std::function<void(const ObjectInfo&)> on_change;
  std::string where;
  natsSubscription* sub = nullptr;
  AsyncDelivery delivery;
};

namespace {

struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

struct StreamInfoDeleter {
  void operator()(jsStreamInfo* si) const { jsStreamInfo_Destroy(si); }
};
using StreamInfoPtr = std::unique_ptr<jsStreamInfo, StreamInfoDeleter>;

struct MetaDataDeleter {
  void operator()(jsMsgMetaData* md) const { jsMsgMetaData_Destroy(md); }
};
using MetaDataPtr = std::unique_ptr<jsMsgMetaData, MetaDataDeleter>;

// A synchronous subscription: unsubscribing also deletes the ephemeral consumer libnats made.
struct SubscriptionDeleter {
  void operator()(natsSubscription* sub) const {
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
  }
};
using SubscriptionPtr = std::unique_ptr<natsSubscription, SubscriptionDeleter>;

ErrorCode CodeOf(natsStatus s, jsErrCode jerr, const std::string& text) {
  switch (jerr) {
    case JSStreamNotFoundErr:
    case JSNoMessageFoundErr:
      return ErrorCode::kNotFound;
    case JSStorageResourcesExceededErr:
    case JSMemoryResourcesExceededErr:
    case JSAccountResourcesExceededErr:
    case JSInsufficientResourcesErr:
    case JSStreamMessageExceedsMaximumErr:
    case JSStreamMaxStreamBytesExceededErr:
      return ErrorCode::kResourceExhausted;
    case JSStreamStoreFailedErr:
      // "maximum bytes exceeded", "maximum messages exceeded": the stream's limits with
      // discard new; anything else is the server's storage failing.
      return text.find("maximum") != std::string::npos ? ErrorCode::kResourceExhausted
                                                       : ErrorCode::kUnavailable;
    case JSStreamSealedErr:
      return ErrorCode::kFailedPrecondition;
    default:
      break;
  }
  switch (s) {
    case NATS_NOT_FOUND:
      return ErrorCode::kNotFound;
    case NATS_TIMEOUT:
      return ErrorCode::kDeadlineExceeded;
    case NATS_NOT_PERMITTED:
      return ErrorCode::kPermissionDenied;
    case NATS_MAX_PAYLOAD:
      return ErrorCode::kResourceExhausted;
    case NATS_INVALID_ARG:
    case NATS_INVALID_SUBJECT:
      return ErrorCode::kInvalidArgument;
    default:
      return ErrorCode::kUnavailable;
  }
}

Error Failure(const std::string& where, natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0)) {
  std::string text = Describe(s);
  if (s == NATS_NO_RESPONDERS) text += " (is JetStream enabled on the server?)";
  return Error(where + ": " + text, CodeOf(s, jerr, text));
}

// ADR-20's restricted-term: 1 or more of A-Z, a-z, 0-9, dash, underscore.
bool ValidBucket(const std::string& bucket) {
  if (bucket.empty()) return false;
  for (unsigned char c : bucket) {
    if (!std::isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

// base64 with the URL alphabet and with padding (Go's base64.URLEncoding, @nats-io/obj's
// Base64UrlPaddedCodec): object names in meta subjects and digests.
std::string Base64UrlPadded(std::string_view bytes) {
  std::string out = Base64Encode(bytes);
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

std::string HexToBytes(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  const auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    const int hi = value(hex[i]), lo = value(hex[i + 1]);
    if (hi < 0 || lo < 0) return "";
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

std::string Sha256Bytes(std::string_view data) { return HexToBytes(Sha256Hex(data)); }

// The 32 bytes a "SHA-256=..." digest names. Written in base64url with padding, but read as
// leniently as @nats-io/obj reads it: either base64 alphabet, padded or not, or hex.
std::optional<std::string> ParseDigest(const std::string& digest) {
  if (!digest.starts_with(kDigestPrefix)) return std::nullopt;
  std::string value = digest.substr(sizeof(kDigestPrefix) - 1);
  if (value.size() == 64) {
    std::string bytes = HexToBytes(value);
    if (bytes.size() == 32) return bytes;
  }
  for (char& c : value) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  while (value.size() % 4 != 0) value += '=';
  auto bytes = Base64Decode(value);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  return *bytes;
}

// A NUID-shaped id (22 characters of 0-9A-Za-z) from the system's CSPRNG: a new one per put,
// so a replaced object's chunks are on a subject of their own.
std::string NewNuid() {
  static constexpr char kAlphabet[] =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  const std::string bytes = HexToBytes(RandomHex(22));
  std::string out;
  for (unsigned char b : bytes) out += kAlphabet[b % 62];  // a slight bias costs nothing here
  return out;
}

// RFC 3339 in UTC with as many fraction digits as needed (Go's time.RFC3339Nano, as the server
// writes Nats-Time-Stamp).
std::string FormatNanoTime(int64_t nanos) {
  int64_t secs = nanos / 1'000'000'000;
  int64_t frac = nanos % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  const time_t t = static_cast<time_t>(secs);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (frac != 0) {
    std::string digits = std::to_string(frac);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "Z";
}

std::string NowTime() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return FormatNanoTime(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count());
}

// The meta JSON as nats.go writes it (ADR-20 ObjectInfo, empty optional fields left out), with
// one difference: "mtime" is the put's time, as @nats-io/obj writes it and reads it back, where
// Go writes a zero time. Readers that follow ADR-20 take the message's time instead.
std::string EncodeMeta(const ObjectInfo& info) {
  Json j = Json::object();
  j["name"] = info.name;
  if (!info.description.empty()) j["description"] = info.description;
  if (!info.headers.empty()) {
    Json headers = Json::object();
    for (const auto& [key, values] : info.headers) headers[key] = values;
    j["headers"] = std::move(headers);
  }
  if (!info.metadata.empty()) {
    Json metadata = Json::object();
    for (const auto& [key, value] : info.metadata) metadata[key] = value;
    j["metadata"] = std::move(metadata);
  }
  Json options = Json::object();
  if (!info.link_bucket.empty()) {
    Json link = {{"bucket", info.link_bucket}};
    if (!info.link_name.empty()) link["name"] = info.link_name;
    options["link"] = std::move(link);
  }
  if (info.max_chunk_size != 0) options["max_chunk_size"] = info.max_chunk_size;
  if (!options.empty()) j["options"] = std::move(options);
  j["bucket"] = info.bucket;
  j["nuid"] = info.nuid;
  j["size"] = info.size;
  j["mtime"] = info.mtime;
  j["chunks"] = info.chunks;
  if (!info.digest.empty()) j["digest"] = info.digest;
  if (info.deleted) j["deleted"] = true;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Meta written by any client: absent and null fields are empty, a field of the wrong type is
// an error naming it. "mtime" is not read; the caller sets the message's time.
Result<ObjectInfo> DecodeMeta(std::string_view payload) {
  if (!CheckJsonDepth(payload, kMaxMetaDepth)) {
    return Error("meta is not ADR-20 JSON: nested too deeply", ErrorCode::kInternal);
  }
  const Json j = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Error("meta is not a JSON object", ErrorCode::kInternal);
  const auto bad = [](const std::string& field) {
    return Error("meta is not ADR-20 JSON: \"" + field + "\" has the wrong type",
                 ErrorCode::kInternal);
  };
  const auto present = [](const Json& o, const char* key) -> const Json* {
    auto it = o.find(key);
    return it == o.end() || it->is_null() ? nullptr : &*it;
  };
  ObjectInfo info;
  const auto string_field = [&](const Json& o, const char* key, std::string& out) -> bool {
    const Json* v = present(o, key);
    if (v == nullptr) return true;
    if (!v->is_string()) return false;
    out = v->get<std::string>();
    return true;
  };
  const auto count_field = [&](const char* key, uint64_t max, uint64_t& out) -> bool {
    const Json* v = present(j, key);
    if (v == nullptr) return true;
    if (!v->is_number_unsigned() || v->get<uint64_t>() > max) return false;
    out = v->get<uint64_t>();
    return true;
  };
  if (!string_field(j, "name", info.name) || info.name.empty()) return bad("name");
  if (!string_field(j, "description", info.description)) return bad("description");
  if (!string_field(j, "bucket", info.bucket)) return bad("bucket");
  if (!string_field(j, "nuid", info.nuid)) return bad("nuid");
  if (!string_field(j, "digest", info.digest)) return bad("digest");
  uint64_t chunks = 0;
  if (!count_field("size", UINT64_MAX, info.size)) return bad("size");
  if (!count_field("chunks", UINT32_MAX, chunks)) return bad("chunks");
  info.chunks = static_cast<uint32_t>(chunks);
  if (const Json* v = present(j, "deleted")) {
    if (!v->is_boolean()) return bad("deleted");
    info.deleted = v->get<bool>();
  }
  if (const Json* v = present(j, "metadata")) {
    if (!v->is_object()) return bad("metadata");
    for (const auto& [key, value] : v->items()) {
      if (!value.is_string()) return bad("metadata." + key);
      info.metadata[key] = value.get<std::string>();
    }
  }
  if (const Json* v = present(j, "headers")) {
    if (!v->is_object()) return bad("headers");
    for (const auto& [key, values] : v->items()) {
      if (!values.is_array()) return bad("headers." + key);
      auto& out = info.headers[key];
      for (const Json& value : values) {
        if (!value.is_string()) return bad("headers." + key);
        out.push_back(value.get<std::string>());
      }
    }
  }
  if (const Json* options = present(j, "options")) {
    if (!options->is_object()) return bad("options");
    if (const Json* v = present(*options, "max_chunk_size")) {
      if (!v->is_number_unsigned() || v->get<uint64_t>() > UINT32_MAX) {
        return bad("options.max_chunk_size");
      }
      info.max_chunk_size = v->get<uint32_t>();
    }
    if (const Json* link = present(*options, "link")) {
      if (!link->is_object() || !string_field(*link, "bucket", info.link_bucket) ||
          !string_field(*link, "name", info.link_name)) {
        return bad("options.link");
      }
    }
  }
  return info;
}

// The time JetStream stored `msg`: libnats' own field for messages it got through the stream
// API or a consumer, else the direct get's Nats-Time-Stamp header (already RFC 3339).
std::string MessageTime(natsMsg* msg) {
  if (const int64_t t = natsMsg_GetTime(msg); t > 0) return FormatNanoTime(t);
  const char* stamp = nullptr;
  if (natsMsgHeader_Get(msg, "Nats-Time-Stamp", &stamp) == NATS_OK && stamp != nullptr) {
    return stamp;
  }
  return "";
}

std::string_view Payload(natsMsg* msg) {
  const char* data = natsMsg_GetData(msg);
  const int length = natsMsg_GetDataLength(msg);
  return data == nullptr || length <= 0 ? std::string_view()
                                        : std::string_view(data, static_cast<size_t>(length));
}

Status CheckText(const std::string& where, const std::string& what, const std::string& text) {
  if (IsValidUtf8(text)) return Ok();
  return Error(where + ": " + what + " is not valid UTF-8", ErrorCode::kInvalidArgument);
}

Result<std::unique_ptr<jsCtx, void (*)(jsCtx*)>> NewJetStream(natsConnection* nc,
                                                              const std::string& where) {
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = kRequestTimeoutMs;
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, nc, &options);
  if (s != NATS_OK) return Failure(where + ": JetStream context", s);
  return std::unique_ptr<jsCtx, void (*)(jsCtx*)>(js, jsCtx_Destroy);
}

// Whether `si` is the stream of an object store for `bucket` (its two subjects).
bool IsObjectStoreStream(const jsStreamInfo& si, const std::string& bucket) {
  if (si.Config == nullptr) return false;
  bool chunks = false, meta = false;
  for (int i = 0; i < si.Config->SubjectsLen; ++i) {
    const std::string subject = si.Config->Subjects[i];
    chunks = chunks || subject == "$O." + bucket + ".C.>";
    meta = meta || subject == "$O." + bucket + ".M.>";
  }
  return chunks && meta;
}

void OnWatchMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* state = static_cast<ObjectStore::Watcher::State*>(closure);
  MsgPtr owned(msg);
  state->delivery.Entering();
  auto info = DecodeMeta(Payload(msg));
  if (!info) {
    spdlog::warn("{}: skipped {}: {}", state->where, natsMsg_GetSubject(msg),
                 info.error().message());
    return;
  }
  jsMsgMetaData* raw = nullptr;
  if (natsMsg_GetMetaData(&raw, msg) == NATS_OK) {
    MetaDataPtr md(raw);
    info->mtime = FormatNanoTime(md->Timestamp);
  }
  try {
    state->on_change(*info);
  } catch (const std::exception& e) {
    // An exception must not unwind through libnats' C frames.
    spdlog::error("{}: watch handler threw: {}", state->where, e.what());
  }
}

// The consumer's counts: what it has sent us so far, and what it has still to send.
struct Delivery {
  uint64_t delivered = 0;
  uint64_t pending = 0;
};
Result<Delivery> ConsumerDelivery(natsSubscription* sub, const std::string& where) {
  jsConsumerInfo* ci = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = natsSubscription_GetConsumerInfo(&ci, sub, nullptr, &jerr);
  if (s != NATS_OK) return Failure(where + ": consumer info", s, jerr);
  const Delivery out{ci->Delivered.Consumer, ci->NumPending};
  jsConsumerInfo_Destroy(ci);
  return out;
}

// Whether a new consumer has nothing for us at all (known at once rather than by a timeout).
Result<bool> NothingToDeliver(natsSubscription* sub, const std::string& where) {
  WCLOUD_ASSIGN_OR_RETURN(const Delivery d, ConsumerDelivery(sub, where));
  return d.delivered == 0 && d.pending == 0;
}

// Whether the consumer has sent everything it will send.
Result<bool> NothingPending(natsSubscription* sub, const std::string& where) {
  WCLOUD_ASSIGN_OR_RETURN(const Delivery d, ConsumerDelivery(sub, where));
  return d.pending == 0;
}

// An ordered push consumer on `subject` (libnats recreates it past any gap, with flow control
// and heartbeats), as both official clients read chunks and meta.
Result<SubscriptionPtr> OrderedSubscription(jsCtx* js, const std::string& stream,
                                            const std::string& subject, jsDeliverPolicy policy,
                                            const std::string& where) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = policy;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(&sub, js, subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return Failure(where + ": consumer", s, jerr);
  return SubscriptionPtr(sub);
}

}  // namespace

std::string ObjectStore::State::MetaSubject(const std::string& name) const {
  return "$O." + bucket + ".M." + Base64UrlPadded(name);
}

Status ObjectStore::State::CheckConnected(const std::string& where) const {
  // While reconnecting libnats would buffer requests and wait out their timeout.
  if (connected()) return Ok();
  return Error(where + ": not connected to NATS (reconnecting)", ErrorCode::kUnavailable);
}

Result<std::optional<ObjectInfo>> ObjectStore::State::ReadMeta(const std::string& name,
                                                               const std::string& where) {
  if (name.empty()) return Error(where + ": no object name", ErrorCode::kInvalidArgument);
  WCLOUD_TRY_STATUS(CheckConnected(where));
  const std::string subject = MetaSubject(name);
  natsMsg* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s;
  if (allow_direct) {
    jsDirectGetMsgOptions options;
    jsDirectGetMsgOptions_Init(&options);
    options.LastBySubject = subject.c_str();
    s = js_DirectGetMsg(&raw, js, stream.c_str(), nullptr, &options);
  } else {
    s = js_GetLastMsg(&raw, js, stream.c_str(), subject.c_str(), nullptr, &jerr);
  }
  MsgPtr msg(raw);
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) return std::optional<ObjectInfo>();
  if (s != NATS_OK) return Failure(where + ": meta", s, jerr);
  auto info = DecodeMeta(Payload(msg.get()));
  if (!info) return info.error().Wrap(where + ": " + subject);
  info->mtime = MessageTime(msg.get());
  return std::optional<ObjectInfo>(std::move(info).value());
}

Status ObjectStore::State::PublishMeta(const ObjectInfo& info, const std::string& where,
                                       bool* refused) {
  const std::string subject = MetaSubject(info.name);
  const std::string payload = EncodeMeta(info);
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, subject.c_str(), nullptr, payload.data(),
                                static_cast<int>(payload.size()));
  if (s != NATS_OK) return Failure(where + ": meta", s);
  MsgPtr msg(raw);
  // ADR-20: the meta subject is always rolled up, so the stream keeps one meta per object.
  s = natsMsgHeader_Set(msg.get(), kRollupHeader, kRollupSubject);
  if (s != NATS_OK) return Failure(where + ": meta", s);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(nullptr, js, msg.get(), nullptr, &jerr);
  if (s != NATS_OK) {
    *refused = jerr != 0 || s == NATS_NO_RESPONDERS;
    return Failure(where + ": publish meta " + subject, s, jerr);
  }
  return Ok();
}

Status ObjectStore::State::Purge(const std::string& subject) {
  const std::string where = Where("purge " + subject);
  WCLOUD_TRY_STATUS(CheckConnected(where));
  jsOptions options;
  jsOptions_Init(&options);
  options.Wait = kRequestTimeoutMs;
  options.Stream.Purge.Subject = subject.c_str();
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_PurgeStream(js, stream.c_str(), &options, &jerr);
  if (s != NATS_OK) return Failure(where, s, jerr);
  return Ok();
}

void ObjectStore::State::PurgeOrRemember(const std::string& subject, const std::string& where) {
  if (Status purged = Purge(subject); !purged) {
    spdlog::warn("{}: chunks left for later: {}", where, purged.error().message());
    MutexLock lock(mu);
    pending_purges.push_back(subject);
  }
}

void ObjectStore::State::RetryPendingPurges() {
  std::vector<std::string> subjects;
  {
    MutexLock lock(mu);
    subjects.swap(pending_purges);
  }
  std::vector<std::string> failed;
  for (const std::string& subject : subjects) {
    if (!Purge(subject)) failed.push_back(subject);
  }
  if (failed.empty()) return;
  MutexLock lock(mu);
  pending_purges.insert(pending_purges.end(), failed.begin(), failed.end());
}

Result<std::string> ObjectStore::State::ReadChunks(const ObjectInfo& info,
                                                   const std::string& where) {
  if (info.size == 0 && info.chunks == 0) return std::string();
  if (info.chunks == 0) {
    return Error(where + ": meta says " + std::to_string(info.size) + " bytes in no chunks",
                 ErrorCode::kInternal);
  }
  const std::string subject = ChunkSubject(info.nuid);
  WCLOUD_ASSIGN_OR_RETURN(SubscriptionPtr sub,
                          OrderedSubscription(js, stream, subject, js_DeliverAll, where));
  WCLOUD_ASSIGN_OR_RETURN(const bool none, NothingToDeliver(sub.get(), where));
  if (none) {
    return Error(
        where + ": none of its " + std::to_string(info.chunks) + " chunks is in the stream",
        ErrorCode::kInternal);
  }
  std::string data;
  data.reserve(info.size);
  uint32_t count = 0;
  const auto missing = [&] {
    return Error(where + ": " + std::to_string(count) + " of " + std::to_string(info.chunks) +
                     " chunks in the stream",
                 ErrorCode::kInternal);
  };
  auto progress = std::chrono::steady_clock::now();
  while (count < info.chunks) {
    natsMsg* raw = nullptr;
    natsStatus s = natsSubscription_NextMsg(&raw, sub.get(), kChunkWaitMs);
    if (s == NATS_TIMEOUT) {
      // The rest may have been purged meanwhile (a put replacing the object does that): when
      // the consumer has nothing left to send, one last short wait lets a chunk already on its
      // way arrive, and then they are missing.
      WCLOUD_ASSIGN_OR_RETURN(const bool drained, NothingPending(sub.get(), where));
      if (drained) {
        s = natsSubscription_NextMsg(&raw, sub.get(), kChunkWaitMs);
        if (s == NATS_TIMEOUT) return missing();
      } else if (std::chrono::steady_clock::now() - progress >
                 std::chrono::milliseconds(kRequestTimeoutMs)) {
        return Error(where + ": chunk " + std::to_string(count + 1) + " of " +
                         std::to_string(info.chunks) + " did not come within " +
                         std::to_string(kRequestTimeoutMs) + " ms",
                     ErrorCode::kDeadlineExceeded);
      } else {
        continue;
      }
    }
    MsgPtr msg(raw);
    if (s != NATS_OK) return Failure(where + ": chunks", s);
    // Flow control and heartbeats come on the delivery subject; chunks keep theirs.
    const char* msg_subject = natsMsg_GetSubject(msg.get());
    if (msg_subject == nullptr || subject != msg_subject) continue;
    progress = std::chrono::steady_clock::now();
    const std::string_view chunk = Payload(msg.get());
    if (chunk.size() > info.size - data.size()) {
      return Error(where + ": chunks hold more than the " + std::to_string(info.size) +
                       " bytes the meta says",
                   ErrorCode::kInternal);
    }
    data.append(chunk);
    ++count;
    jsMsgMetaData* raw_md = nullptr;
    if (count < info.chunks && natsMsg_GetMetaData(&raw_md, msg.get()) == NATS_OK) {
      MetaDataPtr md(raw_md);
      if (md->NumPending == 0) return missing();
    }
  }
  return data;
}

ObjectStore::ObjectStore(std::unique_ptr<State> state) : state_(std::move(state)) {}
ObjectStore::~ObjectStore() = default;

const std::string& ObjectStore::bucket() const { return state_->bucket; }

namespace {

Result<std::unique_ptr<ObjectStore::State>> NewState(Connection& connection,
                                                     const std::string& bucket,
                                                     const std::string& where) {
  if (!ValidBucket(bucket)) {
    return Error(where + ": invalid bucket name (ADR-20: one or more of A-Z a-z 0-9 - _)",
                 ErrorCode::kInvalidArgument);
  }
  auto state = std::make_unique<ObjectStore::State>();
  state->connection = &connection;
  state->nc = NativeHandle(connection);
  state->bucket = bucket;
  state->stream = kStreamPrefix + bucket;
  WCLOUD_TRY_STATUS(state->CheckConnected(where));
  WCLOUD_ASSIGN_OR_RETURN(auto js, NewJetStream(state->nc, where));
  state->js = js.release();
  return state;
}

// The stream's info: nullptr when there is none.
Result<StreamInfoPtr> ReadStreamInfo(jsCtx* js, const std::string& stream,
                                     const std::string& where) {
  jsStreamInfo* raw = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(&raw, js, stream.c_str(), nullptr, &jerr);
  StreamInfoPtr si(raw);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) return StreamInfoPtr();
  if (s != NATS_OK) return Failure(where + ": stream " + stream, s, jerr);
  return si;
}

Status Bind(ObjectStore::State& state, const jsStreamInfo& si, const std::string& where) {
  if (!IsObjectStoreStream(si, state.bucket)) {
    return Error(where + ": stream " + state.stream + " exists but is not an object store (no $O." +
                     state.bucket + ".C.> and $O." + state.bucket + ".M.> subjects)",
                 ErrorCode::kFailedPrecondition);
  }
  state.allow_direct = si.Config->AllowDirect;
  return Ok();
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> ObjectStore::Create(Connection& connection,
                                                         const std::string& bucket,
                                                         const BucketOptions& options) {
  const std::string where = connection.display_urls() + ": object store " + bucket + ": create";
  if (options.replicas < 1 || options.max_bytes < -1 || options.max_bytes == 0 ||
      options.ttl.count() < 0) {
    return Error(where +
                     ": replicas must be at least 1, max_bytes -1 or positive, ttl not "
                     "negative",
                 ErrorCode::kInvalidArgument);
  }
  WCLOUD_TRY_STATUS(CheckText(where, "description", options.description));
  WCLOUD_ASSIGN_OR_RETURN(auto state, NewState(connection, bucket, where));
  WCLOUD_ASSIGN_OR_RETURN(StreamInfoPtr si, ReadStreamInfo(state->js, state->stream, where));
  if (si == nullptr) {
    // ADR-20's stream configuration, as nats.go and @nats-io/obj create it.
    const std::string chunks = "$O." + bucket + ".C.>";
    const std::string meta = "$O." + bucket + ".M.>";
    const char* subjects[] = {chunks.c_str(), meta.c_str()};
    jsStreamConfig config;
    jsStreamConfig_Init(&config);
    config.Name = state->stream.c_str();
    if (!options.description.empty()) config.Description = options.description.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 2;
    config.MaxAge = std::chrono::duration_cast<std::chrono::nanoseconds>(options.ttl).count();
    config.MaxBytes = options.max_bytes;
    config.Storage = options.memory_storage ? js_MemoryStorage : js_FileStorage;
    config.Replicas = options.replicas;
    config.Discard = js_DiscardNew;
    config.AllowRollup = true;
    config.AllowDirect = true;
    jsStreamInfo* raw = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(&raw, state->js, &config, nullptr, &jerr);
    si.reset(raw);
    if (s != NATS_OK && jerr == JSStreamNameExistErr) {
      // Created meanwhile by someone else: bind to theirs.
      WCLOUD_ASSIGN_OR_RETURN(si, ReadStreamInfo(state->js, state->stream, where));
      if (si == nullptr) return Failure(where + ": stream " + state->stream, s, jerr);
    } else if (s != NATS_OK) {
      return Failure(where + ": add stream " + state->stream, s, jerr);
    }
  }
  WCLOUD_TRY_STATUS(Bind(*state, *si, where));
  return std::unique_ptr<ObjectStore>(new ObjectStore(std::move(state)));
}

Result<std::unique_ptr<ObjectStore>> ObjectStore::Open(Connection& connection,
                                                       const std::string& bucket) {
  const std::string where = connection.display_urls() + ": object store " + bucket + ": open";
  WCLOUD_ASSIGN_OR_RETURN(auto state, NewState(connection, bucket, where));
  WCLOUD_ASSIGN_OR_RETURN(StreamInfoPtr si, ReadStreamInfo(state->js, state->stream, where));
  if (si == nullptr) {
    return Error(where + ": no such bucket (no stream " + state->stream + ")",
                 ErrorCode::kNotFound);
  }
  WCLOUD_TRY_STATUS(Bind(*state, *si, where));
  return std::unique_ptr<ObjectStore>(new ObjectStore(std::move(state)));
}

Result<ObjectInfo> ObjectStore::Put(const std::string& name, std::string_view data,
                                    const PutOptions& options) {
  State& st = *state_;
  const std::string where = st.Where("put", name);
  if (name.empty()) return Error(where + ": no object name", ErrorCode::kInvalidArgument);
  if (name.size() > kMaxNameBytes) {
    return Error(where + ": name longer than " + std::to_string(kMaxNameBytes) + " bytes",
                 ErrorCode::kInvalidArgument);
  }
  WCLOUD_TRY_STATUS(CheckText(where, "name", name));
  WCLOUD_TRY_STATUS(CheckText(where, "description", options.description));
  for (const auto& [key, value] : options.metadata) {
    WCLOUD_TRY_STATUS(CheckText(where, "metadata key", key));
    WCLOUD_TRY_STATUS(CheckText(where, "metadata." + key, value));
  }
  for (const auto& [key, values] : options.headers) {
    WCLOUD_TRY_STATUS(CheckText(where, "header name", key));
    for (const std::string& value : values) {
      WCLOUD_TRY_STATUS(CheckText(where, "header " + key, value));
    }
  }

  st.RetryPendingPurges();
  WCLOUD_ASSIGN_OR_RETURN(std::optional<ObjectInfo> old, st.ReadMeta(name, where));

  uint32_t chunk_size = options.chunk_size != 0 ? options.chunk_size : kDefaultChunkSize;
  const int64_t max_payload = natsConnection_GetMaxPayload(st.nc);
  if (max_payload > 0 && chunk_size > max_payload) chunk_size = static_cast<uint32_t>(max_payload);
  const uint64_t chunks = (data.size() + chunk_size - 1) / chunk_size;
  if (chunks > UINT32_MAX) {
    return Error(where + ": " + std::to_string(chunks) + " chunks are more than ADR-20 counts",
                 ErrorCode::kInvalidArgument);
  }

  ObjectInfo info;
  info.bucket = st.bucket;
  info.name = name;
  info.description = options.description;
  info.metadata = options.metadata;
  info.headers = options.headers;
  info.nuid = NewNuid();
  info.size = data.size();
  info.chunks = static_cast<uint32_t>(chunks);
  info.max_chunk_size = chunk_size;
  info.digest = kDigestPrefix + Base64UrlPadded(Sha256Bytes(data));

  // Chunks first, each stored (acknowledged) before the next, as @nats-io/obj does: the meta
  // that makes them an object comes only after the last.
  const std::string chunk_subject = st.ChunkSubject(info.nuid);
  for (uint64_t i = 0; i < chunks; ++i) {
    const std::string_view chunk = data.substr(i * chunk_size, chunk_size);
    const std::string step =
        where + ": chunk " + std::to_string(i + 1) + " of " + std::to_string(chunks);
    Status sent = st.CheckConnected(step);
    if (sent) {
      jsErrCode jerr = static_cast<jsErrCode>(0);
      natsStatus s = js_Publish(nullptr, st.js, chunk_subject.c_str(), chunk.data(),
                                static_cast<int>(chunk.size()), nullptr, &jerr);
      if (s != NATS_OK) sent = Failure(step, s, jerr);
    }
    if (!sent) {
      // No meta names these chunks: purge what landed (now, or before the next put or delete).
      st.PurgeOrRemember(chunk_subject, where);
      return sent.error();
    }
  }

  info.mtime = NowTime();
  bool refused = false;
  Status published = st.CheckConnected(where + ": meta");
  const bool meta_sent = published.has_value();
  if (meta_sent) published = st.PublishMeta(info, where, &refused);
  if (!published) {
    // Never sent, or refused by the server: the chunks are nobody's.
    if (!meta_sent || refused) {
      st.PurgeOrRemember(chunk_subject, where);
      return published.error();
    }
    // Otherwise the meta may have been stored with its acknowledgment lost, or may still sit in
    // libnats' reconnect buffer: purging the chunks could leave it pointing at nothing, so they
    // stay (invisible: no meta names them) unless the meta turns out to be stored.
    if (st.connected()) {
      auto now = st.ReadMeta(name, where);
      if (now && *now && (*now)->nuid == info.nuid) published = Ok();
    }
    if (!published) {
      return Error(published.error().message() + " (the put may still take effect)",
                   published.error().code());
    }
  }
  // The new object is live: the replaced one's chunks are nobody's.
  if (old && !old->nuid.empty() && old->nuid != info.nuid) {
    st.PurgeOrRemember(st.ChunkSubject(old->nuid), where);
  }
  return info;
}

Result<std::string> ObjectStore::Get(const std::string& name, uint64_t max_bytes) {
  State& st = *state_;
  const std::string where = st.Where("get", name);
  // A put replacing the object purges the chunks being read: read the new one then.
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    WCLOUD_ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, st.ReadMeta(name, where));
    if (!info || info->deleted) return Error(where + ": no such object", ErrorCode::kNotFound);
    if (!info->link_bucket.empty()) {
      return Error(where + ": a link to " + info->link_bucket + "/" + info->link_name +
                       ", which this client does not follow",
                   ErrorCode::kUnimplemented);
    }
    if (info->size > max_bytes) {
      return Error(where + ": " + std::to_string(info->size) + " bytes, more than the " +
                       std::to_string(max_bytes) + " allowed",
                   ErrorCode::kResourceExhausted);
    }
    const std::optional<std::string> digest = ParseDigest(info->digest);
    if (!digest) {
      return Error(where + ": unknown digest \"" + info->digest + "\" (expected SHA-256=...)",
                   ErrorCode::kInternal);
    }
    Result<std::string> data = st.ReadChunks(*info, where);
    Status checked = data ? Status() : Status(data.error());
    if (data && data->size() != info->size) {
      checked = Error(where + ": " + std::to_string(data->size()) + " bytes in the chunks, " +
                          std::to_string(info->size) + " in the meta",
                      ErrorCode::kInternal);
    } else if (data && Sha256Bytes(*data) != *digest) {
      checked = Error(where + ": digest mismatch: the chunks hash to SHA-256=" +
                          Base64UrlPadded(Sha256Bytes(*data)) + ", the meta says " + info->digest,
                      ErrorCode::kInternal);
    }
    if (checked) return data;
    if (attempt == kAttempts) return checked.error();
    auto now = st.ReadMeta(name, where);
    if (!now || !*now || (*now)->nuid == info->nuid) return checked.error();
  }
}

Result<ObjectInfo> ObjectStore::Info(const std::string& name) {
  const std::string where = state_->Where("info", name);
  WCLOUD_ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, state_->ReadMeta(name, where));
  if (!info || info->deleted) return Error(where + ": no such object", ErrorCode::kNotFound);
  return std::move(*info);
}

Status ObjectStore::Delete(const std::string& name) {
  State& st = *state_;
  const std::string where = st.Where("delete", name);
  st.RetryPendingPurges();
  WCLOUD_ASSIGN_OR_RETURN(std::optional<ObjectInfo> info, st.ReadMeta(name, where));
  if (!info) return Error(where + ": no such object", ErrorCode::kNotFound);
  if (info->deleted) return Ok();
  // As nats.go and @nats-io/obj delete: the same meta marked deleted, without size or digest.
  info->deleted = true;
  info->size = 0;
  info->chunks = 0;
  info->digest.clear();
  info->mtime = NowTime();
  bool refused = false;
  WCLOUD_TRY_STATUS(st.PublishMeta(*info, where, &refused));
  if (!info->nuid.empty()) st.PurgeOrRemember(st.ChunkSubject(info->nuid), where);
  return Ok();
}

Result<std::vector<ObjectInfo>> ObjectStore::List() {
  State& st = *state_;
  const std::string where = st.Where("list");
  WCLOUD_TRY_STATUS(st.CheckConnected(where));
  WCLOUD_ASSIGN_OR_RETURN(
      SubscriptionPtr sub,
      OrderedSubscription(st.js, st.stream, st.AllMetaSubject(), js_DeliverLastPerSubject, where));
  // The last meta is the one that leaves nothing pending; an empty bucket has none at all.
  WCLOUD_ASSIGN_OR_RETURN(const bool empty, NothingToDeliver(sub.get(), where));
  std::vector<ObjectInfo> out;
  if (empty) return out;
  const std::string prefix = "$O." + st.bucket + ".M.";
  for (;;) {
    natsMsg* raw = nullptr;
    natsStatus s = natsSubscription_NextMsg(&raw, sub.get(), kRequestTimeoutMs);
    MsgPtr msg(raw);
    if (s != NATS_OK) return Failure(where + ": meta", s);
    const char* subject = natsMsg_GetSubject(msg.get());
    if (subject == nullptr || !std::string_view(subject).starts_with(prefix)) continue;
    jsMsgMetaData* raw_md = nullptr;
    s = natsMsg_GetMetaData(&raw_md, msg.get());
    if (s != NATS_OK) return Failure(where + ": meta", s);
    MetaDataPtr md(raw_md);
    if (auto info = DecodeMeta(Payload(msg.get())); !info) {
      spdlog::warn("{}: skipped {}: {}", where, subject, info.error().message());
    } else if (!info->deleted) {
      info->mtime = FormatNanoTime(md->Timestamp);
      out.push_back(std::move(info).value());
    }
    if (md->NumPending == 0) return out;
  }
}

Result<std::unique_ptr<ObjectStore::Watcher>> ObjectStore::Watch(
    std::function<void(const ObjectInfo&)> on_change) {
  State& st = *state_;
  const std::string where = st.Where("watch");
  if (!on_change) return Error(where + ": no handler", ErrorCode::kInvalidArgument);
  WCLOUD_TRY_STATUS(st.CheckConnected(where));
  auto watcher = std::make_unique<Watcher::State>();
  watcher->on_change = std::move(on_change);
  watcher->where = where;
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = st.stream.c_str();
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverLastPerSubject;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_Subscribe(&sub, st.js, st.AllMetaSubject().c_str(), OnWatchMessage,
                              watcher.get(), nullptr, &so, &jerr);
  if (s != NATS_OK) return Failure(where + ": consumer", s, jerr);
  s = natsSubscription_SetOnCompleteCB(sub, AsyncDelivery::OnComplete, &watcher->delivery);
  if (s != NATS_OK) {
    // The connection closed under us; without the completion callback nothing says when the
    // delivery thread is done with the state, so it is left to it rather than freed under it.
    natsSubscription_Unsubscribe(sub);
    natsSubscription_Destroy(sub);
    (void)watcher.release();
    return Failure(where + ": consumer", s);
  }
  watcher->sub = sub;
  return std::unique_ptr<Watcher>(new Watcher(std::move(watcher)));
}

ObjectStore::Watcher::Watcher(std::unique_ptr<State> state) : state_(std::move(state)) {}

ObjectStore::Watcher::~Watcher() { state_->delivery.Close(state_->sub); }

}  // namespace wcloud::nats
