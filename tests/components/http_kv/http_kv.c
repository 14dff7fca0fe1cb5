// http_kv: the world test:http-kv/http-kv (wit/http_kv.wit holds the contract) with the canonical
// ABI written by hand. A request is read whole, routed to kv_guest's run() or to a file
// operation, and answered with one text/plain body.
#include "wasi_http.h"

// kv_guest's run() (every wasi:keyvalue, wasi:config and wasi:logging call, and its string
// protocol) is the back half of this fixture, compiled in without its export so both fixtures
// share one hand-written ABI for those packages.
#undef EXPORT
#define EXPORT(name)
#include "../kv_guest/kv_guest.c"
#undef EXPORT
#define EXPORT(name) __attribute__((export_name(name)))

#define FS_TYPES(name) IMPORT("wasi:filesystem/types@0.2.12", name)
#define FS_PREOPENS(name) IMPORT("wasi:filesystem/preopens@0.2.12", name)

// ---- wasi:filesystem layouts

typedef struct Preopen {  // tuple<descriptor, string>
  uint32_t descriptor;
  Str path;
} Preopen;
_Static_assert(sizeof(Preopen) == 12, "preopen");

typedef struct FsHandleRet {  // result<descriptor, error-code>
  uint8_t is_err;
  union {
    uint32_t handle;
    uint8_t code;
  } v;
} FsHandleRet;
_Static_assert(offsetof(FsHandleRet, v) == 4 && sizeof(FsHandleRet) == 8, "open-at");

typedef struct FsWriteRet {  // result<filesize, error-code>
  uint8_t is_err;
  union {
    uint64_t size;
    uint8_t code;
  } v;
} FsWriteRet;
_Static_assert(offsetof(FsWriteRet, v) == 8 && sizeof(FsWriteRet) == 16, "write");

typedef struct FsReadRet {  // result<tuple<list<u8>, bool>, error-code>
  uint8_t is_err;
  union {
    struct {
      Str bytes;
      uint8_t end;
    } ok;
    uint8_t code;
  } v;
} FsReadRet;
_Static_assert(offsetof(FsReadRet, v) == 4 && offsetof(FsReadRet, v.ok.end) == 12, "read");

FS_PREOPENS("get-directories") void GetDirectories(Str* ret);
FS_TYPES("[method]descriptor.open-at")
void DescriptorOpenAt(uint32_t self, uint32_t path_flags, const uint8_t* path, uint32_t path_len,
                      uint32_t open_flags, uint32_t flags, FsHandleRet* ret);
FS_TYPES("[method]descriptor.write")
void DescriptorWrite(uint32_t self, const uint8_t* buffer, uint32_t len, uint64_t offset,
                     FsWriteRet* ret);
FS_TYPES("[method]descriptor.read")
void DescriptorRead(uint32_t self, uint64_t length, uint64_t offset, FsReadRet* ret);
FS_TYPES("[resource-drop]descriptor") void DescriptorDrop(uint32_t handle);

enum { kOpenCreate = 1, kOpenTruncate = 8, kFlagRead = 1, kFlagWrite = 2 };
enum { kAccess = 0, kNoEntry = 20, kNotPermitted = 31, kReadOnly = 33 };

// wasi:http method cases.
enum { kGet = 0, kPost = 2, kPut = 3, kDelete = 4 };

// ---- text

static Str Text(const char* s) { return (Str){(uint8_t*)s, Length(s)}; }

static int StartsWith(Str s, const char* prefix) {
  uint32_t n = Length(prefix);
  return s.len >= n && Equals((Str){s.ptr, n}, prefix);
}

static Str Drop(Str s, uint32_t n) {
  return n >= s.len ? (Str){s.ptr + s.len, 0} : (Str){s.ptr + n, s.len - n};
}

// The text up to the next '/' of *rest, which moves past it.
static Str NextSegment(Str* rest) {
  uint32_t i = 0;
  while (i < rest->len && rest->ptr[i] != '/') i++;
  Str segment = {rest->ptr, i};
  *rest = Drop(*rest, i + 1);
  return segment;
}

// The value of `name` in a query "a=1&b=2"; *found says whether it is there.
static Str QueryValue(Str query, const char* name, int* found) {
  Str rest = query;
  while (rest.len) {
    uint32_t i = 0;
    while (i < rest.len && rest.ptr[i] != '&') i++;
    Str pair = {rest.ptr, i};
    rest = Drop(rest, i + 1);
    uint32_t eq = 0;
    while (eq < pair.len && pair.ptr[eq] != '=') eq++;
    if (Equals((Str){pair.ptr, eq}, name)) {
      *found = 1;
      return Drop(pair, eq + 1);
    }
  }
  *found = 0;
  return (Str){0, 0};
}

static int HexDigit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A fresh copy of `s` with %XX decoded (a malformed escape is kept as it is); the caller frees it.
static Str Decode(Str s) {
  uint8_t* p = CabiAlloc(s.len ? s.len : 1);
  uint32_t n = 0;
  for (uint32_t i = 0; i < s.len; i++) {
    int hi = -1, lo = -1;
    if (s.ptr[i] == '%' && i + 2 < s.len) {
      hi = HexDigit(s.ptr[i + 1]);
      lo = HexDigit(s.ptr[i + 2]);
    }
    if (hi >= 0 && lo >= 0) {
      p[n++] = (uint8_t)(hi * 16 + lo);
      i += 2;
    } else {
      p[n++] = s.ptr[i];
    }
  }
  return (Str){p, n};
}

// `s` without one trailing '\n', so a body may end its last line.
static Str TrimNewline(Str s) {
  return s.len && s.ptr[s.len - 1] == '\n' ? (Str){s.ptr, s.len - 1} : s;
}

// ---- replies

typedef struct Reply {
  uint32_t status;
  Buf body;
} Reply;

static void Answer(Reply* r, uint32_t status, Str body) {
  r->status = status;
  r->body.len = 0;
  AppendStr(&r->body, body);
}

// The status for one of run()'s error texts.
static uint32_t ErrorStatus(Str error) {
  if (StartsWith(error, "no-such-store")) return 404;
  if (StartsWith(error, "access-denied")) return 403;
  if (StartsWith(error, "bad request")) return 400;
  return 502;  // other, upstream, io: the backend behind the interface failed
}

// run() returns result<list<u8>, string> through this area.
typedef struct RunRet {
  uint8_t is_err;
  Str value;
} RunRet;

static Str Copy(Str s) {
  uint8_t* p = CabiAlloc(s.len ? s.len : 1);
  memcpy(p, s.ptr, s.len);
  return (Str){p, s.len};
}

// run(op, bucket, key, value) on copies (run frees its arguments). An error becomes the reply;
// otherwise the output does, 200, except that with `optional` "some:V" answers V and "none" 404.
// Returns whether run succeeded.
static int Invoke(const char* op, Str bucket, Str key, Str value, int optional, Reply* r) {
  Str o = Copy(Text(op)), b = Copy(bucket), k = Copy(key), v = Copy(value);
  RunRet* ret = Run(o.ptr, o.len, b.ptr, b.len, k.ptr, k.len, v.ptr, v.len);
  int ok = !ret->is_err;
  if (!ok) {
    Answer(r, ErrorStatus(ret->value), ret->value);
  } else if (optional && StartsWith(ret->value, "some:")) {
    Answer(r, 200, Drop(ret->value, 5));
  } else if (optional) {
    Answer(r, 404, ret->value);
  } else {
    Answer(r, 200, ret->value);
  }
  RunPost(ret);
  return ok;
}

// ---- files

static const char* const kFsErrors[] = {"access",
                                        "would-block",
                                        "already",
                                        "bad-descriptor",
                                        "busy",
                                        "deadlock",
                                        "quota",
                                        "exist",
                                        "file-too-large",
                                        "illegal-byte-sequence",
                                        "in-progress",
                                        "interrupted",
                                        "invalid",
                                        "io",
                                        "is-directory",
                                        "loop",
                                        "too-many-links",
                                        "message-size",
                                        "name-too-long",
                                        "no-device",
                                        "no-entry",
                                        "no-lock",
                                        "insufficient-memory",
                                        "insufficient-space",
                                        "not-directory",
                                        "not-empty",
                                        "not-recoverable",
                                        "unsupported",
                                        "no-tty",
                                        "no-such-device",
                                        "overflow",
                                        "not-permitted",
                                        "pipe",
                                        "read-only",
                                        "invalid-seek",
                                        "text-file-busy",
                                        "cross-device"};

static void FsFail(Reply* r, uint8_t code) {
  uint32_t status = 500;
  if (code == kAccess || code == kNotPermitted || code == kReadOnly) status = 403;
  if (code == kNoEntry) status = 404;
  r->status = status;
  r->body.len = 0;
  AppendText(&r->body, "filesystem: ");
  AppendText(&r->body, code < sizeof kFsErrors / sizeof kFsErrors[0] ? kFsErrors[code] : "?");
}

// The preopen holding `path` (absolute, '/'-separated) and the path relative to it; every other
// preopen handle is dropped. 0 when no preopen holds it.
static int FindPreopen(Str path, uint32_t* dir, Str* relative) {
  while (path.len && path.ptr[0] == '/') path = Drop(path, 1);
  Str list;
  GetDirectories(&list);
  Preopen* preopens = (Preopen*)list.ptr;
  int best = -1;
  uint32_t best_len = 0;
  for (uint32_t i = 0; i < list.len; i++) {
    Str p = preopens[i].path;
    while (p.len && p.ptr[0] == '/') p = Drop(p, 1);
    while (p.len && p.ptr[p.len - 1] == '/') p.len--;
    int holds = p.len == 0 || (path.len > p.len && path.ptr[p.len] == '/');
    for (uint32_t j = 0; holds && j < p.len; j++) holds = path.ptr[j] == p.ptr[j];
    if (holds && (best < 0 || p.len > best_len)) {
      best = (int)i;
      best_len = p.len;
    }
  }
  for (uint32_t i = 0; i < list.len; i++) {
    if ((int)i != best) DescriptorDrop(preopens[i].descriptor);
    CabiFree(preopens[i].path.ptr);
  }
  if (best >= 0) {
    *dir = preopens[best].descriptor;
    *relative = best_len ? Drop(path, best_len + 1) : path;
  }
  CabiFree(preopens);
  return best >= 0;
}

static void WriteFile(Str path, Str contents, Reply* r) {
  uint32_t dir;
  Str relative;
  if (!FindPreopen(path, &dir, &relative)) return Answer(r, 404, Text("no preopen holds the path"));
  FsHandleRet file;
  DescriptorOpenAt(dir, 0, relative.ptr, relative.len, kOpenCreate | kOpenTruncate, kFlagWrite,
                   &file);
  DescriptorDrop(dir);
  if (file.is_err) return FsFail(r, file.v.code);
  uint64_t offset = 0;
  while (offset < contents.len) {
    FsWriteRet w;
    DescriptorWrite(file.v.handle, contents.ptr + offset, contents.len - (uint32_t)offset, offset,
                    &w);
    if (w.is_err) {
      DescriptorDrop(file.v.handle);
      return FsFail(r, w.v.code);
    }
    offset += w.v.size;
  }
  DescriptorDrop(file.v.handle);
  Answer(r, 200, Text(""));
}

static void ReadFile(Str path, Reply* r) {
  uint32_t dir;
  Str relative;
  if (!FindPreopen(path, &dir, &relative)) return Answer(r, 404, Text("no preopen holds the path"));
  FsHandleRet file;
  DescriptorOpenAt(dir, 0, relative.ptr, relative.len, 0, kFlagRead, &file);
  DescriptorDrop(dir);
  if (file.is_err) return FsFail(r, file.v.code);
  Answer(r, 200, Text(""));
  for (uint64_t offset = 0;;) {
    FsReadRet rr;
    DescriptorRead(file.v.handle, 65536, offset, &rr);
    if (rr.is_err) {
      DescriptorDrop(file.v.handle);
      return FsFail(r, rr.v.code);
    }
    AppendStr(&r->body, rr.v.ok.bytes);
    CabiFree(rr.v.ok.bytes.ptr);
    offset += rr.v.ok.bytes.len;
    if (rr.v.ok.end || rr.v.ok.bytes.len == 0) break;
  }
  DescriptorDrop(file.v.handle);
}

// ---- routes

typedef struct Request {
  uint8_t method;  // a wasi:http method case
  Str path;        // after the leading '/', without the query
  Str query;
  Str body;
} Request;

static void BatchSet(Str store, Str body, Reply* r) {
  Buf keys = {0, 0, 0}, values = {0, 0, 0};
  uint32_t n;
  Str* lines = Split(TrimNewline(body), &n);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t eq = 0;
    while (eq < lines[i].len && lines[i].ptr[eq] != '=') eq++;
    if (eq == lines[i].len) {
      CabiFree(lines);
      CabiFree(keys.ptr);
      CabiFree(values.ptr);
      return Answer(r, 400, Text("bad request: a line without '='"));
    }
    if (i) {
      AppendText(&keys, "\n");
      AppendText(&values, "\n");
    }
    AppendStr(&keys, (Str){lines[i].ptr, eq});
    AppendStr(&values, Drop(lines[i], eq + 1));
  }
  CabiFree(lines);
  Invoke("set-many", store, (Str){keys.ptr, keys.len}, (Str){values.ptr, values.len}, 0, r);
  CabiFree(keys.ptr);
  CabiFree(values.ptr);
}

// Routes whose path is /{store}/{key}: the store and the key are decoded here.
static void RouteKey(Str op, Request* q, Reply* r) {
  Str rest = q->path;
  Str store = Decode(NextSegment(&rest)), key = Decode(rest);
  Str none = {0, 0};
  int by_found;
  Str by = QueryValue(q->query, "by", &by_found);
  if (Equals(op, "kv") && q->method == kGet) {
    Invoke("get", store, key, none, 1, r);
  } else if (Equals(op, "kv") && q->method == kPut) {
    Invoke("set", store, key, q->body, 0, r);
  } else if (Equals(op, "kv") && q->method == kDelete) {
    Invoke("delete", store, key, none, 0, r);
  } else if (Equals(op, "exists") && q->method == kGet) {
    Invoke("exists", store, key, none, 0, r);
  } else if (Equals(op, "incr") && q->method == kPost) {
    Invoke("increment", store, key, by_found ? by : Text("1"), 0, r);
  } else if (Equals(op, "getset") && q->method == kPost) {
    Reply previous = {0, {0, 0, 0}};
    if (Invoke("get", store, key, none, 1, &previous) || previous.status == 404) {
      if (Invoke("set", store, key, q->body, 0, r)) {
        Answer(r, 200, previous.status == 200 ? (Str){previous.body.ptr, previous.body.len} : none);
      }
    } else {
      Answer(r, previous.status, (Str){previous.body.ptr, previous.body.len});
    }
    CabiFree(previous.body.ptr);
  } else {
    Answer(r, 405, Text("method not allowed"));
  }
  CabiFree(store.ptr);
  CabiFree(key.ptr);
}

static void Route(Request* q, Reply* r) {
  Str rest = q->path;
  Str op = NextSegment(&rest);
  Str none = {0, 0};
  int found;
  if (Equals(op, "kv") || Equals(op, "exists") || Equals(op, "incr") || Equals(op, "getset")) {
    Request sub = *q;
    sub.path = rest;
    return RouteKey(op, &sub, r);
  }
  if (Equals(op, "open") || Equals(op, "keys")) {
    if (q->method != kGet) return Answer(r, 405, Text("method not allowed"));
    Str store = Decode(rest);
    if (Equals(op, "open")) {
      Invoke("open", store, none, none, 0, r);
    } else {
      QueryValue(q->query, "all", &found);
      int all = found;
      Str cursor = QueryValue(q->query, "cursor", &found);
      Invoke(all ? "list-all" : "list-keys", store, cursor, none, 0, r);
    }
    CabiFree(store.ptr);
    return;
  }
  if (Equals(op, "batch")) {
    if (q->method != kPost) return Answer(r, 405, Text("method not allowed"));
    Str which = NextSegment(&rest);
    Str store = Decode(rest);
    Str keys = TrimNewline(q->body);
    if (Equals(which, "get")) {
      Invoke("get-many", store, keys, none, 0, r);
    } else if (Equals(which, "set")) {
      BatchSet(store, q->body, r);
    } else if (Equals(which, "delete")) {
      Invoke("delete-many", store, keys, none, 0, r);
    } else {
      Answer(r, 404, Text("no route"));
    }
    CabiFree(store.ptr);
    return;
  }
  if (Equals(op, "config")) {
    if (q->method != kGet) return Answer(r, 405, Text("method not allowed"));
    Str key = Decode(rest);
    if (key.len) {
      Invoke("config-get", none, key, none, 1, r);
    } else {
      Invoke("config-get-all", none, none, none, 0, r);
    }
    CabiFree(key.ptr);
    return;
  }
  if (Equals(op, "log")) {
    if (q->method != kPost) return Answer(r, 405, Text("method not allowed"));
    Str level = QueryValue(q->query, "level", &found);
    if (!found) level = Text("info");
    Str context = QueryValue(q->query, "context", &found);
    context = found ? Decode(context) : Copy(Text("http_kv"));
    uint64_t repeat = 1;
    Str repeat_text = QueryValue(q->query, "repeat", &found);
    if (found && ParseU64(repeat_text, &repeat)) {
      Answer(r, 400, Text("bad request: repeat"));
    } else {
      for (uint64_t i = 0; i < repeat; i++) {
        if (!Invoke("log", level, context, q->body, 0, r)) break;
      }
    }
    CabiFree(context.ptr);
    return;
  }
  if (Equals(op, "file")) {
    Str path = Decode(rest);
    if (q->method == kPut) {
      WriteFile(path, q->body, r);
    } else if (q->method == kGet) {
      ReadFile(path, r);
    } else {
      Answer(r, 405, Text("method not allowed"));
    }
    CabiFree(path.ptr);
    return;
  }
  Answer(r, 404, Text("no route"));
}

// ---- wasi:http

// The request body, read to its end.
static void ReadBody(uint32_t request, Buf* body) {
  HandleResult incoming;
  IncomingRequestConsume(request, &incoming);
  if (incoming.tag != 0) CabiTrap();
  HandleResult in;
  IncomingBodyStream(incoming.handle, &in);
  if (in.tag != 0) CabiTrap();
  for (;;) {
    ReadResult r;
    InputStreamBlockingRead(in.handle, 65536, &r);
    if (r.tag != 0) {
      if (r.payload.error.tag == 0) IoErrorDrop(r.payload.error.error);  // failed, not closed
      break;
    }
    AppendStr(body, r.payload.bytes);
    CabiFree(r.payload.bytes.ptr);
  }
  InputStreamDrop(in.handle);  // a child of the body: dropped before finishing it
  FutureTrailersDrop(IncomingBodyFinish(incoming.handle));
}

static void Respond(uint32_t outparam, const Reply* r) {
  uint32_t headers = FieldsNew();
  HeaderResult h;
  FieldsAppend(headers, (const uint8_t*)"content-type", 12, (const uint8_t*)"text/plain", 10, &h);
  if (h.tag != 0) CabiTrap();
  uint32_t response = OutgoingResponseNew(headers);  // takes the headers
  if (OutgoingResponseSetStatus(response, r->status) != 0) CabiTrap();
  HandleResult body;
  OutgoingResponseBody(response, &body);
  if (body.tag != 0) CabiTrap();
  ResponseOutparamSet(outparam, 0, response, 0, 0, 0, 0, 0, 0);
  HandleResult stream;
  OutgoingBodyWrite(body.handle, &stream);
  if (stream.tag != 0) CabiTrap();
  for (uint32_t at = 0; at < r->body.len;) {
    uint32_t n = r->body.len - at < 4096 ? r->body.len - at : 4096;
    WriteResult w;
    OutputStreamBlockingWriteAndFlush(stream.handle, r->body.ptr + at, n, &w);
    if (w.tag != 0) CabiTrap();
    at += n;
  }
  OutputStreamDrop(stream.handle);  // a child of the body: dropped before finishing it
  ErrorCodeResult finished;
  OutgoingBodyFinish(body.handle, 0, 0, &finished);
  if (finished.tag != 0) CabiTrap();
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  Method method;
  IncomingRequestMethod(request, &method);
  if (method.tag == 9) CabiFree(method.other.ptr);
  OptionStr target;
  IncomingRequestPath(request, &target);
  Str path = target.tag ? target.value : (Str){0, 0};
  Buf body = {0, 0, 0};
  ReadBody(request, &body);
  IncomingRequestDrop(request);

  Request q = {method.tag, path, {0, 0}, {body.ptr, body.len}};
  while (q.path.len && q.path.ptr[0] == '/') q.path = Drop(q.path, 1);
  for (uint32_t i = 0; i < q.path.len; i++) {
    if (q.path.ptr[i] == '?') {
      q.query = Drop(q.path, i + 1);
      q.path.len = i;
      break;
    }
  }
  Reply reply = {0, {0, 0, 0}};
  Route(&q, &reply);
  Respond(outparam, &reply);
  CabiFree(reply.body.ptr);
  CabiFree(body.ptr);
  if (target.tag) CabiFree(target.value.ptr);
}
