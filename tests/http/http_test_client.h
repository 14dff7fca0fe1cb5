// A raw HTTP/1.1 client for tests that must control the bytes on the wire: keep-alive
// connections, chunked request bodies written piece by piece, malformed requests, and responses
// parsed strictly (Content-Length, chunked with trailers, or to the connection's end) so a
// broken or truncated response is visible as such.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wcloud::testing {

using HttpFields = std::vector<std::pair<std::string, std::string>>;  // names lower-cased

struct HttpResponse {
  int status = 0;
  HttpFields headers;
  std::string body;  // empty when the body went to a callback
  uint64_t body_bytes = 0;
  HttpFields trailers;
  bool chunked = false;
  // The body ended where its framing says; false when the connection closed or broke first.
  bool complete = false;

  // The values of `name` joined with ","; empty when absent.
  std::string Header(std::string_view name) const;
  std::string Trailer(std::string_view name) const;
};

class HttpConnection {
 public:
  // Connects to 127.0.0.1:port; connected() says whether it worked.
  explicit HttpConnection(int port);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Writes all of `bytes`; false when the peer is gone.
  bool Send(std::string_view bytes);
  // Sends one chunk of a chunked body (an empty `bytes` sends nothing: use SendLastChunk).
  bool SendChunk(std::string_view bytes);
  bool SendLastChunk(const HttpFields& trailers = {});
  // Reads one response. Body bytes go to `on_body` if given, otherwise into body. nullopt when
  // no complete head arrived before `timeout` or the connection closed first.
  std::optional<HttpResponse> ReadResponse(
      std::chrono::milliseconds timeout = std::chrono::seconds(30),
      const std::function<void(std::string_view)>& on_body = nullptr);
  // True when the server closed the connection (reads end) within `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout);
  // Closes our end (a server lingering after Connection: close waits for this).
  void Close();

 private:
  // Fills buffer_ with more bytes; false on end of stream, error or the deadline.
  bool Fill(std::chrono::steady_clock::time_point deadline);
  // A line ending in CRLF (without it) from buffer_; nullopt as Fill.
  std::optional<std::string> ReadLine(std::chrono::steady_clock::time_point deadline);
  // Exactly n bytes, passed to `sink` as they arrive; false as Fill.
  bool ReadExactly(uint64_t n, std::chrono::steady_clock::time_point deadline,
                   const std::function<void(std::string_view)>& sink);

  int fd_ = -1;
  std::string buffer_;
  size_t offset_ = 0;  // unread bytes start here
};

// "GET /path HTTP/1.1" with Host and `headers`, and a Content-Length body when `body` is set.
std::string FormatRequest(std::string_view method, std::string_view target,
                          const HttpFields& headers = {},
                          std::optional<std::string_view> body = std::nullopt);

}  // namespace wcloud::testing
