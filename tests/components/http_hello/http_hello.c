// http_hello: wasi:http/incoming-handler@0.2.12 by hand (see wit/world.wit for the contract).
#include "wasi_http.h"

static const char kBody[] = "hello from http_hello\n";

static void AppendHeader(uint32_t fields, const char* name, const char* value) {
  HeaderResult r;
  uint32_t name_len = 0, value_len = 0;
  while (name[name_len]) name_len++;
  while (value[value_len]) value_len++;
  FieldsAppend(fields, (const uint8_t*)name, name_len, (const uint8_t*)value, value_len, &r);
  if (r.tag != 0) CabiTrap();
}

INCOMING_HANDLER("handle") void Handle(uint32_t request, uint32_t outparam) {
  IncomingRequestDrop(request);

  uint32_t headers = FieldsNew();
  AppendHeader(headers, "content-type", "text/plain");
  AppendHeader(headers, "x-fixture", "http_hello");
  uint32_t response = OutgoingResponseNew(headers);  // takes the headers
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
  OutputStreamDrop(stream.handle);  // a child of the body: dropped before finishing it
  ErrorCodeResult finished;
  OutgoingBodyFinish(body.handle, 0, 0, &finished);
  if (finished.tag != 0) CabiTrap();
}
