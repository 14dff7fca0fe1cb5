// A small HTTP/1.1 server on 127.0.0.1 for the outgoing-handler tests: keep-alive, bodies by
// Content-Length or chunked (with trailers), and a few fixed routes. It records what it got.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace wcloud::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::vector<std::pair<std::string, std::string>> trailers;
  bool chunked = false;

  std::string Header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return "";
  }
};

// Routes:
//   /data   200, X-Served-By: loopback, chunked body "upstream body" in two chunks, trailer
//           x-up-trailer: t
//   /count  200 with Content-Length, body "received <n> bytes"
//   /slow   200 head, then waits a second before the body
//   /delay-head  waits a second, then 200 with body "late"
//   /big    200 with a 4 MiB Content-Length body of 'z'
//   else    404
class LoopbackServer {
 public:
  LoopbackServer();
  ~LoopbackServer();

  uint16_t port() const { return port_; }
  std::string authority() const { return "127.0.0.1:" + std::to_string(port_); }
  int connections() const { return connections_.load(); }
  std::vector<ReceivedRequest> requests();

 private:
  void Serve(int fd);

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::vector<ReceivedRequest> requests_;
};

}  // namespace wcloud::testing
