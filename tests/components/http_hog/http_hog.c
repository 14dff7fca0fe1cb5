// http_hog: wasi:http/incoming-handler@0.2.12 by hand (see wit/world.wit for the contract).
#include "wasi_http.h"

enum { kPagesPerMiB = 16, kPageBytes = 65536, kHostPageBytes = 4096 };

// Grows memory by one MiB and writes to every 4 KiB of it, so the host really commits the
// memory; 0 when memory.grow refused.
static int GrowMiB(void) {
  size_t first = __builtin_wasm_memory_grow(0, kPagesPerMiB);
  if (first == (size_t)-1) return 0;
  for (size_t at = first * kPageBytes; at < (first + kPagesPerMiB) * kPageBytes;
       at += kHostPageBytes) {
    *(volatile uint8_t*)(uintptr_t)at = 1;
  }
  return 1;
}

static int StartsWith(Str s, const char* prefix, uint32_t* rest) {
  uint32_t n = 0;
  while (prefix[n]) n++;
  if (s.len < n) return 0;
  for (uint32_t i = 0; i < n; i++) {
    if (s.ptr[i] != (uint8_t)prefix[i]) return 0;
  }
  *rest = n;
  return 1;
}

static void Write(uint32_t stream, const uint8_t* bytes, uint32_t len) {
  WriteResult w;
  OutputStreamBlockingWriteAndFlush(stream, bytes, len, &w);
  if (w.tag != 0) CabiTrap();
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  OptionStr path;
  IncomingRequestPath(request, &path);
  if (!path.tag) CabiTrap();
  IncomingRequestDrop(request);
  uint32_t rest = 0;
  if (StartsWith(path.value, "/hog", &rest) && rest == path.value.len) {
    for (;;) {
      if (!GrowMiB()) CabiTrap();
    }
  }
  int grow = StartsWith(path.value, "/grow/", &rest);
  if (grow) {
    uint32_t mib = 0;
    for (uint32_t i = rest; i < path.value.len; i++) {
      uint8_t c = path.value.ptr[i];
      if (c < '0' || c > '9') CabiTrap();
      mib = mib * 10 + (c - '0');
    }
    for (uint32_t i = 0; i < mib; i++) {
      if (!GrowMiB()) CabiTrap();
    }
  }

  uint32_t headers = FieldsNew();
  HeaderResult r;
  FieldsAppend(headers, (const uint8_t*)"content-type", 12, (const uint8_t*)"text/plain", 10, &r);
  if (r.tag != 0) CabiTrap();
  uint32_t response = OutgoingResponseNew(headers);
  if (OutgoingResponseSetStatus(response, 200) != 0) CabiTrap();
  HandleResult body;
  OutgoingResponseBody(response, &body);
  if (body.tag != 0) CabiTrap();
  ResponseOutparamSet(outparam, 0, response, 0, 0, 0, 0, 0, 0);
  HandleResult out;
  OutgoingBodyWrite(body.handle, &out);
  if (out.tag != 0) CabiTrap();
  if (grow) {
    Write(out.handle, (const uint8_t*)"grew ", 5);
    Write(out.handle, path.value.ptr + rest, path.value.len - rest);
    Write(out.handle, (const uint8_t*)" MiB\n", 5);
  } else {
    Write(out.handle, (const uint8_t*)"http_hog ok\n", 12);
  }
  CabiFree(path.value.ptr);
  OutputStreamDrop(out.handle);
  ErrorCodeResult finished;
  OutgoingBodyFinish(body.handle, 0, 0, &finished);
  if (finished.tag != 0) CabiTrap();
}
