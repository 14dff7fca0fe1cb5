// An HTTP/1.1 server (optionally TLS) for control-plane endpoints: the embedded Kubernetes API
// server and host health. Keep-alive, bounded request sizes, idle timeouts, and streamed
// (chunked) responses that other threads feed — what watch requests need. Not the wasi:http
// ingress, which has its own server tuned for guests.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "util/result.h"
#include "util/tls_certificates.h"

namespace wcloud {

struct HttpRequest {
  std::string method;                        // "GET"
  std::string target;                        // "/api/v1/namespaces?limit=5": path and query as sent
  std::string path;                          // "/api/v1/namespaces", percent-decoded
  std::map<std::string, std::string> query;  // decoded; the last of repeated keys wins
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  std::string remote;  // "127.0.0.1:53422"

  std::string Header(const std::string& lowercase_name) const {
    auto it = headers.find(lowercase_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Query(const std::string& key) const {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  }
};

// The body of a streamed response. Thread-safe. The server notices a client that goes away while
// the stream is open (it keeps reading the connection), and the connection closes when the
// stream ends.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Queues a chunk; false once the client has gone or Close was called. A stream whose queue
  // passes the server's max_stream_buffer_bytes (a client that stopped reading) is ended.
  virtual bool Write(std::string chunk) = 0;
  // Ends the response (the last chunk).
  virtual void Close() = 0;
  virtual bool closed() const = 0;
  // Bytes queued by Write and not yet sent. A writer that follows a slow client stops writing
  // above its own mark and resumes when the listener says bytes went out.
  virtual size_t pending_bytes() const = 0;
  // Called on a server thread whenever queued bytes were sent and when the stream ends, for
  // whatever reason; replaces the previous listener. Must not block.
  virtual void SetListener(std::function<void()> listener) = 0;
};

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the response is sent chunked and this is called (on a server thread, after the
  // headers are queued) with the stream to write the body to, from any thread, until Close.
  std::function<void(std::shared_ptr<ResponseStream>)> stream;

  static HttpResponse Text(int status, std::string body,
                           std::string content_type = "text/plain; charset=utf-8") {
    HttpResponse r;
    r.status = status;
    r.headers.emplace_back("Content-Type", std::move(content_type));
    r.body = std::move(body);
    return r;
  }
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
    std::optional<PemKeyPair> tls;       // serve HTTPS with this certificate
    int threads = 2;
    size_t max_header_bytes = 1 << 20;
    size_t max_body_bytes = 3 << 20;  // the Kubernetes API server's default request limit
    int idle_timeout_seconds = 120;
    size_t max_stream_buffer_bytes = 16 << 20;  // queued for one streamed response
  };

  // Binds and starts serving on background threads; the handler may run on any of them.
  static Result<std::unique_ptr<HttpServer>> Start(Options options, HttpHandler handler);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;
  // Stops accepting, closes connections (ending open streams) and joins the threads.
  virtual void Stop() = 0;
};

}  // namespace wcloud
