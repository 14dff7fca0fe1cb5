// The ingress server's request bodies and responses as WASI streams, so a guest reads a request
// body and writes a response body with wasi:io like any other stream, and polls them alongside
// timers and outgoing requests (readiness comes from the exchange's eventfds).
#pragma once

#include <memory>

#include "ingress/exchange.h"
#include "wasi/streams.h"

namespace wcloud::host {

class IngressBodyStream : public wasi::InputStream {
 public:
  explicit IngressBodyStream(ingress::RequestBody body) : body_(std::move(body)) {}
  wasi::StreamResult<std::vector<uint8_t>> Read(uint64_t len) override;
  std::shared_ptr<wasi::Pollable> Subscribe() override;
  // The request's trailers, once Read reported the end (Closed).
  ingress::HeaderList trailers() const { return body_.trailers(); }
  bool ended() const { return ended_; }

 private:
  ingress::RequestBody body_;
  bool ended_ = false;
};

// The body of a response whose head the caller already started.
class IngressResponseStream : public wasi::OutputStream {
 public:
  explicit IngressResponseStream(ingress::ResponseWriter* writer) : writer_(writer) {}
  wasi::StreamResult<uint64_t> CheckWrite() override;
  wasi::StreamStatus Write(std::span<const uint8_t> bytes) override;
  wasi::StreamStatus Flush() override;
  std::shared_ptr<wasi::Pollable> Subscribe() override;

 private:
  ingress::ResponseWriter* writer_;  // owned by the exchange, which outlives the guest call
};

}  // namespace wcloud::host
