// The serving seam: how the host's network server hands one request to a component's
// wasi:http/incoming-handler.handle and gets the response back, streaming both ways.
//
// Threading: ServeHttp runs the guest on the calling thread, and every ResponseSink call is made
// on that thread, before ServeHttp returns. The request body stream is read on that thread too;
// it is the server's to make thread-safe towards its own I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "component/component_instance.h"
#include "util/result.h"
#include "wasi/http/fields.h"
#include "wasi/http/http_error.h"
#include "wasi/streams.h"

namespace wcloud::wasi::http {

struct IncomingRequestData {
  std::string method;           // as received: "GET", "PATCH", "PURGE"
  std::string scheme;           // "http", "https"; empty: none
  std::string authority;        // "example.com:8080" (the Host header); empty: none
  std::string path_with_query;  // "/a/b?c=d"; empty: none
  FieldList headers;            // in order, duplicates kept (names are lower-cased for the guest)
  // Set instead of `headers`: gives them when the guest first asks, or before ServeHttp returns
  // while the guest still holds the request, so that it may refer to the server's request for
  // the length of the call. Most guests never ask, and the copy is saved.
  std::function<FieldList()> headers_source;
  // The body; nullptr: empty. Read() returns what has arrived (possibly nothing), Subscribe()'s
  // pollable must wait on a file descriptor or deadline, and the end is StreamError::Closed. A
  // failure's message may start with an error-code name ("HTTP-request-body-size: ...") for
  // the guest's http-error-code.
  std::shared_ptr<InputStream> body;
  // Called once the body returned Closed: its trailers (empty when none). nullptr: none. It is
  // called only while `body` is alive, so it may refer to it without owning it.
  std::function<FieldList()> trailers;
};

// Where the guest's response goes. ServeHttp calls, in order: Start at most once, then Body()'s
// stream any number of times, then exactly one of Finish or Fail; or only Fail (the guest gave
// no response, an error-code, or trapped before the head). Nothing is called after ServeHttp
// returns.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Sends the head. An Error (the client went away) makes the guest's body writes fail.
  virtual Status Start(uint16_t status, const FieldList& headers) = 0;
  // The body, valid after Start: CheckWrite() is the room in the server's buffer (0 while it is
  // full: backpressure), Subscribe()'s pollable waits on a file descriptor for room.
  virtual std::shared_ptr<OutputStream> Body() = 0;
  // The body is complete; trailers may be empty.
  virtual Status Finish(const FieldList& trailers) = 0;
  // No complete response: before Start, answer with an error status (500 for a guest that
  // trapped or set none; the server may map `error`, e.g. 504 for a timeout); after Start,
  // abort the response so the client sees it broke (close the connection mid-body).
  virtual void Fail(const ErrorCode& error) = 0;
};

struct ServeOutcome {
  enum class Kind {
    kResponded,       // head and whole body sent (Finish called)
    kGuestError,      // the guest set an error-code; `error` holds it; Fail called
    kNoResponse,      // handle returned without setting the response-outparam; Fail called
    kBodyIncomplete,  // the head went out but the body was dropped or left unfinished, or
                      // broke its Content-Length; Fail called (the response is aborted)
  };
  Kind kind = Kind::kResponded;
  bool head_sent = false;
  std::optional<ErrorCode> error;
};

// The incoming handler of `instance` (wasi:http/incoming-handler@0.2.x#handle), or nullptr.
const component::ExportedFunc* FindIncomingHandler(component::ComponentInstance& instance);

// Serves one request: creates its incoming-request and response-outparam in the instance's
// HTTP state, calls `handle` and completes `sink`. An Error when handle could not be called or
// trapped (the engine's error: wasm::IsTrap, ErrorCode::kDeadlineExceeded, ...): the sink
// has been failed then too (a 500 before the head, an abort after), and the instance is
// poisoned. The instance must have WASI and wasi:http attached (AttachWasi, AttachWasiHttp).
Result<ServeOutcome> ServeHttp(component::ComponentInstance& instance,
                               const component::ExportedFunc& handle, IncomingRequestData request,
                               std::shared_ptr<ResponseSink> sink);

}  // namespace wcloud::wasi::http
