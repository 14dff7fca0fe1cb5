// What a response-outparam stands for while ServeHttp runs: the sink and what has happened to
// it, shared by the outparam, the response body's destination and ServeHttp itself.
#pragma once

#include <memory>
#include <optional>

#include "wasi/http/http_state.h"
#include "wasi/http/serve.h"

namespace wcloud::wasi::http {

struct ServeExchange : std::enable_shared_from_this<ServeExchange> {
  std::shared_ptr<ResponseSink> sink;
  bool set = false;        // response-outparam.set was called
  bool head_sent = false;  // Start succeeded
  bool finished = false;   // Finish was called
  bool failed = false;     // Fail was called
  bool closed = false;     // ServeHttp returned: the sink is no longer ours to call
  std::optional<ErrorCode> guest_error;

  bool done() const { return finished || failed || closed; }
  void Fail(const ErrorCode& error);
};

// response-outparam.set(ok(response)): sends the head and binds the body to the sink.
void SetResponse(ServeExchange& exchange, OutgoingResponse response);
// response-outparam.set(err(code)).
void SetError(ServeExchange& exchange, ErrorCode error);

}  // namespace wcloud::wasi::http
