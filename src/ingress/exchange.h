// One HTTP request/response exchange as the ingress server hands it to the runtime: the request
// head, its body as a stream, and the response as a stream. Both streams are thread-safe and
// expose readiness as a file descriptor, because guests run on their own worker threads, block
// on bodies, and poll several sources at once (wasi:io/poll).
//
// The handler receives the Exchange on an I/O thread and must not block there; it may answer
// at once (the fast path) or move the Exchange, or its body and response separately, to another
// thread and complete it there.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ingress/header_list.h"
#include "util/result.h"

namespace wcloud::ingress {

class ExchangeState;
using Deadline = std::chrono::steady_clock::time_point;

// A handler-side hold on an exchange's state. The connection reuses a state (its buffers and
// descriptors) for the next request once no hold is left, whoever still owns the memory.
class StateRef {
 public:
  StateRef() = default;
  // `primary`: the Exchange's own hold, whose release also ends deferred wake-ups.
  StateRef(std::shared_ptr<ExchangeState> state, bool primary);
  ~StateRef();
  StateRef(const StateRef& other);
  StateRef& operator=(const StateRef& other);
  StateRef(StateRef&& other) noexcept;
  StateRef& operator=(StateRef&& other) noexcept;

  ExchangeState* operator->() const { return state_.get(); }
  explicit operator bool() const { return state_ != nullptr; }

 private:
  void Release();

  std::shared_ptr<ExchangeState> state_;
  bool primary_ = false;
};

struct Request {
  std::string method;     // as sent: "GET"
  std::string target;     // path and query: "/a/b?c=d"; "*" for OPTIONS *
  std::string scheme;     // "http"
  std::string authority;  // Host header (or the absolute-form target's): "example.com:8080"
  HeaderList headers;     // as sent, Host included
  int version_minor = 1;  // HTTP/1.0 or HTTP/1.1
  std::string remote;     // peer address: "127.0.0.1:53422"
};

enum class BodyReadKind {
  kData,        // `bytes` holds at least one byte
  kWouldBlock,  // nothing yet (or the deadline passed); wait on ReadyFd
  kEnd,         // the body is complete; trailers() holds any trailers
};

struct BodyRead {
  BodyReadKind kind = BodyReadKind::kWouldBlock;
  std::string bytes;
};

// The request body. Bytes are buffered up to Options::body_buffer_bytes; past that the server
// stops reading the socket until the reader catches up, so a slow guest slows the client.
// With `Expect: 100-continue`, the first read (or ReadyFd) is what sends "100 Continue".
class RequestBody {
 public:
  RequestBody() = default;
  explicit RequestBody(std::shared_ptr<ExchangeState> state);

  // Up to `max` bytes that have arrived, without waiting. An error when the client went away,
  // the body broke the framing or the limit, or the exchange ended.
  Result<BodyRead> TryRead(size_t max);
  // Waits for bytes, the end or an error until `deadline` (kWouldBlock when it passes).
  Result<BodyRead> Read(size_t max, Deadline deadline);
  // Whether TryRead would not return kWouldBlock, without a system call.
  bool Ready();
  // Readable (POLLIN) while TryRead would not return kWouldBlock. For a caller about to wait:
  // deferred wake-ups (Exchange::DeferWakes) are sent first.
  Result<int> ReadyFd();
  // The trailers of a chunked body, once TryRead returned kEnd.
  HeaderList trailers() const;

 private:
  StateRef state_;
};

// The response. Start sends the head; with a Content-Length header the body is sent as is and
// must have exactly that many bytes, otherwise it is chunked (or, to an HTTP/1.0 client, ends
// with the connection). Hop-by-hop headers (Connection, Transfer-Encoding, ...) are the
// server's; a Date header is added unless given. Destroying an unfinished writer aborts it.
class ResponseWriter {
 public:
  ResponseWriter() = default;
  explicit ResponseWriter(std::shared_ptr<ExchangeState> state);
  ~ResponseWriter();
  ResponseWriter(ResponseWriter&&) noexcept = default;
  ResponseWriter& operator=(ResponseWriter&& other) noexcept;

  Status Start(int status, const HeaderList& headers);
  // Bytes Write can take now without exceeding the response buffer; 0 means wait on ReadyFd.
  Result<size_t> CheckWrite();
  // Queues `bytes` (staying within CheckWrite keeps memory bounded; exceeding it is allowed).
  Status Write(std::string_view bytes);
  // Writes all of `bytes`, waiting for buffer room until `deadline`.
  Status BlockingWrite(std::string_view bytes, Deadline deadline);
  // Whether CheckWrite would return nonzero or an error, without a system call.
  bool Ready();
  // Readable (POLLIN) while CheckWrite would return nonzero or an error. For a caller about to
  // wait: deferred wake-ups (Exchange::DeferWakes) are sent first.
  Result<int> ReadyFd();
  // Ends the body; trailers are sent only on a chunked response.
  Status Finish(const HeaderList& trailers = {});
  // Gives up: a 500 if nothing was sent yet, otherwise the connection is closed mid-response
  // so the client sees the failure.
  void Abort();

 private:
  StateRef state_;
};

class Exchange {
 public:
  explicit Exchange(std::shared_ptr<ExchangeState> state);

  // Valid for as long as this Exchange or its body or response lives.
  const Request& request() const { return *request_; }
  RequestBody& body() { return body_; }
  ResponseWriter& response() { return response_; }
  // When the server gives up on the handler (Options::request_timeout): it answers 504 if no
  // response was started, otherwise closes the connection, and both streams fail from then on.
  Deadline deadline() const;

  // From now on the response's progress (head, body, end) reaches the server's I/O thread in one
  // wake-up instead of one per call: when FlushWakes is called, when the handler waits on one of
  // the exchange's streams (BlockingWrite, Read, ReadyFd), and at the latest when this Exchange
  // is destroyed. For a handler on another thread that answers within one call (most guests),
  // each wake-up costs both threads system calls and a context switch.
  void DeferWakes();
  // Sends the deferred wake-up now, if any; deferring goes on. Call it before the handler blocks
  // on something else (a timer, another connection), so what it produced so far goes out.
  void FlushWakes();

 private:
  // Declared first, so it is released last: when it ends the deferral, the body and response
  // holds are gone already and the connection may reuse the state.
  StateRef state_;
  const Request* request_;
  RequestBody body_;
  ResponseWriter response_;
};

using Handler = std::function<void(Exchange)>;

}  // namespace wcloud::ingress
