// http_log: http_hello that writes to stdout and stderr (see wit/world.wit for the contract).
#include "wasi_http.h"

IMPORT("wasi:cli/stdout@0.2.12", "get-stdout") uint32_t GetStdout(void);
IMPORT("wasi:cli/stderr@0.2.12", "get-stderr") uint32_t GetStderr(void);

static const char kBody[] = "logged\n";
static uint32_t requests;

static uint32_t Decimal(uint32_t n, uint8_t* out) {
  uint8_t digits[10];
  uint32_t len = 0;
  do {
    digits[len++] = (uint8_t)('0' + n % 10);
    n /= 10;
  } while (n);
  for (uint32_t i = 0; i < len; ++i) out[i] = digits[len - 1 - i];
  return len;
}

static void Write(uint32_t stream, const uint8_t* text, uint32_t len) {
  WriteResult w;
  OutputStreamBlockingWriteAndFlush(stream, text, len, &w);
  if (w.tag != 0) CabiTrap();
}

static uint32_t Append(uint8_t* out, uint32_t at, const char* text) {
  while (*text) out[at++] = (uint8_t)*text++;
  return at;
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  ++requests;
  OptionStr path;
  IncomingRequestPath(request, &path);
  IncomingRequestDrop(request);

  uint8_t line[512];
  uint32_t len = Append(line, 0, "request ");
  len += Decimal(requests, line + len);
  len = Append(line, len, " path ");
  if (path.tag) {
    for (uint32_t i = 0; i < path.value.len && len < sizeof line - 1; ++i) {
      line[len++] = path.value.ptr[i];
    }
    CabiFree(path.value.ptr);
  }
  line[len++] = '\n';
  uint32_t out = GetStdout();
  Write(out, line, len / 2);  // a line in two pieces: the host joins them
  Write(out, line + len / 2, len - len / 2);
  OutputStreamDrop(out);

  uint32_t err = GetStderr();
  len = Append(line, 0, "stderr ");
  len += Decimal(requests, line + len);
  line[len++] = '\n';
  Write(err, line, len);
  OutputStreamDrop(err);

  uint32_t headers = FieldsNew();
  uint32_t response = OutgoingResponseNew(headers);
  if (OutgoingResponseSetStatus(response, 200) != 0) CabiTrap();
  HandleResult body;
  OutgoingResponseBody(response, &body);
  if (body.tag != 0) CabiTrap();
  ResponseOutparamSet(outparam, 0, response, 0, 0, 0, 0, 0, 0);
  HandleResult stream;
  OutgoingBodyWrite(body.handle, &stream);
  if (stream.tag != 0) CabiTrap();
  Write(stream.handle, (const uint8_t*)kBody, sizeof kBody - 1);
  OutputStreamDrop(stream.handle);
  ErrorCodeResult finished;
  OutgoingBodyFinish(body.handle, 0, 0, &finished);
  if (finished.tag != 0) CabiTrap();
}
