// The wasi:http@0.2.12 and wasi:io@0.2.12 imports the hand-written HTTP guests use, with their
// core signatures spelled out (results of more than one flat value go through a return pointer,
// laid out as the canonical ABI stores the result type).
#ifndef WCLOUD_TEST_COMPONENTS_WASI_HTTP_H_
#define WCLOUD_TEST_COMPONENTS_WASI_HTTP_H_

#include "cabi.h"

#define HTTP_TYPES(name) IMPORT("wasi:http/types@0.2.12", name)
#define IO_STREAMS(name) IMPORT("wasi:io/streams@0.2.12", name)
#define IO_ERROR(name) IMPORT("wasi:io/error@0.2.12", name)
#define INCOMING_HANDLER(name) EXPORT("wasi:http/incoming-handler@0.2.12#" name)

// result<own<T>> and result<own<T>, E> for enum-like E: tag u8 @0, payload @4.
typedef struct HandleResult {
  uint8_t tag;  // 0 ok
  uint32_t handle;
} HandleResult;

// result<_, header-error>: tag @0, header-error tag @1.
typedef struct HeaderResult {
  uint8_t tag;
  uint8_t error;
} HeaderResult;

// result<_, stream-error>: tag @0, stream-error tag @4 (0 last-operation-failed, 1 closed),
// io-error handle @8.
typedef struct WriteResult {
  uint8_t tag;
  uint8_t error_tag;
  uint32_t error;
} WriteResult;

// result<list<u8>, stream-error>: tag @0, then the list @4 or the stream-error tag @4 and the
// io-error handle @8.
typedef struct ReadResult {
  uint8_t tag;
  union {
    Str bytes;
    struct {
      uint8_t tag;
      uint32_t error;
    } error;
  } payload;
} ReadResult;
_Static_assert(offsetof(ReadResult, payload) == 4 && sizeof(ReadResult) == 12, "read result");

// method: tag @0 (0 get ... 8 patch, 9 other), other's string @4.
typedef struct Method {
  uint8_t tag;
  Str other;
} Method;

// option<string>: tag @0, string @4.
typedef struct OptionStr {
  uint8_t tag;
  Str value;
} OptionStr;

// list<tuple<field-name, field-value>> elements: (string, list<u8>).
typedef struct FieldEntry {
  Str name;
  Str value;
} FieldEntry;

// result<_, error-code>: error-code's largest payload is 16 bytes at alignment 8, so the result
// is at most 32 bytes; the guests only read the tag.
typedef struct ErrorCodeResult {
  uint8_t tag;
  uint8_t rest[31];
} __attribute__((aligned(8))) ErrorCodeResult;

HTTP_TYPES("[constructor]fields") uint32_t FieldsNew(void);
HTTP_TYPES("[method]fields.append")
void FieldsAppend(uint32_t self, const uint8_t* name, uint32_t name_len, const uint8_t* value,
                  uint32_t value_len, HeaderResult* ret);
HTTP_TYPES("[method]fields.entries") void FieldsEntries(uint32_t self, Str* ret);
HTTP_TYPES("[resource-drop]fields") void FieldsDrop(uint32_t handle);

HTTP_TYPES("[method]incoming-request.method") void IncomingRequestMethod(uint32_t self, Method*);
HTTP_TYPES("[method]incoming-request.path-with-query")
void IncomingRequestPath(uint32_t self, OptionStr* ret);
HTTP_TYPES("[method]incoming-request.headers") uint32_t IncomingRequestHeaders(uint32_t self);
HTTP_TYPES("[method]incoming-request.consume")
void IncomingRequestConsume(uint32_t self, HandleResult* ret);
HTTP_TYPES("[resource-drop]incoming-request") void IncomingRequestDrop(uint32_t handle);

HTTP_TYPES("[method]incoming-body.stream") void IncomingBodyStream(uint32_t self, HandleResult*);
HTTP_TYPES("[static]incoming-body.finish") uint32_t IncomingBodyFinish(uint32_t body);
HTTP_TYPES("[resource-drop]future-trailers") void FutureTrailersDrop(uint32_t handle);

HTTP_TYPES("[constructor]outgoing-response") uint32_t OutgoingResponseNew(uint32_t headers);
HTTP_TYPES("[method]outgoing-response.set-status-code")
uint32_t OutgoingResponseSetStatus(uint32_t self, uint32_t status);
HTTP_TYPES("[method]outgoing-response.body")
void OutgoingResponseBody(uint32_t self, HandleResult* ret);
HTTP_TYPES("[method]outgoing-body.write") void OutgoingBodyWrite(uint32_t self, HandleResult*);
HTTP_TYPES("[static]outgoing-body.finish")
void OutgoingBodyFinish(uint32_t body, uint32_t trailers_tag, uint32_t trailers,
                        ErrorCodeResult* ret);

// result<outgoing-response, error-code> flattens to (tag, then error-code's joined slots):
// i32, i32, i64, i32, i32, i32, i32 after the outparam; an ok response uses the first slot.
HTTP_TYPES("[static]response-outparam.set")
void ResponseOutparamSet(uint32_t param, uint32_t tag, uint32_t p0, uint32_t p1, uint64_t p2,
                         uint32_t p3, uint32_t p4, uint32_t p5, uint32_t p6);

IO_STREAMS("[method]input-stream.blocking-read")
void InputStreamBlockingRead(uint32_t self, uint64_t len, ReadResult* ret);
IO_STREAMS("[resource-drop]input-stream") void InputStreamDrop(uint32_t handle);
// At most 4096 bytes per call (the wasi:io contract for blocking-write-and-flush).
IO_STREAMS("[method]output-stream.blocking-write-and-flush")
void OutputStreamBlockingWriteAndFlush(uint32_t self, const uint8_t* ptr, uint32_t len,
                                       WriteResult* ret);
IO_STREAMS("[resource-drop]output-stream") void OutputStreamDrop(uint32_t handle);
IO_ERROR("[resource-drop]error") void IoErrorDrop(uint32_t handle);

#endif  // WCLOUD_TEST_COMPONENTS_WASI_HTTP_H_
