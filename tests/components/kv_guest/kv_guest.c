// kv_guest: the world test:kv/kv-guest (wit/kv_guest.wit, which holds the contract) with the
// canonical ABI written by hand. Every string and list the host hands over (arguments of `run`,
// results of imports) is freed here, so a host may call `run` in a loop on one instance.
#include "cabi.h"
#include "text.h"

#define STORE(name) IMPORT("wasi:keyvalue/store@0.2.0-draft", name)
#define ATOMICS(name) IMPORT("wasi:keyvalue/atomics@0.2.0-draft", name)
#define BATCH(name) IMPORT("wasi:keyvalue/batch@0.2.0-draft", name)
#define CONFIG(name) IMPORT("wasi:config/store@0.2.0-rc.1", name)
#define LOGGING(name) IMPORT("wasi:logging/logging@0.1.0-draft", name)

// ---- canonical layouts

// wasi:keyvalue/store's error: no-such-store, access-denied, other(string); also wasi:config's
// error (upstream(string), io(string)), which has the same layout.
typedef struct KvError {
  uint8_t tag;
  Str message;  // other / upstream / io
} KvError;
_Static_assert(offsetof(KvError, message) == 4 && sizeof(KvError) == 12, "error");

typedef struct OpenRet {  // result<bucket, error>
  uint8_t is_err;
  union {
    uint32_t bucket;
    KvError err;
  } v;
} OpenRet;
_Static_assert(offsetof(OpenRet, v) == 4 && sizeof(OpenRet) == 16, "open");

typedef struct OptionBytesRet {  // result<option<list<u8>>, error>, result<option<string>, error>
  uint8_t is_err;
  union {
    struct {
      uint8_t is_some;
      Str value;
    } ok;
    KvError err;
  } v;
} OptionBytesRet;
_Static_assert(offsetof(OptionBytesRet, v.ok.value) == 8 && sizeof(OptionBytesRet) == 16, "get");

typedef struct UnitRet {  // result<_, error>; result<bool, error> keeps the bool at v.flag
  uint8_t is_err;
  union {
    uint8_t flag;
    KvError err;
  } v;
} UnitRet;
_Static_assert(offsetof(UnitRet, v) == 4 && sizeof(UnitRet) == 16, "unit");

typedef struct KeysRet {  // result<key-response, error>
  uint8_t is_err;
  union {
    struct {
      Str keys;  // list<string>: ptr to Str[len]
      uint8_t has_cursor;
      uint64_t cursor;
    } ok;
    KvError err;
  } v;
} KeysRet;
_Static_assert(offsetof(KeysRet, v) == 8 && offsetof(KeysRet, v.ok.has_cursor) == 16, "keys");
_Static_assert(offsetof(KeysRet, v.ok.cursor) == 24 && sizeof(KeysRet) == 32, "keys");

typedef struct U64Ret {  // result<u64, error>
  uint8_t is_err;
  union {
    uint64_t value;
    KvError err;
  } v;
} U64Ret;
_Static_assert(offsetof(U64Ret, v) == 8 && sizeof(U64Ret) == 24, "u64");

typedef struct Pair {  // tuple<string, list<u8>>, tuple<string, string>
  Str key;
  Str value;
} Pair;

typedef struct ManyEntry {  // option<tuple<string, list<u8>>>
  uint8_t is_some;
  Pair pair;
} ManyEntry;
_Static_assert(offsetof(ManyEntry, pair) == 4 && sizeof(ManyEntry) == 20, "entry");

typedef struct ListRet {  // result<list<T>, error>
  uint8_t is_err;
  union {
    Str list;  // ptr to T[len]
    KvError err;
  } v;
} ListRet;
_Static_assert(offsetof(ListRet, v) == 4 && sizeof(ListRet) == 16, "list");

STORE("open") void StoreOpen(const uint8_t* id, uint32_t id_len, OpenRet* ret);
STORE("[method]bucket.get")
void BucketGet(uint32_t bucket, const uint8_t* key, uint32_t key_len, OptionBytesRet* ret);
STORE("[method]bucket.set")
void BucketSet(uint32_t bucket, const uint8_t* key, uint32_t key_len, const uint8_t* value,
               uint32_t value_len, UnitRet* ret);
STORE("[method]bucket.delete")
void BucketDelete(uint32_t bucket, const uint8_t* key, uint32_t key_len, UnitRet* ret);
STORE("[method]bucket.exists")
void BucketExists(uint32_t bucket, const uint8_t* key, uint32_t key_len, UnitRet* ret);
STORE("[method]bucket.list-keys")
void BucketListKeys(uint32_t bucket, uint32_t has_cursor, uint64_t cursor, KeysRet* ret);
STORE("[resource-drop]bucket") void BucketDrop(uint32_t bucket);
ATOMICS("increment")
void Increment(uint32_t bucket, const uint8_t* key, uint32_t key_len, uint64_t delta, U64Ret* ret);
BATCH("get-many") void GetMany(uint32_t bucket, const Str* keys, uint32_t len, ListRet* ret);
BATCH("set-many") void SetMany(uint32_t bucket, const Pair* entries, uint32_t len, UnitRet* ret);
BATCH("delete-many") void DeleteMany(uint32_t bucket, const Str* keys, uint32_t len, UnitRet* ret);
CONFIG("get") void ConfigGet(const uint8_t* key, uint32_t key_len, OptionBytesRet* ret);
CONFIG("get-all") void ConfigGetAll(ListRet* ret);
LOGGING("log")
void Log(uint32_t level, const uint8_t* context, uint32_t context_len, const uint8_t* message,
         uint32_t message_len);

// ---- run

static struct {
  uint8_t is_err;
  Str value;
} ret_area;
_Static_assert(offsetof(__typeof__(ret_area), value) == 4, "result<list<u8>, string>");

static Buf out;
static int failed;

static void Fail(const char* what, Str detail) {
  failed = 1;
  out.len = 0;
  AppendText(&out, what);
  AppendStr(&out, detail);
}

// Records a keyvalue (or config, with `config` set) error and frees its message.
static void FailWith(const KvError* e, int config) {
  static const char* const kKv[] = {"no-such-store", "access-denied", "other: "};
  static const char* const kConfig[] = {"upstream: ", "io: "};
  Str none = {0, 0};
  if (config) {
    Fail(kConfig[e->tag & 1], e->message);
  } else {
    Fail(kKv[e->tag < 3 ? e->tag : 2], e->tag == 2 ? e->message : none);
  }
  if (config || e->tag == 2) CabiFree(e->message.ptr);
}

static void BadRequest(const char* why, Str detail) { Fail(why, detail); }

static void RunList(uint32_t bucket, Str cursor_text, int all) {
  uint8_t has_cursor = 0;
  uint64_t cursor = 0;
  if (!all && cursor_text.len) {
    if (ParseU64(cursor_text, &cursor)) return BadRequest("bad request: cursor ", cursor_text);
    has_cursor = 1;
  }
  for (int page = 0; page < 100000; page++) {
    static KeysRet r;
    BucketListKeys(bucket, has_cursor, cursor, &r);
    if (r.is_err) return FailWith(&r.v.err, 0);
    Str* keys = (Str*)r.v.ok.keys.ptr;
    for (uint32_t i = 0; i < r.v.ok.keys.len; i++) {
      AppendStr(&out, keys[i]);
      AppendText(&out, "\n");
      CabiFree(keys[i].ptr);
    }
    CabiFree(keys);
    has_cursor = r.v.ok.has_cursor;
    cursor = r.v.ok.cursor;
    if (!all) {
      AppendText(&out, "cursor:");
      if (has_cursor) {
        AppendU64(&out, cursor);
      } else {
        AppendText(&out, "none");
      }
      return;
    }
    if (!has_cursor) return;
  }
}

static void RunGetMany(uint32_t bucket, Str key) {
  uint32_t n;
  Str* keys = Split(key, &n);
  static ListRet r;
  GetMany(bucket, keys, n, &r);
  if (r.is_err) {
    CabiFree(keys);
    return FailWith(&r.v.err, 0);
  }
  ManyEntry* entries = (ManyEntry*)r.v.list.ptr;
  for (uint32_t i = 0; i < r.v.list.len; i++) {
    AppendStr(&out, i < n ? keys[i] : (Str){0, 0});
    if (entries[i].is_some) {
      AppendText(&out, "=");
      AppendStr(&out, entries[i].pair.value);
      CabiFree(entries[i].pair.key.ptr);
      CabiFree(entries[i].pair.value.ptr);
    } else {
      AppendText(&out, "!");
    }
    AppendText(&out, "\n");
  }
  CabiFree(entries);
  CabiFree(keys);
}

static void RunSetMany(uint32_t bucket, Str key, Str value) {
  uint32_t nk, nv;
  Str* keys = Split(key, &nk);
  Str* values = Split(value, &nv);
  if (nk != nv) {
    CabiFree(keys);
    CabiFree(values);
    return BadRequest("bad request: keys and values differ in number", (Str){0, 0});
  }
  Pair* pairs = CabiAlloc(nk * sizeof(Pair));
  for (uint32_t i = 0; i < nk; i++) pairs[i] = (Pair){keys[i], values[i]};
  static UnitRet r;
  SetMany(bucket, pairs, nk, &r);
  CabiFree(pairs);
  CabiFree(keys);
  CabiFree(values);
  if (r.is_err) FailWith(&r.v.err, 0);
}

static void RunOnBucket(uint32_t bucket, Str op, Str key, Str value) {
  static OptionBytesRet get;
  static UnitRet unit;
  static U64Ret n;
  if (Equals(op, "open")) {
  } else if (Equals(op, "get")) {
    BucketGet(bucket, key.ptr, key.len, &get);
    if (get.is_err) return FailWith(&get.v.err, 0);
    if (get.v.ok.is_some) {
      AppendText(&out, "some:");
      AppendStr(&out, get.v.ok.value);
      CabiFree(get.v.ok.value.ptr);
    } else {
      AppendText(&out, "none");
    }
  } else if (Equals(op, "set")) {
    BucketSet(bucket, key.ptr, key.len, value.ptr, value.len, &unit);
    if (unit.is_err) FailWith(&unit.v.err, 0);
  } else if (Equals(op, "delete")) {
    BucketDelete(bucket, key.ptr, key.len, &unit);
    if (unit.is_err) FailWith(&unit.v.err, 0);
  } else if (Equals(op, "exists")) {
    BucketExists(bucket, key.ptr, key.len, &unit);
    if (unit.is_err) return FailWith(&unit.v.err, 0);
    AppendText(&out, unit.v.flag ? "true" : "false");
  } else if (Equals(op, "list-keys") || Equals(op, "list-all")) {
    RunList(bucket, key, Equals(op, "list-all"));
  } else if (Equals(op, "increment")) {
    uint64_t delta;
    if (ParseU64(value, &delta)) return BadRequest("bad request: delta ", value);
    Increment(bucket, key.ptr, key.len, delta, &n);
    if (n.is_err) return FailWith(&n.v.err, 0);
    AppendU64(&out, n.v.value);
  } else if (Equals(op, "get-many")) {
    RunGetMany(bucket, key);
  } else if (Equals(op, "set-many")) {
    RunSetMany(bucket, key, value);
  } else if (Equals(op, "delete-many")) {
    uint32_t count;
    Str* keys = Split(key, &count);
    DeleteMany(bucket, keys, count, &unit);
    CabiFree(keys);
    if (unit.is_err) FailWith(&unit.v.err, 0);
  } else {
    BadRequest("bad request: unknown op ", op);
  }
}

static void RunConfig(Str op, Str key) {
  if (Equals(op, "config-get")) {
    static OptionBytesRet r;
    ConfigGet(key.ptr, key.len, &r);
    if (r.is_err) return FailWith(&r.v.err, 1);
    if (r.v.ok.is_some) {
      AppendText(&out, "some:");
      AppendStr(&out, r.v.ok.value);
      CabiFree(r.v.ok.value.ptr);
    } else {
      AppendText(&out, "none");
    }
    return;
  }
  static ListRet r;
  ConfigGetAll(&r);
  if (r.is_err) return FailWith(&r.v.err, 1);
  Pair* pairs = (Pair*)r.v.list.ptr;
  for (uint32_t i = 0; i < r.v.list.len; i++) {
    AppendStr(&out, pairs[i].key);
    AppendText(&out, "=");
    AppendStr(&out, pairs[i].value);
    AppendText(&out, "\n");
    CabiFree(pairs[i].key.ptr);
    CabiFree(pairs[i].value.ptr);
  }
  CabiFree(pairs);
}

static void RunLog(Str level, Str context, Str message) {
  static const char* const kLevels[] = {"trace", "debug", "info", "warn", "error", "critical"};
  for (uint32_t i = 0; i < 6; i++) {
    if (Equals(level, kLevels[i])) {
      Log(i, context.ptr, context.len, message.ptr, message.len);
      return;
    }
  }
  BadRequest("bad request: level ", level);
}

EXPORT("test:kv/run#run")
void* Run(uint8_t* op_ptr, uint32_t op_len, uint8_t* bucket_ptr, uint32_t bucket_len,
          uint8_t* key_ptr, uint32_t key_len, uint8_t* value_ptr, uint32_t value_len) {
  Str op = {op_ptr, op_len}, bucket = {bucket_ptr, bucket_len}, key = {key_ptr, key_len},
      value = {value_ptr, value_len};
  out = (Buf){0, 0, 0};
  failed = 0;
  if (Equals(op, "config-get") || Equals(op, "config-get-all")) {
    RunConfig(op, key);
  } else if (Equals(op, "log")) {
    RunLog(bucket, key, value);
  } else {
    static OpenRet opened;
    StoreOpen(bucket.ptr, bucket.len, &opened);
    if (opened.is_err) {
      FailWith(&opened.v.err, 0);
    } else {
      RunOnBucket(opened.v.bucket, op, key, value);
      BucketDrop(opened.v.bucket);
    }
  }
  CabiFree(op_ptr);
  CabiFree(bucket_ptr);
  CabiFree(key_ptr);
  CabiFree(value_ptr);
  ret_area.is_err = (uint8_t)failed;
  ret_area.value = (Str){out.ptr, out.len};
  return &ret_area;
}

EXPORT("cabi_post_test:kv/run#run")
void RunPost(void* ret) {
  (void)ret;
  CabiFree(ret_area.value.ptr);
}
