// abi_reactor: the world test:abi/abi-reactor (wit/abi.wit) with the canonical ABI written out by
// hand, no libc and no bindings generator, so every lifted and lowered value is spelled out here.
// Core names follow wit-component's conventions ("test:abi/api#echo-u8",
// "cabi_post_test:abi/api#echo-string", "[export]test:abi/api" "[resource-new]counter").
//
// Layout of values in memory is the canonical ABI's; the C structs below mirror it and the
// static asserts pin every offset the host relies on. A guest is single threaded and the
// component model forbids reentering an instance, so one static return area serves all exports.
#include "cabi.h"

#define HOST(name) IMPORT("test:abi/host", name)
#define API(name) EXPORT("test:abi/api#" name)
#define POST(name) EXPORT("cabi_post_test:abi/api#" name)

// ---- canonical layouts

typedef struct StrList {
  Str* ptr;
  uint32_t len;
} StrList;  // list<string>

typedef struct StrListList {
  StrList* ptr;
  uint32_t len;
} StrListList;  // list<list<string>>

typedef struct Padded {
  uint8_t a;
  uint64_t b;
  uint16_t c;
  float d;
  uint8_t e;
} Padded;
_Static_assert(offsetof(Padded, b) == 8 && offsetof(Padded, c) == 16, "padded");
_Static_assert(offsetof(Padded, d) == 20 && offsetof(Padded, e) == 24, "padded");
_Static_assert(sizeof(Padded) == 32 && _Alignof(Padded) == 8, "padded");

typedef struct Tuple {
  uint8_t a;
  Str b;
  double c;
} Tuple;  // tuple<u8, string, f64>
_Static_assert(offsetof(Tuple, b) == 4 && offsetof(Tuple, c) == 16 && sizeof(Tuple) == 24, "tuple");

typedef struct Mixed {
  uint8_t tag;  // 0 small, 1 real, 2 text, 3 nothing
  union {
    uint8_t small;
    double real;
    Str text;
  } payload;
} Mixed;
_Static_assert(offsetof(Mixed, payload) == 8 && sizeof(Mixed) == 16, "mixed");

typedef struct OptionStr {
  uint8_t tag;
  Str value;
} OptionStr;  // option<string>; also result<string, error-code> (tag 0 ok string, 1 err u8 @4)
_Static_assert(offsetof(OptionStr, value) == 4 && sizeof(OptionStr) == 12, "option<string>");

typedef struct Many {
  uint8_t a;
  int8_t b;
  uint16_t c;
  int16_t d;
  uint32_t e;
  int32_t f;
  uint64_t g;
  int64_t h;
  float i;
  double j;
  uint32_t k;
  uint8_t l;
  Str m;
  Str n;
  int32_t ox, oy;
  uint8_t p;
  uint8_t q;
} Many;
_Static_assert(offsetof(Many, e) == 8 && offsetof(Many, g) == 16 && offsetof(Many, i) == 32,
               "many");
_Static_assert(offsetof(Many, j) == 40 && offsetof(Many, k) == 48 && offsetof(Many, l) == 52,
               "many");
_Static_assert(offsetof(Many, m) == 56 && offsetof(Many, n) == 64 && offsetof(Many, ox) == 72,
               "many");
_Static_assert(offsetof(Many, p) == 80 && offsetof(Many, q) == 81 && sizeof(Many) == 88, "many");

typedef struct Summary {
  Str name;
  uint32_t count;
  uint64_t total;
  uint32_t min, max;
  double mean;
  uint8_t even;
} Summary;
_Static_assert(offsetof(Summary, total) == 16 && offsetof(Summary, min) == 24, "summary");
_Static_assert(offsetof(Summary, mean) == 32 && offsetof(Summary, even) == 40, "summary");
_Static_assert(sizeof(Summary) == 48, "summary");

// The return area of every export whose results do not fit one flat value.
static union {
  uint64_t align;
  uint8_t bytes[88];
  Str str;
  StrList strs;
  StrListList nested;
  Padded padded;
  Tuple tuple;
  Mixed mixed;
  OptionStr option_str;
  Many many;
  Summary summary;
  struct {
    uint8_t tag;
    uint32_t value;
  } option_u32;  // option<u32>, result<s32, error-code>
  struct {
    uint8_t tag;
    uint8_t value;
  } option_u8;  // option<color>: payload at offset 1
} ret;

static uint32_t post_returns;

static void FreeStrList(StrList l) {
  for (uint32_t i = 0; i < l.len; i++) CabiFree(l.ptr[i].ptr);
  CabiFree(l.ptr);
}

static void FreeNested(StrListList l) {
  for (uint32_t i = 0; i < l.len; i++) FreeStrList(l.ptr[i]);
  CabiFree(l.ptr);
}

// ---- host imports

HOST("dropped") void HostDropped(uint32_t id);
HOST("[constructor]host-thing") uint32_t HostThingNew(uint8_t* ptr, uint32_t len);
HOST("[method]host-thing.label") void HostThingLabel(uint32_t self, Str* ret);
HOST("[resource-drop]host-thing") void HostThingDrop(uint32_t handle);

HOST("host-echo-bool") uint32_t HostEchoBool(uint32_t);
HOST("host-echo-s8") int32_t HostEchoS8(int32_t);
HOST("host-echo-u8") uint32_t HostEchoU8(uint32_t);
HOST("host-echo-s16") int32_t HostEchoS16(int32_t);
HOST("host-echo-u16") uint32_t HostEchoU16(uint32_t);
HOST("host-echo-s32") int32_t HostEchoS32(int32_t);
HOST("host-echo-u32") uint32_t HostEchoU32(uint32_t);
HOST("host-echo-s64") int64_t HostEchoS64(int64_t);
HOST("host-echo-u64") uint64_t HostEchoU64(uint64_t);
HOST("host-echo-f32") float HostEchoF32(float);
HOST("host-echo-f64") double HostEchoF64(double);
HOST("host-echo-char") uint32_t HostEchoChar(uint32_t);
HOST("host-echo-string") void HostEchoString(uint8_t*, uint32_t, Str*);
HOST("host-echo-bytes") void HostEchoBytes(uint8_t*, uint32_t, Str*);
HOST("host-echo-nested") void HostEchoNested(StrList*, uint32_t, StrListList*);
HOST("host-echo-points") void HostEchoPoints(uint8_t*, uint32_t, Str*);
HOST("host-echo-padded")
void HostEchoPadded(uint32_t, uint64_t, uint32_t, float, uint32_t, Padded*);
HOST("host-echo-tuple") void HostEchoTuple(uint32_t, uint8_t*, uint32_t, double, Tuple*);
HOST("host-echo-mixed") void HostEchoMixed(uint32_t, uint64_t, uint32_t, Mixed*);
HOST("host-echo-color") uint32_t HostEchoColor(uint32_t);
HOST("host-echo-small-flags") uint32_t HostEchoSmallFlags(uint32_t);
HOST("host-echo-wide-flags") uint32_t HostEchoWideFlags(uint32_t);
HOST("host-echo-huge-flags") uint32_t HostEchoHugeFlags(uint32_t);
HOST("host-echo-option-u32") void HostEchoOptionU32(uint32_t, uint32_t, void*);
HOST("host-echo-option-string") void HostEchoOptionString(uint32_t, uint8_t*, uint32_t, void*);
HOST("host-echo-result") void HostEchoResult(uint32_t, uint32_t, uint32_t, void*);
HOST("host-echo-thing") uint32_t HostEchoThing(uint32_t);
HOST("host-echo-many") void HostEchoMany(Many* params, Many* ret);

// ---- scalars: one flat value each way, nothing to free

#define ECHO_SCALAR(name, type, host) \
  API(name) type Export_##host(type x) { return host(x); }
ECHO_SCALAR("echo-bool", uint32_t, HostEchoBool)
ECHO_SCALAR("echo-s8", int32_t, HostEchoS8)
ECHO_SCALAR("echo-u8", uint32_t, HostEchoU8)
ECHO_SCALAR("echo-s16", int32_t, HostEchoS16)
ECHO_SCALAR("echo-u16", uint32_t, HostEchoU16)
ECHO_SCALAR("echo-s32", int32_t, HostEchoS32)
ECHO_SCALAR("echo-u32", uint32_t, HostEchoU32)
ECHO_SCALAR("echo-s64", int64_t, HostEchoS64)
ECHO_SCALAR("echo-u64", uint64_t, HostEchoU64)
ECHO_SCALAR("echo-f32", float, HostEchoF32)
ECHO_SCALAR("echo-f64", double, HostEchoF64)
ECHO_SCALAR("echo-char", uint32_t, HostEchoChar)
ECHO_SCALAR("echo-color", uint32_t, HostEchoColor)
ECHO_SCALAR("echo-small-flags", uint32_t, HostEchoSmallFlags)
ECHO_SCALAR("echo-wide-flags", uint32_t, HostEchoWideFlags)
ECHO_SCALAR("echo-huge-flags", uint32_t, HostEchoHugeFlags)

// ---- strings and lists: the argument is ours to free once the host has copied it; the result
// lives in memory the host allocated through cabi_realloc until the post-return.

API("echo-string") Str* EchoString(uint8_t* ptr, uint32_t len) {
  HostEchoString(ptr, len, &ret.str);
  CabiFree(ptr);
  return &ret.str;
}
POST("echo-string") void PostEchoString(Str* r) {
  CabiFree(r->ptr);
  post_returns++;
}

API("echo-bytes") Str* EchoBytes(uint8_t* ptr, uint32_t len) {
  HostEchoBytes(ptr, len, &ret.str);
  CabiFree(ptr);
  return &ret.str;
}
POST("echo-bytes") void PostEchoBytes(Str* r) {
  CabiFree(r->ptr);
  post_returns++;
}

API("echo-points") Str* EchoPoints(uint8_t* ptr, uint32_t len) {
  HostEchoPoints(ptr, len, &ret.str);
  CabiFree(ptr);
  return &ret.str;
}
POST("echo-points") void PostEchoPoints(Str* r) {
  CabiFree(r->ptr);
  post_returns++;
}

API("echo-nested") StrListList* EchoNested(StrList* ptr, uint32_t len) {
  HostEchoNested(ptr, len, &ret.nested);
  FreeNested((StrListList){ptr, len});
  return &ret.nested;
}
POST("echo-nested") void PostEchoNested(StrListList* r) {
  FreeNested(*r);
  post_returns++;
}

// ---- records, tuples, variants: flattened params, results through the return area

API("echo-padded")
Padded* EchoPadded(uint32_t a, uint64_t b, uint32_t c, float d, uint32_t e) {
  HostEchoPadded(a, b, c, d, e, &ret.padded);
  return &ret.padded;
}

API("echo-tuple") Tuple* EchoTuple(uint32_t a, uint8_t* ptr, uint32_t len, double c) {
  HostEchoTuple(a, ptr, len, c, &ret.tuple);
  CabiFree(ptr);
  return &ret.tuple;
}
POST("echo-tuple") void PostEchoTuple(Tuple* r) {
  CabiFree(r->b.ptr);
  post_returns++;
}

// (tag, payload joined to i64, len): the text case carries its pointer in the i64 slot.
API("echo-mixed") Mixed* EchoMixed(uint32_t tag, uint64_t payload, uint32_t len) {
  HostEchoMixed(tag, payload, len, &ret.mixed);
  if (tag == 2) CabiFree((void*)(uintptr_t)(uint32_t)payload);
  return &ret.mixed;
}
POST("echo-mixed") void PostEchoMixed(Mixed* r) {
  if (r->tag == 2) CabiFree(r->payload.text.ptr);
  post_returns++;
}

API("echo-option-u32") void* EchoOptionU32(uint32_t tag, uint32_t value) {
  HostEchoOptionU32(tag, value, &ret);
  return &ret;
}

API("echo-option-string") OptionStr* EchoOptionString(uint32_t tag, uint8_t* ptr, uint32_t len) {
  HostEchoOptionString(tag, ptr, len, &ret.option_str);
  if (tag == 1) CabiFree(ptr);
  return &ret.option_str;
}
POST("echo-option-string") void PostEchoOptionString(OptionStr* r) {
  if (r->tag == 1) CabiFree(r->value.ptr);
  post_returns++;
}

// result<string, error-code>: (tag, ptr or error code, len).
API("echo-result") OptionStr* EchoResult(uint32_t tag, uint32_t payload, uint32_t len) {
  HostEchoResult(tag, payload, len, &ret.option_str);
  if (tag == 0) CabiFree((void*)(uintptr_t)payload);
  return &ret.option_str;
}
POST("echo-result") void PostEchoResult(OptionStr* r) {
  if (r->tag == 0) CabiFree(r->value.ptr);
  post_returns++;
}

// More than 16 flat params: the host stored them at `params` (allocated through cabi_realloc),
// and the same layout goes to the host import by pointer.
API("echo-many") Many* EchoMany(Many* params) {
  HostEchoMany(params, &ret.many);
  CabiFree(params->m.ptr);
  CabiFree(params->n.ptr);
  CabiFree(params);
  return &ret.many;
}
POST("echo-many") void PostEchoMany(Many* r) {
  CabiFree(r->m.ptr);
  CabiFree(r->n.ptr);
  post_returns++;
}

// ---- the exported resource `counter`: its rep is a pointer to a Counter

typedef struct Counter {
  uint32_t id;
  int64_t value;
} Counter;

static uint32_t next_counter_id;
static uint32_t live_counters;

IMPORT("[export]test:abi/api", "[resource-new]counter") uint32_t CounterNew(Counter* rep);
IMPORT("[export]test:abi/api", "[resource-rep]counter") Counter* CounterRep(uint32_t handle);
IMPORT("[export]test:abi/api", "[resource-drop]counter") void CounterDrop(uint32_t handle);

static uint32_t MakeCounter(int64_t start) {
  Counter* c = CabiAlloc(sizeof(Counter));
  c->id = ++next_counter_id;
  c->value = start;
  live_counters++;
  return CounterNew(c);
}

API("[constructor]counter") uint32_t CounterConstructor(int64_t start) {
  return MakeCounter(start);
}

// Methods and borrow<counter> params of our own resource arrive as the rep itself.
API("[method]counter.id") uint32_t CounterId(Counter* self) { return self->id; }

API("[method]counter.increment") int64_t CounterIncrement(Counter* self, int64_t by) {
  self->value = (int64_t)((uint64_t)self->value + (uint64_t)by);
  return self->value;
}

API("[static]counter.merge") uint32_t CounterMerge(Counter* a, Counter* b) {
  return MakeCounter((int64_t)((uint64_t)a->value + (uint64_t)b->value));
}

API("[dtor]counter") void CounterDtor(Counter* self) {
  HostDropped(self->id);
  live_counters--;
  CabiFree(self);
}

// An own<counter> param arrives as a handle in our table; dropping it runs the destructor.
API("take-counter") int64_t TakeCounter(uint32_t handle) {
  int64_t value = CounterRep(handle)->value;
  CounterDrop(handle);
  return value;
}

API("live-counters") uint32_t LiveCounters(void) { return live_counters; }

// ---- the imported resource `host-thing`

API("make-thing") uint32_t MakeThing(uint8_t* ptr, uint32_t len) {
  uint32_t handle = HostThingNew(ptr, len);
  CabiFree(ptr);
  return handle;
}

// A borrowed handle must be dropped before the call returns.
API("thing-label") Str* ThingLabel(uint32_t borrowed) {
  HostThingLabel(borrowed, &ret.str);
  HostThingDrop(borrowed);
  return &ret.str;
}
POST("thing-label") void PostThingLabel(Str* r) {
  CabiFree(r->ptr);
  post_returns++;
}

API("consume-thing") Str* ConsumeThing(uint32_t owned) {
  HostThingLabel(owned, &ret.str);
  HostThingDrop(owned);
  return &ret.str;
}
POST("consume-thing") void PostConsumeThing(Str* r) {
  CabiFree(r->ptr);
  post_returns++;
}

API("echo-thing") uint32_t EchoThing(uint32_t owned) { return HostEchoThing(owned); }

// ---- pure functions

// Reverses the host's list in place and hands the same memory back.
API("reverse-strings") StrList* ReverseStrings(Str* ptr, uint32_t len) {
  for (uint32_t i = 0; i < len / 2; i++) {
    Str t = ptr[i];
    ptr[i] = ptr[len - 1 - i];
    ptr[len - 1 - i] = t;
  }
  ret.strs = (StrList){ptr, len};
  return &ret.strs;
}
POST("reverse-strings") void PostReverseStrings(StrList* r) {
  FreeStrList(*r);
  post_returns++;
}

API("sum-list") uint64_t SumList(uint32_t* ptr, uint32_t len) {
  uint64_t sum = 0;
  for (uint32_t i = 0; i < len; i++) sum += ptr[i];
  CabiFree(ptr);
  return sum;
}

// The host guarantees valid UTF-8: scalar values are the bytes that are not continuations.
API("count-chars") uint32_t CountChars(uint8_t* ptr, uint32_t len) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < len; i++) n += (ptr[i] & 0xc0) != 0x80;
  CabiFree(ptr);
  return n;
}

static uint8_t* Append(uint8_t* out, const uint8_t* src, uint32_t len) {
  memcpy(out, src, len);
  return out + len;
}

API("join-nested")
Str* JoinNested(StrList* groups, uint32_t count, uint8_t* sep, uint32_t sep_len) {
  uint32_t size = 0;
  for (uint32_t g = 0; g < count; g++) {
    if (g > 0) size += 1;
    for (uint32_t i = 0; i < groups[g].len; i++) {
      if (i > 0) size += sep_len;
      size += groups[g].ptr[i].len;
    }
  }
  uint8_t* buf = CabiAlloc(size);
  uint8_t* out = buf;
  for (uint32_t g = 0; g < count; g++) {
    if (g > 0) *out++ = '|';
    for (uint32_t i = 0; i < groups[g].len; i++) {
      if (i > 0) out = Append(out, sep, sep_len);
      out = Append(out, groups[g].ptr[i].ptr, groups[g].ptr[i].len);
    }
  }
  FreeNested((StrListList){groups, count});
  CabiFree(sep);
  ret.str = (Str){buf, size};
  return &ret.str;
}
POST("join-nested") void PostJoinNested(Str* r) {
  CabiFree(r->ptr);
  post_returns++;
}

// The name moves into the result unchanged; the values are ours to free.
API("summarize")
Summary* Summarize(uint8_t* name, uint32_t name_len, uint32_t* values, uint32_t count) {
  Summary* s = &ret.summary;
  *s = (Summary){.name = {name, name_len}, .count = count};
  for (uint32_t i = 0; i < count; i++) {
    s->total += values[i];
    if (i == 0 || values[i] < s->min) s->min = values[i];
    if (i == 0 || values[i] > s->max) s->max = values[i];
  }
  s->mean = count ? (double)s->total / count : 0.0;
  s->even = (s->total & 1) == 0;
  CabiFree(values);
  return s;
}
POST("summarize") void PostSummarize(Summary* r) {
  CabiFree(r->name.ptr);
  post_returns++;
}

enum { kErrorInvalid = 2 };

API("checked-div") void* CheckedDiv(int32_t a, int32_t b) {
  if (b == 0 || (a == INT32_MIN && b == -1)) {
    ret.option_u32.tag = 1;
    ret.option_u32.value = kErrorInvalid;
  } else {
    ret.option_u32.tag = 0;
    ret.option_u32.value = (uint32_t)(a / b);
  }
  return &ret;
}

static int Equals(const uint8_t* p, uint32_t len, const char* s) {
  uint32_t i = 0;
  for (; i < len && s[i]; i++) {
    if (p[i] != (uint8_t)s[i]) return 0;
  }
  return i == len && s[i] == 0;
}

API("find-color") void* FindColor(uint8_t* ptr, uint32_t len) {
  static const char* const kNames[] = {"red", "green", "blue"};
  ret.option_u8.tag = 0;
  for (uint8_t i = 0; i < 3; i++) {
    if (Equals(ptr, len, kNames[i])) {
      ret.option_u8.tag = 1;
      ret.option_u8.value = i;
    }
  }
  CabiFree(ptr);
  return &ret;
}

API("sum-many") uint64_t SumMany(uint32_t* params) {
  uint64_t sum = 0;
  for (int i = 0; i < 18; i++) sum += params[i];
  CabiFree(params);
  return sum;
}

API("post-return-count") uint32_t PostReturnCount(void) { return post_returns; }
