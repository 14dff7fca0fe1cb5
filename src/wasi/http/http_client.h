// The client behind wasi:http/outgoing-handler: HTTP/1.1 over libcurl's multi interface on one
// thread of its own, with keep-alive connections reused across requests (one connection cache per
// client, so one client per host process or per workload shares its pool) and TLS verified
// against the system's CAs. Bodies stream both ways through BodyPipes: the request body is read
// as the guest writes it, the response body is received as the guest reads it, and a full or
// empty pipe pauses the transfer rather than buffering.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "util/mutex.h"
#include "util/result.h"
#include "wasi/expected.h"
#include "wasi/http/body_pipe.h"
#include "wasi/http/fields.h"
#include "wasi/http/http_error.h"
#include "wasi/poll.h"

namespace wcloud::wasi::http {

// request-options, in nanoseconds (wasi:clocks duration); unset: the client's defaults.
struct RequestTimeouts {
  std::optional<uint64_t> connect_ns;
  std::optional<uint64_t> first_byte_ns;
  std::optional<uint64_t> between_bytes_ns;
};

struct ClientRequest {
  std::string method;  // "GET", or any token
  std::string url;     // "https://example.com:8443/path?query"
  FieldList headers;   // checked fields; Content-Length is taken from body_length instead
  std::shared_ptr<BodyPipe> body;       // nullptr: no body
  std::optional<uint64_t> body_length;  // known: sent with Content-Length, else chunked
  RequestTimeouts timeouts;
};

struct ClientResponse {
  uint16_t status = 0;
  FieldList headers;               // hop-by-hop fields removed: the body arrives decoded
  std::shared_ptr<BodyPipe> body;  // ends with the response's trailers
};

// future-incoming-response's state: resolved by the client's thread when the response head
// arrives or the request fails.
class ResponseFuture : public std::enable_shared_from_this<ResponseFuture> {
 public:
  static Result<std::shared_ptr<ResponseFuture>> Create();

  bool Ready();
  std::shared_ptr<Pollable> Subscribe();
  // The response or error once ready, the first time; nullopt before, and after it was taken.
  std::optional<Expected<ClientResponse, ErrorCode>> Take();

  void Resolve(Expected<ClientResponse, ErrorCode> result);

 private:
  class FuturePollable;
  explicit ResponseFuture(std::shared_ptr<Waker> waker) : waker_(std::move(waker)) {}
  std::shared_ptr<Waker> waker_;
  Mutex mu_;
  std::optional<Expected<ClientResponse, ErrorCode>> result_ GUARDED_BY(mu_);
  bool resolved_ GUARDED_BY(mu_) = false;
};

class HttpClient {
 public:
  struct Options {
    // Bytes a response body holds before the transfer pauses until the guest reads.
    size_t body_buffer_bytes = 64 * 1024;
    // PEM bundle of trusted CAs; empty: the system's.
    std::string ca_file;
    // Used when request-options leave a timeout unset (wasmtime's defaults).
    uint64_t default_connect_timeout_ns = 600'000'000'000;
    uint64_t default_first_byte_timeout_ns = 600'000'000'000;
    uint64_t default_between_bytes_timeout_ns = 600'000'000'000;
  };

  // Starts the client's thread.
  static Result<std::shared_ptr<HttpClient>> Create(Options options);
  static Result<std::shared_ptr<HttpClient>> Create() { return Create(Options()); }
  // Stops the thread; transfers still running fail.
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Starts `request`. The returned handle resolves like `future`; destroying it before the
  // response head arrived cancels the transfer.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual ResponseFuture& future() = 0;
  };
  Result<std::unique_ptr<Pending>> Send(ClientRequest request);

  // Connections opened so far, for tests of connection reuse.
  uint64_t connections_opened() const;

  class Core;

 private:
  explicit HttpClient(std::shared_ptr<Core> core) : core_(std::move(core)) {}
  std::shared_ptr<Core> core_;
};

}  // namespace wcloud::wasi::http
