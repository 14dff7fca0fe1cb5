// http_trap: wasi:http/incoming-handler@0.2.12 by hand (see wit/world.wit for the contract).
#include "wasi_http.h"

static const char kBody[] = "http_trap ok\n";

// Requests this instance has seen: what makes pooling and retiring visible from outside.
static uint32_t invocations;

static int PathIs(uint32_t request, const char* want) {
  OptionStr path;
  IncomingRequestPath(request, &path);
  if (!path.tag) return 0;
  uint32_t n = 0;
  while (want[n]) n++;
  int same = path.value.len == n;
  for (uint32_t i = 0; same && i < n; i++) same = path.value.ptr[i] == (uint8_t)want[i];
  CabiFree(path.value.ptr);
  return same;
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  invocations++;
  if (PathIs(request, "/trap")) CabiTrap();  // the request and outparam are still owned
  IncomingRequestDrop(request);

  uint32_t headers = FieldsNew();
  HeaderResult r;
  FieldsAppend(headers, (const uint8_t*)"content-type", 12, (const uint8_t*)"text/plain", 10, &r);
  if (r.tag != 0) CabiTrap();
  uint8_t digits[10];
  uint32_t len = 0;
  for (uint32_t n = invocations; n; n /= 10) len++;
  for (uint32_t n = invocations, i = len; i > 0; n /= 10) digits[--i] = (uint8_t)('0' + n % 10);
  FieldsAppend(headers, (const uint8_t*)"x-invocation", 12, digits, len, &r);
  if (r.tag != 0) CabiTrap();
  uint32_t response = OutgoingResponseNew(headers);
  if (OutgoingResponseSetStatus(response, 200) != 0) CabiTrap();
  HandleResult body;
  OutgoingResponseBody(response, &body);
  if (body.tag != 0) CabiTrap();
  ResponseOutparamSet(outparam, 0, response, 0, 0, 0, 0, 0, 0);
  HandleResult stream;
  OutgoingBodyWrite(body.handle, &stream);
  if (stream.tag != 0) CabiTrap();
  WriteResult w;
  OutputStreamBlockingWriteAndFlush(stream.handle, (const uint8_t*)kBody, sizeof kBody - 1, &w);
  if (w.tag != 0) CabiTrap();
  OutputStreamDrop(stream.handle);
  ErrorCodeResult finished;
  OutgoingBodyFinish(body.handle, 0, 0, &finished);
  if (finished.tag != 0) CabiTrap();
}
