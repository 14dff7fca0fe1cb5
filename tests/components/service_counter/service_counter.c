// service_counter: the world test:service/service-counter (wit/service_counter.wit holds the
// contract) with the canonical ABI written by hand.
#include "wasi_http.h"

// kv_guest's keyvalue and config imports and layouts, compiled in without its export.
#undef EXPORT
#define EXPORT(name)
#include "../kv_guest/kv_guest.c"
#undef EXPORT
#define EXPORT(name) __attribute__((export_name(name)))

#define IO_POLL(name) IMPORT("wasi:io/poll@0.2.12", name)
IMPORT("wasi:cli/stdout@0.2.12", "get-stdout") uint32_t GetStdout(void);
#define MONOTONIC(name) IMPORT("wasi:clocks/monotonic-clock@0.2.12", name)
#define OUTGOING_HANDLER(name) IMPORT("wasi:http/outgoing-handler@0.2.12", name)

// option<result<result<incoming-response, error-code>>>: option tag @0, outer result @8, inner
// result @16, the response handle (or error-code's tag) @24.
typedef struct FutureResult {
  uint8_t bytes[56];
} __attribute__((aligned(8))) FutureResult;

// result<own<future-incoming-response>, error-code>: tag @0, handle or error-code tag @8.
typedef struct HandleOrCode {
  uint8_t bytes[40];
} __attribute__((aligned(8))) HandleOrCode;

HTTP_TYPES("[constructor]outgoing-request") uint32_t OutgoingRequestNew(uint32_t headers);
HTTP_TYPES("[method]outgoing-request.set-scheme")
uint32_t OutgoingRequestSetScheme(uint32_t self, uint32_t some, uint32_t tag, const uint8_t* ptr,
                                  uint32_t len);
HTTP_TYPES("[method]outgoing-request.set-authority")
uint32_t OutgoingRequestSetAuthority(uint32_t self, uint32_t some, const uint8_t* ptr,
                                     uint32_t len);
HTTP_TYPES("[method]outgoing-request.set-path-with-query")
uint32_t OutgoingRequestSetPath(uint32_t self, uint32_t some, const uint8_t* ptr, uint32_t len);
HTTP_TYPES("[method]future-incoming-response.subscribe")
uint32_t FutureResponseSubscribe(uint32_t self);
HTTP_TYPES("[method]future-incoming-response.get")
void FutureResponseGet(uint32_t self, FutureResult* ret);
HTTP_TYPES("[resource-drop]future-incoming-response") void FutureResponseDrop(uint32_t handle);
HTTP_TYPES("[method]incoming-response.consume")
void IncomingResponseConsume(uint32_t self, HandleResult* ret);
HTTP_TYPES("[resource-drop]incoming-response") void IncomingResponseDrop(uint32_t handle);
HTTP_TYPES("[resource-drop]incoming-body") void IncomingBodyDrop(uint32_t handle);
IO_POLL("[method]pollable.block") void PollableBlock(uint32_t self);
IO_POLL("[resource-drop]pollable") void PollableDrop(uint32_t handle);
MONOTONIC("subscribe-duration") uint32_t SubscribeDuration(uint64_t nanoseconds);
OUTGOING_HANDLER("handle")
void OutgoingHandle(uint32_t request, uint32_t options_tag, uint32_t options, HandleOrCode* ret);

static Str Text(const char* s) { return (Str){(uint8_t*)s, Length(s)}; }

// The config value `key`, or `fallback` when it is not set.
static Str Config(const char* key, const char* fallback) {
  OptionBytesRet r;
  ConfigGet((const uint8_t*)key, Length(key), &r);
  if (r.is_err) CabiTrap();
  return r.v.ok.is_some ? r.v.ok.value : Text(fallback);
}

static void Set(uint32_t bucket, const char* key, Str value) {
  UnitRet r;
  BucketSet(bucket, (const uint8_t*)key, Length(key), value.ptr, value.len, &r);
  if (r.is_err) CabiTrap();
}

// GET http://{authority}{path}: the body, or "error:" and the error-code's case.
static Str Fetch(Str authority, Str path) {
  Buf body = {0};
  uint32_t request = OutgoingRequestNew(FieldsNew());
  if (OutgoingRequestSetScheme(request, 1, 0, 0, 0) != 0 ||
      OutgoingRequestSetAuthority(request, 1, authority.ptr, authority.len) != 0 ||
      OutgoingRequestSetPath(request, 1, path.ptr, path.len) != 0) {
    CabiTrap();
  }
  HandleOrCode sent;
  OutgoingHandle(request, 0, 0, &sent);
  uint8_t code;
  if (sent.bytes[0] != 0) {
    code = sent.bytes[8];
  } else {
    uint32_t future = *(uint32_t*)&sent.bytes[8];
    uint32_t pollable = FutureResponseSubscribe(future);
    PollableBlock(pollable);
    PollableDrop(pollable);
    FutureResult got;
    FutureResponseGet(future, &got);
    FutureResponseDrop(future);
    if (got.bytes[0] != 1 || got.bytes[8] != 0) CabiTrap();
    code = got.bytes[24];
    if (got.bytes[16] == 0) {
      uint32_t response = *(uint32_t*)&got.bytes[24];
      HandleResult consumed;
      IncomingResponseConsume(response, &consumed);
      if (consumed.tag != 0) CabiTrap();
      HandleResult in;
      IncomingBodyStream(consumed.handle, &in);
      if (in.tag != 0) CabiTrap();
      for (;;) {
        ReadResult r;
        InputStreamBlockingRead(in.handle, 4096, &r);
        if (r.tag != 0) break;  // closed (the end) or failed
        Append(&body, r.payload.bytes.ptr, r.payload.bytes.len);
        CabiFree(r.payload.bytes.ptr);
      }
      InputStreamDrop(in.handle);
      IncomingBodyDrop(consumed.handle);
      IncomingResponseDrop(response);
      return (Str){body.ptr, body.len};
    }
  }
  AppendText(&body, "error:");
  AppendU64(&body, code);
  return (Str){body.ptr, body.len};
}

EXPORT("wasi:cli/run@0.2.12#run")
uint32_t CliRun(void) {
  static const char kStarted[] = "service start\n";
  WriteResult written;
  OutputStreamBlockingWriteAndFlush(GetStdout(), (const uint8_t*)kStarted, sizeof kStarted - 1,
                                    &written);
  if (written.tag != 0) CabiTrap();
  Str bucket_name = Config("bucket", "svc");
  OpenRet opened;
  StoreOpen(bucket_name.ptr, bucket_name.len, &opened);
  if (opened.is_err) CabiTrap();
  const uint32_t bucket = opened.v.bucket;
  U64Ret counted;
  Increment(bucket, (const uint8_t*)"starts", 6, 1, &counted);
  if (counted.is_err) CabiTrap();

  Str authority = Config("fetch", "");
  if (authority.len > 0) Set(bucket, "fetched", Fetch(authority, Config("fetch-path", "/")));
  // "grow": that many MiB more linear memory; the key "grow" says "ok" or "refused".
  Str grow = Config("grow", "");
  if (grow.len > 0) {
    uint32_t mib = 0;
    for (uint32_t i = 0; i < grow.len; i++) {
      if (grow.ptr[i] < '0' || grow.ptr[i] > '9') CabiTrap();
      mib = mib * 10 + (grow.ptr[i] - '0');
    }
    const int refused = __builtin_wasm_memory_grow(0, mib * 16) == (size_t)-1;
    Set(bucket, "grow", Text(refused ? "refused" : "ok"));
  }
  BucketDrop(bucket);

  Str exit = Config("exit", "");
  if (Equals(exit, "ok")) return 0;
  if (Equals(exit, "trap")) CabiTrap();
  if (Equals(exit, "sleep")) {
    uint32_t timer = SubscribeDuration(3600ull * 1000 * 1000 * 1000);
    PollableBlock(timer);
    PollableDrop(timer);
  }
  return 1;
}
