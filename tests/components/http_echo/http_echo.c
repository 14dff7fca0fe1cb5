// http_echo: wasi:http/incoming-handler@0.2.12 by hand (see wit/world.wit for the contract).
#include "wasi_http.h"

enum { kChunk = 4096 };

static uint32_t Length(const char* s) {
  uint32_t n = 0;
  while (s[n]) n++;
  return n;
}

static void Append(uint32_t fields, const uint8_t* name, uint32_t name_len, const uint8_t* value,
                   uint32_t value_len) {
  HeaderResult r;
  FieldsAppend(fields, name, name_len, value, value_len, &r);
  if (r.tag != 0) CabiTrap();
}

static void AppendText(uint32_t fields, const char* name, const uint8_t* value, uint32_t len) {
  Append(fields, (const uint8_t*)name, Length(name), value, len);
}

static Str MethodName(uint32_t request) {
  static const char* const kNames[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                       "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  Method m;
  IncomingRequestMethod(request, &m);
  if (m.tag == 9) return m.other;  // in our heap; CabiFree ignores the static names
  if (m.tag > 9) CabiTrap();
  return (Str){(uint8_t*)kNames[m.tag], Length(kNames[m.tag])};
}

// Copies the request's method, path and headers into `response_headers` as x-echo-* fields.
static void EchoHead(uint32_t request, uint32_t response_headers) {
  static const char kFixture[] = "http_echo";
  AppendText(response_headers, "x-fixture", (const uint8_t*)kFixture, sizeof kFixture - 1);

  Str method = MethodName(request);
  AppendText(response_headers, "x-echo-method", method.ptr, method.len);
  CabiFree(method.ptr);

  OptionStr path;
  IncomingRequestPath(request, &path);
  if (path.tag) {
    AppendText(response_headers, "x-echo-path", path.value.ptr, path.value.len);
    CabiFree(path.value.ptr);
  } else {
    AppendText(response_headers, "x-echo-path", (const uint8_t*)"", 0);
  }

  static const char kPrefix[] = "x-echo-header-";
  const uint32_t prefix_len = sizeof kPrefix - 1;
  uint32_t request_headers = IncomingRequestHeaders(request);
  Str list;
  FieldsEntries(request_headers, &list);
  FieldsDrop(request_headers);  // a child of the request: dropped before the request is
  FieldEntry* entries = (FieldEntry*)list.ptr;
  for (uint32_t i = 0; i < list.len; i++) {
    uint32_t len = prefix_len + entries[i].name.len;
    uint8_t* name = CabiAlloc(len);
    memcpy(name, kPrefix, prefix_len);
    memcpy(name + prefix_len, entries[i].name.ptr, entries[i].name.len);
    Append(response_headers, name, len, entries[i].value.ptr, entries[i].value.len);
    CabiFree(name);
    CabiFree(entries[i].name.ptr);
    CabiFree(entries[i].value.ptr);
  }
  CabiFree(list.ptr);
}

// Reads the request body to its end, writing each chunk to `out` as it arrives.
static void EchoBody(uint32_t request, uint32_t out) {
  HandleResult body;
  IncomingRequestConsume(request, &body);
  if (body.tag != 0) CabiTrap();
  HandleResult in;
  IncomingBodyStream(body.handle, &in);
  if (in.tag != 0) CabiTrap();
  for (;;) {
    ReadResult r;
    InputStreamBlockingRead(in.handle, kChunk, &r);
    if (r.tag != 0) {
      if (r.payload.error.tag == 0) IoErrorDrop(r.payload.error.error);  // failed, not closed
      break;
    }
    if (r.payload.bytes.len > 0) {
      WriteResult w;
      OutputStreamBlockingWriteAndFlush(out, r.payload.bytes.ptr, r.payload.bytes.len, &w);
      if (w.tag != 0) CabiTrap();
    }
    CabiFree(r.payload.bytes.ptr);
  }
  InputStreamDrop(in.handle);  // a child of the body: dropped before finishing it
  FutureTrailersDrop(IncomingBodyFinish(body.handle));
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  uint32_t headers = FieldsNew();
  EchoHead(request, headers);
  uint32_t response = OutgoingResponseNew(headers);  // takes the headers
  if (OutgoingResponseSetStatus(response, 200) != 0) CabiTrap();
  HandleResult body;
  OutgoingResponseBody(response, &body);
  if (body.tag != 0) CabiTrap();
  ResponseOutparamSet(outparam, 0, response, 0, 0, 0, 0, 0, 0);

  HandleResult out;
  OutgoingBodyWrite(body.handle, &out);
  if (out.tag != 0) CabiTrap();
  EchoBody(request, out.handle);
  IncomingRequestDrop(request);
  OutputStreamDrop(out.handle);  // a child of the body: dropped before finishing it
  ErrorCodeResult finished;
  OutgoingBodyFinish(body.handle, 0, 0, &finished);
  if (finished.tag != 0) CabiTrap();
}
