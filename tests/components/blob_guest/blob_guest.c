// blob_guest: the world test:blob/blob-guest (wit/blob_guest.wit, which holds the contract) with
// the canonical ABI written by hand. Every string and list the host hands over (arguments of
// `run`, results of imports) is freed here, so a host may call `run` in a loop on one instance.
#include "cabi.h"
#include "text.h"

#define BLOBSTORE(name) IMPORT("wasi:blobstore/blobstore@0.2.0-draft", name)
#define CONTAINER(name) IMPORT("wasi:blobstore/container@0.2.0-draft", name)
#define TYPES(name) IMPORT("wasi:blobstore/types@0.2.0-draft", name)
#define STREAMS(name) IMPORT("wasi:io/streams@0.2.0", name)
#define IO_ERROR(name) IMPORT("wasi:io/error@0.2.0", name)

// ---- canonical layouts

typedef struct HandleRet {  // result<own<T>, error>
  uint8_t is_err;
  union {
    uint32_t handle;
    Str err;
  } v;
} HandleRet;
_Static_assert(offsetof(HandleRet, v) == 4 && sizeof(HandleRet) == 12, "handle");

typedef struct UnitRet {  // result<_, error>; result<bool, error> keeps the bool at v.flag
  uint8_t is_err;
  union {
    uint8_t flag;
    Str err;
  } v;
} UnitRet;
_Static_assert(offsetof(UnitRet, v) == 4 && sizeof(UnitRet) == 12, "unit");

typedef struct StrRet {  // result<string, error>, result<list<u8>, error>
  uint8_t is_err;
  Str v;  // the ok value or the error
} StrRet;
_Static_assert(offsetof(StrRet, v) == 4 && sizeof(StrRet) == 12, "str");

typedef struct ContainerInfoRet {  // result<container-metadata, error>
  uint8_t is_err;
  union {
    struct {
      Str name;
      uint64_t created_at;
    } ok;
    Str err;
  } v;
} ContainerInfoRet;
_Static_assert(offsetof(ContainerInfoRet, v) == 8 && sizeof(ContainerInfoRet) == 24, "cinfo");

typedef struct ObjectInfoRet {  // result<object-metadata, error>
  uint8_t is_err;
  union {
    struct {
      Str name;
      Str container;
      uint64_t created_at;
      uint64_t size;
    } ok;
    Str err;
  } v;
} ObjectInfoRet;
_Static_assert(offsetof(ObjectInfoRet, v) == 8 && sizeof(ObjectInfoRet) == 40, "oinfo");

typedef struct NamesRet {  // result<tuple<list<string>, bool>, error>
  uint8_t is_err;
  union {
    struct {
      Str names;  // ptr to Str[len]
      uint8_t end;
    } ok;
    Str err;
  } v;
} NamesRet;
_Static_assert(offsetof(NamesRet, v) == 4 && offsetof(NamesRet, v.ok.end) == 12, "names");
_Static_assert(sizeof(NamesRet) == 16, "names");

typedef struct SkipRet {  // result<tuple<u64, bool>, error>
  uint8_t is_err;
  union {
    struct {
      uint64_t skipped;
      uint8_t end;
    } ok;
    Str err;
  } v;
} SkipRet;
_Static_assert(offsetof(SkipRet, v) == 8 && sizeof(SkipRet) == 24, "skip");

typedef struct StreamError {  // last-operation-failed(own<error>), closed
  uint8_t tag;
  uint32_t error;
} StreamError;
_Static_assert(offsetof(StreamError, error) == 4 && sizeof(StreamError) == 8, "stream-error");

typedef struct CheckWriteRet {  // result<u64, stream-error>
  uint8_t is_err;
  union {
    uint64_t n;
    StreamError err;
  } v;
} CheckWriteRet;
_Static_assert(offsetof(CheckWriteRet, v) == 8 && sizeof(CheckWriteRet) == 16, "check-write");

typedef struct StreamUnitRet {  // result<_, stream-error>
  uint8_t is_err;
  StreamError err;
} StreamUnitRet;
_Static_assert(offsetof(StreamUnitRet, err) == 4 && sizeof(StreamUnitRet) == 12, "write");

typedef struct ReadRet {  // result<list<u8>, stream-error>
  uint8_t is_err;
  union {
    Str bytes;
    StreamError err;
  } v;
} ReadRet;
_Static_assert(offsetof(ReadRet, v) == 4 && sizeof(ReadRet) == 12, "read");

typedef struct WriteBodyRet {  // result<own<output-stream>>
  uint8_t is_err;
  uint32_t stream;
} WriteBodyRet;
_Static_assert(offsetof(WriteBodyRet, stream) == 4 && sizeof(WriteBodyRet) == 8, "write-body");

BLOBSTORE("create-container")
void CreateContainer(const uint8_t* name, uint32_t name_len, HandleRet* ret);
BLOBSTORE("get-container")
void GetContainer(const uint8_t* name, uint32_t name_len, HandleRet* ret);
BLOBSTORE("delete-container")
void DeleteContainer(const uint8_t* name, uint32_t name_len, UnitRet* ret);
BLOBSTORE("container-exists")
void ContainerExists(const uint8_t* name, uint32_t name_len, UnitRet* ret);
BLOBSTORE("copy-object")
void CopyObject(const uint8_t* src_c, uint32_t src_c_len, const uint8_t* src_o, uint32_t src_o_len,
                const uint8_t* dst_c, uint32_t dst_c_len, const uint8_t* dst_o, uint32_t dst_o_len,
                UnitRet* ret);
BLOBSTORE("move-object")
void MoveObject(const uint8_t* src_c, uint32_t src_c_len, const uint8_t* src_o, uint32_t src_o_len,
                const uint8_t* dst_c, uint32_t dst_c_len, const uint8_t* dst_o, uint32_t dst_o_len,
                UnitRet* ret);

CONTAINER("[method]container.info") void ContainerInfo(uint32_t self, ContainerInfoRet* ret);
CONTAINER("[method]container.get-data")
void GetData(uint32_t self, const uint8_t* name, uint32_t name_len, uint64_t start, uint64_t end,
             HandleRet* ret);
CONTAINER("[method]container.write-data")
void WriteData(uint32_t self, const uint8_t* name, uint32_t name_len, uint32_t value, UnitRet* ret);
CONTAINER("[method]container.list-objects") void ListObjects(uint32_t self, HandleRet* ret);
CONTAINER("[method]container.delete-object")
void DeleteObject(uint32_t self, const uint8_t* name, uint32_t name_len, UnitRet* ret);
CONTAINER("[method]container.delete-objects")
void DeleteObjects(uint32_t self, const Str* names, uint32_t len, UnitRet* ret);
CONTAINER("[method]container.has-object")
void HasObject(uint32_t self, const uint8_t* name, uint32_t name_len, UnitRet* ret);
CONTAINER("[method]container.object-info")
void ObjectInfo(uint32_t self, const uint8_t* name, uint32_t name_len, ObjectInfoRet* ret);
CONTAINER("[method]container.clear") void Clear(uint32_t self, UnitRet* ret);
CONTAINER("[method]stream-object-names.read-stream-object-names")
void ReadNames(uint32_t self, uint64_t len, NamesRet* ret);
CONTAINER("[method]stream-object-names.skip-stream-object-names")
void SkipNames(uint32_t self, uint64_t num, SkipRet* ret);
CONTAINER("[resource-drop]container") void ContainerDrop(uint32_t self);
CONTAINER("[resource-drop]stream-object-names") void NamesDrop(uint32_t self);

TYPES("[static]outgoing-value.new-outgoing-value") uint32_t NewOutgoingValue(void);
TYPES("[method]outgoing-value.outgoing-value-write-body")
void WriteBody(uint32_t self, WriteBodyRet* ret);
TYPES("[static]outgoing-value.finish") void Finish(uint32_t value, UnitRet* ret);
TYPES("[resource-drop]outgoing-value") void OutgoingDrop(uint32_t self);
TYPES("[static]incoming-value.incoming-value-consume-sync")
void ConsumeSync(uint32_t value, StrRet* ret);
TYPES("[static]incoming-value.incoming-value-consume-async")
void ConsumeAsync(uint32_t value, HandleRet* ret);
TYPES("[method]incoming-value.size") uint64_t IncomingSize(uint32_t self);
TYPES("[resource-drop]incoming-value") void IncomingDrop(uint32_t self);

STREAMS("[method]output-stream.check-write") void CheckWrite(uint32_t self, CheckWriteRet* ret);
STREAMS("[method]output-stream.write")
void StreamWrite(uint32_t self, const uint8_t* bytes, uint32_t len, StreamUnitRet* ret);
STREAMS("[method]output-stream.blocking-flush")
void BlockingFlush(uint32_t self, StreamUnitRet* ret);
STREAMS("[resource-drop]output-stream") void OutputDrop(uint32_t self);
STREAMS("[method]input-stream.blocking-read")
void BlockingRead(uint32_t self, uint64_t len, ReadRet* ret);
STREAMS("[resource-drop]input-stream") void InputDrop(uint32_t self);
IO_ERROR("[method]error.to-debug-string") void ErrorDebugString(uint32_t self, Str* ret);
IO_ERROR("[resource-drop]error") void ErrorDrop(uint32_t self);

// The part of `s` before the first `sep` (all of it when there is none); *rest is what follows.
static Str Cut(Str s, uint8_t sep, Str* rest) {
  for (uint32_t i = 0; i < s.len; i++) {
    if (s.ptr[i] == sep) {
      *rest = (Str){s.ptr + i + 1, s.len - i - 1};
      return (Str){s.ptr, i};
    }
  }
  *rest = (Str){s.ptr + s.len, 0};
  return s;
}

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

// Records the host's error string and frees it.
static void FailWith(Str error) {
  Fail("", error);
  CabiFree(error.ptr);
}

// Records a stream error (and drops its wasi:io/error).
static void FailStream(const StreamError* e) {
  if (e->tag == 1) {
    Fail("stream closed", (Str){0, 0});
    return;
  }
  static Str text;
  ErrorDebugString(e->error, &text);
  Fail("stream: ", text);
  CabiFree(text.ptr);
  ErrorDrop(e->error);
}

static void BadRequest(const char* why, Str detail) { Fail(why, detail); }

// Fills a new outgoing-value with `data` through its output-stream; 0 and *value on success.
static int FillValue(Str data, uint32_t* value) {
  *value = NewOutgoingValue();
  static WriteBodyRet body;
  WriteBody(*value, &body);
  if (body.is_err) {
    Fail("outgoing-value-write-body failed", (Str){0, 0});
    return 1;
  }
  uint32_t at = 0;
  int ok = 1;
  while (ok && at < data.len) {
    static CheckWriteRet room;
    CheckWrite(body.stream, &room);
    if (room.is_err) {
      FailStream(&room.v.err);
      ok = 0;
      break;
    }
    if (room.v.n == 0) {  // wait for room
      static StreamUnitRet flushed;
      BlockingFlush(body.stream, &flushed);
      if (flushed.is_err) {
        FailStream(&flushed.err);
        ok = 0;
      }
      continue;
    }
    uint32_t n = data.len - at;
    if (room.v.n < n) n = (uint32_t)room.v.n;
    static StreamUnitRet wrote;
    StreamWrite(body.stream, data.ptr + at, n, &wrote);
    if (wrote.is_err) {
      FailStream(&wrote.err);
      ok = 0;
      break;
    }
    at += n;
  }
  if (ok) {
    static StreamUnitRet flushed;
    BlockingFlush(body.stream, &flushed);
    if (flushed.is_err) {
      FailStream(&flushed.err);
      ok = 0;
    }
  }
  OutputDrop(body.stream);  // the child goes before its parent
  return ok ? 0 : 1;
}

static void RunWrite(uint32_t container, Str object, Str data) {
  uint32_t value;
  if (FillValue(data, &value)) {
    // The spoiled value is still handed to write-data: the host must refuse it, and the error
    // the guest reports is then the host's (which names the limit).
    static UnitRet refused;
    WriteData(container, object.ptr, object.len, value, &refused);
    if (refused.is_err) FailWith(refused.v.err);
    OutgoingDrop(value);
    return;
  }
  static UnitRet r;
  WriteData(container, object.ptr, object.len, value, &r);
  if (r.is_err) {
    FailWith(r.v.err);
    OutgoingDrop(value);
    return;
  }
  Finish(value, &r);
  if (r.is_err) FailWith(r.v.err);
}

static void RunRead(uint32_t container, Str object, Str range) {
  uint64_t start = 0, end = ~(uint64_t)0;
  if (range.len) {
    Str rest;
    Str first = Cut(range, ' ', &rest);
    if (ParseU64(first, &start) || ParseU64(rest, &end)) {
      return BadRequest("bad request: range ", range);
    }
  }
  static HandleRet got;
  GetData(container, object.ptr, object.len, start, end, &got);
  if (got.is_err) return FailWith(got.v.err);
  static StrRet bytes;
  ConsumeSync(got.v.handle, &bytes);
  if (bytes.is_err) return FailWith(bytes.v);
  AppendStr(&out, bytes.v);
  CabiFree(bytes.v.ptr);
}

static void RunReadAsync(uint32_t container, Str object) {
  static HandleRet got;
  GetData(container, object.ptr, object.len, 0, ~(uint64_t)0, &got);
  if (got.is_err) return FailWith(got.v.err);
  uint64_t size = IncomingSize(got.v.handle);
  static HandleRet stream;
  ConsumeAsync(got.v.handle, &stream);
  if (stream.is_err) return FailWith(stream.v.err);
  for (;;) {
    static ReadRet r;
    BlockingRead(stream.v.handle, 65536, &r);
    if (r.is_err) {
      if (r.v.err.tag != 1) FailStream(&r.v.err);
      break;
    }
    AppendStr(&out, r.v.bytes);
    CabiFree(r.v.bytes.ptr);
  }
  InputDrop(stream.v.handle);
  if (!failed && out.len != size) BadRequest("size and bytes read differ", (Str){0, 0});
}

static void RunList(uint32_t container, Str skip_text, int skip) {
  uint64_t to_skip = 0;
  if (skip && ParseU64(skip_text, &to_skip)) return BadRequest("bad request: skip ", skip_text);
  static HandleRet listed;
  ListObjects(container, &listed);
  if (listed.is_err) return FailWith(listed.v.err);
  uint32_t names = listed.v.handle;
  int end = 0;
  if (skip) {
    static SkipRet s;
    SkipNames(names, to_skip, &s);
    if (s.is_err) {
      NamesDrop(names);
      return FailWith(s.v.err);
    }
    end = s.v.ok.end;
  }
  while (!end) {
    static NamesRet r;
    ReadNames(names, 2, &r);
    if (r.is_err) {
      FailWith(r.v.err);
      break;
    }
    Str* list = (Str*)r.v.ok.names.ptr;
    for (uint32_t i = 0; i < r.v.ok.names.len; i++) {
      AppendStr(&out, list[i]);
      AppendText(&out, "\n");
      CabiFree(list[i].ptr);
    }
    CabiFree(list);
    end = r.v.ok.end;
  }
  NamesDrop(names);
}

static void RunOnContainer(uint32_t c, Str op, Str container, Str object, Str data) {
  static UnitRet unit;
  if (Equals(op, "get")) {
  } else if (Equals(op, "container-info")) {
    static ContainerInfoRet info;
    ContainerInfo(c, &info);
    if (info.is_err) return FailWith(info.v.err);
    AppendStr(&out, info.v.ok.name);
    AppendText(&out, "\n");
    AppendU64(&out, info.v.ok.created_at);
    CabiFree(info.v.ok.name.ptr);
  } else if (Equals(op, "write")) {
    RunWrite(c, object, data);
  } else if (Equals(op, "read")) {
    RunRead(c, object, data);
  } else if (Equals(op, "read-async")) {
    RunReadAsync(c, object);
  } else if (Equals(op, "list") || Equals(op, "skip-list")) {
    RunList(c, data, Equals(op, "skip-list"));
  } else if (Equals(op, "info")) {
    static ObjectInfoRet info;
    ObjectInfo(c, object.ptr, object.len, &info);
    if (info.is_err) return FailWith(info.v.err);
    AppendStr(&out, info.v.ok.name);
    AppendText(&out, "\n");
    AppendStr(&out, info.v.ok.container);
    AppendText(&out, "\n");
    AppendU64(&out, info.v.ok.size);
    CabiFree(info.v.ok.name.ptr);
    CabiFree(info.v.ok.container.ptr);
  } else if (Equals(op, "has")) {
    HasObject(c, object.ptr, object.len, &unit);
    if (unit.is_err) return FailWith(unit.v.err);
    AppendText(&out, unit.v.flag ? "true" : "false");
  } else if (Equals(op, "delete")) {
    DeleteObject(c, object.ptr, object.len, &unit);
    if (unit.is_err) FailWith(unit.v.err);
  } else if (Equals(op, "delete-many")) {
    uint32_t n;
    Str* names = Split(object, &n);
    DeleteObjects(c, names, n, &unit);
    CabiFree(names);
    if (unit.is_err) FailWith(unit.v.err);
  } else if (Equals(op, "clear")) {
    Clear(c, &unit);
    if (unit.is_err) FailWith(unit.v.err);
  } else {
    (void)container;
    BadRequest("bad request: unknown op ", op);
  }
}

static void RunTransfer(Str op, Str container, Str object, Str data) {
  Str dest_object;
  Str dest_container = Cut(data, '\n', &dest_object);
  static UnitRet r;
  if (Equals(op, "copy")) {
    CopyObject(container.ptr, container.len, object.ptr, object.len, dest_container.ptr,
               dest_container.len, dest_object.ptr, dest_object.len, &r);
  } else {
    MoveObject(container.ptr, container.len, object.ptr, object.len, dest_container.ptr,
               dest_container.len, dest_object.ptr, dest_object.len, &r);
  }
  if (r.is_err) FailWith(r.v.err);
}

EXPORT("test:blob/run#run")
void* Run(uint8_t* op_ptr, uint32_t op_len, uint8_t* container_ptr, uint32_t container_len,
          uint8_t* object_ptr, uint32_t object_len, uint8_t* data_ptr, uint32_t data_len) {
  Str op = {op_ptr, op_len}, container = {container_ptr, container_len},
      object = {object_ptr, object_len}, data = {data_ptr, data_len};
  out = (Buf){0, 0, 0};
  failed = 0;
  static UnitRet unit;
  static HandleRet opened;
  if (Equals(op, "create")) {
    CreateContainer(container.ptr, container.len, &opened);
    if (opened.is_err) {
      FailWith(opened.v.err);
    } else {
      ContainerDrop(opened.v.handle);
    }
  } else if (Equals(op, "exists")) {
    ContainerExists(container.ptr, container.len, &unit);
    if (unit.is_err) {
      FailWith(unit.v.err);
    } else {
      AppendText(&out, unit.v.flag ? "true" : "false");
    }
  } else if (Equals(op, "delete-container")) {
    DeleteContainer(container.ptr, container.len, &unit);
    if (unit.is_err) FailWith(unit.v.err);
  } else if (Equals(op, "copy") || Equals(op, "move")) {
    RunTransfer(op, container, object, data);
  } else {
    GetContainer(container.ptr, container.len, &opened);
    if (opened.is_err) {
      FailWith(opened.v.err);
    } else {
      uint32_t c = opened.v.handle;
      RunOnContainer(c, op, container, object, data);
      ContainerDrop(c);
    }
  }
  CabiFree(op_ptr);
  CabiFree(container_ptr);
  CabiFree(object_ptr);
  CabiFree(data_ptr);
  ret_area.is_err = (uint8_t)failed;
  ret_area.value = (Str){out.ptr, out.len};
  return &ret_area;
}

EXPORT("cabi_post_test:blob/run#run")
void RunPost(void* ret) {
  (void)ret;
  CabiFree(ret_area.value.ptr);
}
