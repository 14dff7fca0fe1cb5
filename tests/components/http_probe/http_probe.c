// http_probe: wasi:http@0.2.12 by hand for the host's tests (see wit/world.wit for the contract).
#include "wasi_http.h"

#define IO_POLL(name) IMPORT("wasi:io/poll@0.2.12", name)
#define OUTGOING_HANDLER(name) IMPORT("wasi:http/outgoing-handler@0.2.12", name)

enum { kChunk = 4096 };

// Results of 56 bytes at alignment 8: option<result<result<T, error-code>>>, with the option's
// tag @0, the outer result's @8, the inner result's @16 and T (or error-code's tag) @24.
typedef struct FutureResult {
  uint8_t bytes[56];
} __attribute__((aligned(8))) FutureResult;

// result<own<future-incoming-response>, error-code>: tag @0, handle or error-code tag @8.
typedef struct HandleOrCode {
  uint8_t bytes[40];
} __attribute__((aligned(8))) HandleOrCode;

HTTP_TYPES("[method]fields.get")
void FieldsGet(uint32_t self, const uint8_t* name, uint32_t name_len, Str* ret);
HTTP_TYPES("[method]fields.delete")
void FieldsDelete(uint32_t self, const uint8_t* name, uint32_t name_len, HeaderResult* ret);
HTTP_TYPES("[static]fields.from-list")
void FieldsFromList(const FieldEntry* entries, uint32_t len, HandleResult* ret);
HTTP_TYPES("[method]future-trailers.subscribe") uint32_t FutureTrailersSubscribe(uint32_t self);
HTTP_TYPES("[method]future-trailers.get") void FutureTrailersGet(uint32_t self, FutureResult*);
HTTP_TYPES("[constructor]outgoing-request") uint32_t OutgoingRequestNew(uint32_t headers);
HTTP_TYPES("[method]outgoing-request.set-method")
uint32_t OutgoingRequestSetMethod(uint32_t self, uint32_t tag, const uint8_t* ptr, uint32_t len);
HTTP_TYPES("[method]outgoing-request.set-scheme")
uint32_t OutgoingRequestSetScheme(uint32_t self, uint32_t some, uint32_t tag, const uint8_t* ptr,
                                  uint32_t len);
HTTP_TYPES("[method]outgoing-request.set-authority")
uint32_t OutgoingRequestSetAuthority(uint32_t self, uint32_t some, const uint8_t* ptr,
                                     uint32_t len);
HTTP_TYPES("[method]outgoing-request.set-path-with-query")
uint32_t OutgoingRequestSetPath(uint32_t self, uint32_t some, const uint8_t* ptr, uint32_t len);
HTTP_TYPES("[method]outgoing-request.body")
void OutgoingRequestBody(uint32_t self, HandleResult* ret);
HTTP_TYPES("[method]future-incoming-response.subscribe")
uint32_t FutureResponseSubscribe(uint32_t self);
HTTP_TYPES("[method]future-incoming-response.get")
void FutureResponseGet(uint32_t self, FutureResult* ret);
HTTP_TYPES("[resource-drop]future-incoming-response") void FutureResponseDrop(uint32_t handle);
HTTP_TYPES("[method]incoming-response.status") uint32_t IncomingResponseStatus(uint32_t self);
HTTP_TYPES("[method]incoming-response.headers") uint32_t IncomingResponseHeaders(uint32_t self);
HTTP_TYPES("[method]incoming-response.consume")
void IncomingResponseConsume(uint32_t self, HandleResult* ret);
HTTP_TYPES("[resource-drop]incoming-response") void IncomingResponseDrop(uint32_t handle);
HTTP_TYPES("[resource-drop]outgoing-body") void OutgoingBodyDrop(uint32_t handle);
HTTP_TYPES("[resource-drop]response-outparam") void ResponseOutparamDrop(uint32_t handle);
IO_POLL("[method]pollable.block") void PollableBlock(uint32_t self);
IO_POLL("[resource-drop]pollable") void PollableDrop(uint32_t handle);
OUTGOING_HANDLER("handle")
void OutgoingHandle(uint32_t request, uint32_t options_tag, uint32_t options, HandleOrCode* ret);

static uint32_t Length(const char* s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

static int Equals(Str s, const char* text) {
  uint32_t n = Length(text);
  if (s.len != n) return 0;
  for (uint32_t i = 0; i < n; i++) {
    if (s.ptr[i] != (uint8_t)text[i]) return 0;
  }
  return 1;
}

static Str Text(const char* s) { return (Str){(uint8_t*)s, Length(s)}; }

// Decimal digits of `n` in `buf` (at least 11 bytes).
static Str Decimal(uint32_t n, uint8_t* buf) {
  uint8_t tmp[10];
  uint32_t len = 0;
  do {
    tmp[len++] = (uint8_t)('0' + n % 10);
    n /= 10;
  } while (n);
  for (uint32_t i = 0; i < len; i++) buf[i] = tmp[len - 1 - i];
  return (Str){buf, len};
}

static uint8_t HeaderCase(HeaderResult r) { return r.tag == 0 ? 'k' : (uint8_t)('0' + r.error); }

static void Append(uint32_t fields, Str name, Str value) {
  HeaderResult r;
  FieldsAppend(fields, name.ptr, name.len, value.ptr, value.len, &r);
  if (r.tag != 0) CabiTrap();
}

static void AppendResult(uint32_t fields, const char* name, uint8_t c) {
  uint8_t value[2] = {c, 'k'};
  Str v = c == 'k' ? Text("ok") : (Str){value, 1};
  Append(fields, Text(name), v);
}

// Sends `status` with `headers` and returns the body's output stream; *body gets the body.
static uint32_t Respond(uint32_t outparam, uint32_t headers, uint32_t status, uint32_t* body) {
  uint32_t response = OutgoingResponseNew(headers);
  if (OutgoingResponseSetStatus(response, status) != 0) CabiTrap();
  HandleResult b;
  OutgoingResponseBody(response, &b);
  if (b.tag != 0) CabiTrap();
  ResponseOutparamSet(outparam, 0, response, 0, 0, 0, 0, 0, 0);
  HandleResult out;
  OutgoingBodyWrite(b.handle, &out);
  if (out.tag != 0) CabiTrap();
  *body = b.handle;
  return out.handle;
}

static void Write(uint32_t stream, Str bytes) {
  WriteResult w;
  OutputStreamBlockingWriteAndFlush(stream, bytes.ptr, bytes.len, &w);
  if (w.tag != 0) CabiTrap();
}

static void Finish(uint32_t body, uint32_t trailers_tag, uint32_t trailers) {
  ErrorCodeResult finished;
  OutgoingBodyFinish(body, trailers_tag, trailers, &finished);
  if (finished.tag != 0) CabiTrap();
}

// Copies `in` to `out` until `in` closes; returns the byte count.
static uint32_t Pump(uint32_t in, uint32_t out) {
  uint32_t total = 0;
  for (;;) {
    ReadResult r;
    InputStreamBlockingRead(in, kChunk, &r);
    if (r.tag != 0) {
      if (r.payload.error.tag == 0) IoErrorDrop(r.payload.error.error);
      return total;
    }
    total += r.payload.bytes.len;
    if (out && r.payload.bytes.len > 0) Write(out, r.payload.bytes);
    CabiFree(r.payload.bytes.ptr);
  }
}

// Waits for the trailers of `body` (consumed); 0 when there were none.
static uint32_t Trailers(uint32_t body) {
  uint32_t future = IncomingBodyFinish(body);
  uint32_t pollable = FutureTrailersSubscribe(future);
  PollableBlock(pollable);
  PollableDrop(pollable);
  FutureResult got;
  FutureTrailersGet(future, &got);
  FutureTrailersDrop(future);
  if (got.bytes[0] != 1 || got.bytes[8] != 0 || got.bytes[16] != 0) CabiTrap();
  if (got.bytes[24] == 0) return 0;
  return *(uint32_t*)&got.bytes[28];
}

static void ServeTrailers(uint32_t request, uint32_t outparam) {
  HandleResult body;
  IncomingRequestConsume(request, &body);
  if (body.tag != 0) CabiTrap();
  HandleResult in;
  IncomingBodyStream(body.handle, &in);
  if (in.tag != 0) CabiTrap();
  uint32_t n = Pump(in.handle, 0);
  InputStreamDrop(in.handle);
  uint32_t trailers = Trailers(body.handle);
  IncomingRequestDrop(request);

  uint32_t headers = FieldsNew();
  uint8_t digits[11];
  Append(headers, Text("x-body-bytes"), Decimal(n, digits));
  uint32_t out_body;
  uint32_t out = Respond(outparam, headers, 200, &out_body);
  Write(out, Text("ok"));
  OutputStreamDrop(out);
  Finish(out_body, trailers ? 1 : 0, trailers);
}

static void ServeFields(uint32_t request, uint32_t outparam) {
  uint32_t headers = FieldsNew();
  uint32_t scratch = FieldsNew();
  HeaderResult r;
  Str v = Text("v");
  FieldsAppend(scratch, (const uint8_t*)"connection", 10, v.ptr, v.len, &r);
  AppendResult(headers, "x-forbidden", HeaderCase(r));
  FieldsAppend(scratch, (const uint8_t*)"bad name", 8, v.ptr, v.len, &r);
  AppendResult(headers, "x-invalid-name", HeaderCase(r));
  FieldsAppend(scratch, (const uint8_t*)"x-ok", 4, (const uint8_t*)"a\nb", 3, &r);
  AppendResult(headers, "x-invalid-value", HeaderCase(r));
  FieldsAppend(scratch, (const uint8_t*)"x-ok", 4, v.ptr, v.len, &r);
  AppendResult(headers, "x-append-ok", HeaderCase(r));
  FieldsDrop(scratch);

  uint32_t request_headers = IncomingRequestHeaders(request);
  FieldsAppend(request_headers, (const uint8_t*)"x-new", 5, v.ptr, v.len, &r);
  AppendResult(headers, "x-immutable", HeaderCase(r));
  FieldsDelete(request_headers, (const uint8_t*)"x-probe", 7, &r);
  AppendResult(headers, "x-immutable-delete", HeaderCase(r));
  Str values;
  FieldsGet(request_headers, (const uint8_t*)"x-probe", 7, &values);
  uint8_t joined[256];
  uint32_t len = 0;
  Str* list = (Str*)values.ptr;
  for (uint32_t i = 0; i < values.len; i++) {
    if (i > 0 && len < sizeof joined) joined[len++] = ',';
    for (uint32_t j = 0; j < list[i].len && len < sizeof joined; j++)
      joined[len++] = list[i].ptr[j];
    CabiFree(list[i].ptr);
  }
  CabiFree(values.ptr);
  Append(headers, Text("x-got"), (Str){joined, len});
  FieldsDrop(request_headers);
  IncomingRequestDrop(request);

  FieldEntry entry = {Text("host"), Text("example.com")};
  HandleResult from_list;
  FieldsFromList(&entry, 1, &from_list);
  if (from_list.tag == 0) {
    FieldsDrop(from_list.handle);
    AppendResult(headers, "x-from-list", 'k');
  } else {
    AppendResult(headers, "x-from-list", (uint8_t)('0' + (uint8_t)from_list.handle));
  }
  uint32_t body;
  uint32_t out = Respond(outparam, headers, 200, &body);
  OutputStreamDrop(out);
  Finish(body, 0, 0);
}

static void RespondError(uint32_t outparam, const char* at, uint8_t code) {
  uint32_t headers = FieldsNew();
  uint8_t digits[11];
  Append(headers, Text("x-error-code"), Decimal(code, digits));
  Append(headers, Text("x-error-at"), Text(at));
  uint32_t body;
  uint32_t out = Respond(outparam, headers, 502, &body);
  OutputStreamDrop(out);
  Finish(body, 0, 0);
}

static Str FirstValue(uint32_t fields, const char* name) {
  Str values;
  FieldsGet(fields, (const uint8_t*)name, Length(name), &values);
  if (values.len == 0) CabiTrap();
  return ((Str*)values.ptr)[0];
}

static void ServeFetch(uint32_t request, uint32_t outparam) {
  uint32_t request_headers = IncomingRequestHeaders(request);
  Str authority = FirstValue(request_headers, "x-fetch-authority");
  Str path = FirstValue(request_headers, "x-fetch-path");
  FieldsDrop(request_headers);
  Method method;
  IncomingRequestMethod(request, &method);

  uint32_t headers = FieldsNew();
  Append(headers, Text("x-from-guest"), Text("1"));
  uint32_t outgoing = OutgoingRequestNew(headers);
  const int other = method.tag == 9;
  if (OutgoingRequestSetMethod(outgoing, method.tag, other ? method.other.ptr : 0,
                               other ? method.other.len : 0) != 0 ||
      OutgoingRequestSetScheme(outgoing, 1, 0, 0, 0) != 0 ||
      OutgoingRequestSetAuthority(outgoing, 1, authority.ptr, authority.len) != 0 ||
      OutgoingRequestSetPath(outgoing, 1, path.ptr, path.len) != 0) {
    CabiTrap();
  }
  const int has_body = method.tag == 2 || method.tag == 3;  // post, put
  HandleResult upload;
  if (has_body) {
    OutgoingRequestBody(outgoing, &upload);
    if (upload.tag != 0) CabiTrap();
  }
  HandleOrCode sent;
  OutgoingHandle(outgoing, 0, 0, &sent);
  if (sent.bytes[0] != 0) {
    if (has_body) OutgoingBodyDrop(upload.handle);
    IncomingRequestDrop(request);
    RespondError(outparam, "handle", sent.bytes[8]);
    return;
  }
  uint32_t future = *(uint32_t*)&sent.bytes[8];

  if (has_body) {  // the request body streams up while the upstream reads it
    HandleResult body;
    IncomingRequestConsume(request, &body);
    if (body.tag != 0) CabiTrap();
    HandleResult in;
    IncomingBodyStream(body.handle, &in);
    HandleResult up;
    OutgoingBodyWrite(upload.handle, &up);
    if (in.tag != 0 || up.tag != 0) CabiTrap();
    Pump(in.handle, up.handle);
    InputStreamDrop(in.handle);
    OutputStreamDrop(up.handle);
    FutureTrailersDrop(IncomingBodyFinish(body.handle));
    Finish(upload.handle, 0, 0);
  }
  IncomingRequestDrop(request);

  uint32_t pollable = FutureResponseSubscribe(future);
  PollableBlock(pollable);
  PollableDrop(pollable);
  FutureResult got;
  FutureResponseGet(future, &got);
  FutureResponseDrop(future);
  if (got.bytes[0] != 1 || got.bytes[8] != 0) CabiTrap();
  if (got.bytes[16] != 0) {
    RespondError(outparam, "response", got.bytes[24]);
    return;
  }
  uint32_t response = *(uint32_t*)&got.bytes[24];
  uint32_t status = IncomingResponseStatus(response);

  uint32_t out_headers = FieldsNew();
  uint8_t digits[11];
  Append(out_headers, Text("x-upstream-status"), Decimal(status, digits));
  uint32_t upstream_headers = IncomingResponseHeaders(response);
  Str list;
  FieldsEntries(upstream_headers, &list);
  FieldsDrop(upstream_headers);
  FieldEntry* entries = (FieldEntry*)list.ptr;
  for (uint32_t i = 0; i < list.len; i++) {
    uint32_t len = 11 + entries[i].name.len;
    uint8_t* name = CabiAlloc(len);
    memcpy(name, "x-upstream-", 11);
    memcpy(name + 11, entries[i].name.ptr, entries[i].name.len);
    Append(out_headers, (Str){name, len}, entries[i].value);
    CabiFree(name);
  }

  HandleResult body;
  IncomingResponseConsume(response, &body);
  if (body.tag != 0) CabiTrap();
  HandleResult in;
  IncomingBodyStream(body.handle, &in);
  if (in.tag != 0) CabiTrap();
  uint32_t out_body;
  uint32_t out = Respond(outparam, out_headers, status, &out_body);
  Pump(in.handle, out);
  InputStreamDrop(in.handle);
  uint32_t trailers = Trailers(body.handle);
  IncomingResponseDrop(response);
  OutputStreamDrop(out);
  Finish(out_body, trailers ? 1 : 0, trailers);
}

// Requests this instance has answered: static data, so only a reused instance counts past 1.
static uint32_t served;

static void ServeCount(uint32_t request, uint32_t outparam) {
  served++;
  uint32_t headers = FieldsNew();
  uint8_t digits[11];
  Append(headers, Text("x-served"), Decimal(served, digits));
  Append(headers, Text("x-request-handle"), Decimal(request, digits));
  uint32_t body;
  uint32_t out = Respond(outparam, headers, 200, &body);
  OutputStreamDrop(out);
  Finish(body, 0, 0);
  // The request is never dropped: its handle stays in this instance's table.
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  OptionStr path;
  IncomingRequestPath(request, &path);
  if (!path.tag) CabiTrap();
  if (Equals(path.value, "/trailers")) {
    ServeTrailers(request, outparam);
  } else if (Equals(path.value, "/count")) {
    ServeCount(request, outparam);
  } else if (Equals(path.value, "/fields")) {
    ServeFields(request, outparam);
  } else if (Equals(path.value, "/fetch")) {
    ServeFetch(request, outparam);
  } else if (Equals(path.value, "/no-response")) {
    IncomingRequestDrop(request);
    ResponseOutparamDrop(outparam);
  } else if (Equals(path.value, "/error")) {
    IncomingRequestDrop(request);
    ResponseOutparamSet(outparam, 1, 15, 0, 0, 0, 0, 0, 0);  // HTTP-request-denied
  } else {
    IncomingRequestDrop(request);
    uint32_t headers = FieldsNew();
    if (Equals(path.value, "/short")) Append(headers, Text("content-length"), Text("10"));
    uint32_t body;
    uint32_t out = Respond(outparam, headers, 200, &body);
    if (Equals(path.value, "/trap")) {
      Write(out, Text("partial"));
      CabiTrap();
    } else if (Equals(path.value, "/unfinished")) {
      Write(out, Text("x"));
      OutputStreamDrop(out);
    } else if (Equals(path.value, "/drop-body")) {
      Write(out, Text("x"));
      OutputStreamDrop(out);
      OutgoingBodyDrop(body);
    } else if (Equals(path.value, "/short")) {
      Write(out, Text("abc"));
      OutputStreamDrop(out);
      ErrorCodeResult finished;
      OutgoingBodyFinish(body, 0, 0, &finished);
    } else {
      CabiTrap();
    }
  }
}
