// http_loop: wasi:http/incoming-handler@0.2.12 by hand (see wit/world.wit for the contract).
#include "wasi_http.h"

IMPORT("wasi:clocks/monotonic-clock@0.2.12", "subscribe-duration")
uint32_t SubscribeDuration(uint64_t nanoseconds);
IMPORT("wasi:io/poll@0.2.12", "[method]pollable.block") void PollableBlock(uint32_t self);
IMPORT("wasi:io/poll@0.2.12", "[resource-drop]pollable") void PollableDrop(uint32_t handle);

// Written on every turn of the spin loops, so the compiler keeps them.
static volatile uint32_t spins;

static _Noreturn void Spin(void) {
  for (;;) spins++;
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

static int Is(Str s, const char* text) {
  uint32_t rest;
  return StartsWith(s, text, &rest) && rest == s.len;
}

// Sends a 200 head; returns the body's output stream and sets *body.
static uint32_t Respond(uint32_t outparam, uint32_t* body) {
  uint32_t headers = FieldsNew();
  HeaderResult r;
  FieldsAppend(headers, (const uint8_t*)"content-type", 12, (const uint8_t*)"text/plain", 10, &r);
  if (r.tag != 0) CabiTrap();
  uint32_t response = OutgoingResponseNew(headers);
  if (OutgoingResponseSetStatus(response, 200) != 0) CabiTrap();
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

static void Write(uint32_t stream, const uint8_t* bytes, uint32_t len) {
  WriteResult w;
  OutputStreamBlockingWriteAndFlush(stream, bytes, len, &w);
  if (w.tag != 0) CabiTrap();
}

static void Finish(uint32_t stream, uint32_t body) {
  OutputStreamDrop(stream);
  ErrorCodeResult finished;
  OutgoingBodyFinish(body, 0, 0, &finished);
  if (finished.tag != 0) CabiTrap();
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  OptionStr path;
  IncomingRequestPath(request, &path);
  if (!path.tag) CabiTrap();
  IncomingRequestDrop(request);
  if (Is(path.value, "/loop")) Spin();

  uint32_t digits = 0;
  const int sleep = StartsWith(path.value, "/sleep/", &digits);
  if (sleep) {  // before the head, so a deadline here can still be answered with a status
    uint64_t ms = 0;
    for (uint32_t i = digits; i < path.value.len; i++) {
      uint8_t c = path.value.ptr[i];
      if (c < '0' || c > '9') CabiTrap();
      ms = ms * 10 + (c - '0');
    }
    uint32_t pollable = SubscribeDuration(ms * 1000000);
    PollableBlock(pollable);
    PollableDrop(pollable);
  }

  uint32_t body;
  uint32_t out = Respond(outparam, &body);
  if (Is(path.value, "/loop-body")) {
    Write(out, (const uint8_t*)"partial", 7);
    Spin();
  } else if (sleep) {
    Write(out, (const uint8_t*)"slept ", 6);
    Write(out, path.value.ptr + digits, path.value.len - digits);
    Write(out, (const uint8_t*)"\n", 1);
  } else {
    Write(out, (const uint8_t*)"http_loop ok\n", 13);
  }
  CabiFree(path.value.ptr);
  Finish(out, body);
}
