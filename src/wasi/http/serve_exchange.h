// What a response-outparam stands for while ServeHttp runs: the sink and what has happened to
// it, shared by the outparam, the response body's destination and ServeHttp itself.
#pragma once

#include <memory>
#include <optional>

#include "wasi/http/http_state.h"
#include "wasi/http/outgoing_body.h"
#include "wasi/http/serve.h"

namespace wcloud::wasi::http {

// Also the response body's destination once the response is set (one allocation for both).
struct ServeExchange : BodyDestination, std::enable_shared_from_this<ServeExchange> {
  std::shared_ptr<ResponseSink> sink;
  bool set = false;        // response-outparam.set was called
  bool head_sent = false;  // Start succeeded
  bool finished = false;   // Finish was called
  bool failed = false;     // Fail was called
  bool closed = false;     // ServeHttp returned: the sink is no longer ours to call
  std::optional<ErrorCode> guest_error;

  bool done() const { return finished || failed || closed; }

  // BodyDestination: the sink's body while the exchange is open and its head went out, a
  // closed stream otherwise.
  OutputStream& stream() override;
  Expected<std::monostate, ErrorCode> Finish(const FieldList& trailers) override;
  void Fail(const ErrorCode& error) override;

 private:
  // The body's stream once the exchange is over or its head could not be sent.
  class ClosedOutputStream : public OutputStream {
   public:
    StreamResult<uint64_t> CheckWrite() override { return StreamError::Closed(); }
    StreamStatus Write(std::span<const uint8_t>) override { return StreamError::Closed(); }
    StreamStatus Flush() override { return StreamError::Closed(); }
    std::shared_ptr<Pollable> Subscribe() override { return std::make_shared<ReadyPollable>(); }
  };
  std::shared_ptr<OutputStream> body_;
  ClosedOutputStream closed_;
};

// response-outparam.set(ok(response)): sends the head and binds the body to the sink.
void SetResponse(ServeExchange& exchange, OutgoingResponse response);
// response-outparam.set(err(code)).
void SetError(ServeExchange& exchange, ErrorCode error);

}  // namespace wcloud::wasi::http
