// The HTTP/1.1 ingress of a host: every request to a workload enters here and is handed, as an
// Exchange, to the runtime that runs the workload's wasi:http incoming-handler.
//
// Boost.Asio with one io_context per thread (no shared run queue, no strands: a connection
// lives on one thread), one acceptor handing connections round-robin to the loops, and Beast's
// incremental parser with our own framing on the way out. See bench/http/ for how it compares
// with nginx.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ingress/exchange.h"
#include "util/result.h"

namespace wcloud::ingress {

struct IngressOptions {
  std::string host = "127.0.0.1";  // an IP address; "0.0.0.0" or "::" for all
  uint16_t port = 0;               // 0 picks a free port (IngressServer::port says which)
  int threads = 0;                 // event-loop threads; 0: one per hardware thread
  int backlog = 4096;

  uint32_t max_header_bytes = 64 << 10;      // request line and fields; more is 431
  uint64_t max_body_bytes = 64 << 20;        // more is 413
  size_t body_buffer_bytes = 256 << 10;      // request bytes held for the handler before pausing
  size_t response_buffer_bytes = 256 << 10;  // response bytes queued before CheckWrite says 0

  // Between requests on a keep-alive connection (and for a stalled client while the server
  // writes or drains a body).
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(60)};
  // From a request's first byte to the end of its head: slowloris clients get 408.
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  // From the end of the head until the handler finishes the response (Exchange::deadline):
  // a 504 if it has not started one, otherwise the connection is closed.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(60)};
  // After answering with Connection: close, how long unread request bytes are drained so the
  // client reads the response instead of a reset.
  std::chrono::milliseconds linger_timeout{std::chrono::seconds(2)};
};

class IngressServer {
 public:
  using Options = IngressOptions;

  // Binds, listens and starts the loops. `handler` runs on the loop threads, once per request.
  static Result<std::unique_ptr<IngressServer>> Start(Options options, Handler handler);
  ~IngressServer();  // Stop with no drain time
  IngressServer(const IngressServer&) = delete;
  IngressServer& operator=(const IngressServer&) = delete;

  uint16_t port() const;
  // Stops accepting (connections already waiting in the backlog are still taken), closes idle
  // connections, lets in-flight requests finish (each response then says Connection: close and
  // ends its connection) for up to `drain`, then closes the rest and joins the threads. A
  // request sent before Stop is in flight even if the server has not read it yet. Exchanges
  // still held by handlers fail from then on.
  void Stop(std::chrono::milliseconds drain = std::chrono::seconds(10));

  class Impl;

 private:
  explicit IngressServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace wcloud::ingress
