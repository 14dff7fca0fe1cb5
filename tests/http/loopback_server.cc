#include "loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace wcloud::testing {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Buffered reads from one connection; false at EOF.
class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}
  bool Line(std::string& line) {
    while (true) {
      const size_t nl = buf_.find("\r\n");
      if (nl != std::string::npos) {
        line = buf_.substr(0, nl);
        buf_.erase(0, nl + 2);
        return true;
      }
      if (!Fill()) return false;
    }
  }
  bool Bytes(size_t n, std::string& out) {
    while (buf_.size() < n) {
      if (!Fill()) return false;
    }
    out.append(buf_, 0, n);
    buf_.erase(0, n);
    return true;
  }

 private:
  bool Fill() {
    char chunk[65536];
    const ssize_t n = read(fd_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int fd_;
  std::string buf_;
};

void WriteAll(int fd, const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

void ParseField(const std::string& line, std::vector<std::pair<std::string, std::string>>& out) {
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return;
  std::string value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.erase(0, 1);
  out.emplace_back(Lower(line.substr(0, colon)), value);
}

}  // namespace

LoopbackServer::LoopbackServer() {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("loopback server: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] {
    while (!stopping_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++connections_;
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { Serve(fd); });
    }
  });
}

LoopbackServer::~LoopbackServer() {
  stopping_ = true;
  acceptor_.join();
  {
    std::lock_guard lock(mu_);
    for (int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  for (auto& w : workers_) w.join();
  for (int fd : open_fds_) close(fd);
  close(listen_fd_);
}

std::vector<ReceivedRequest> LoopbackServer::requests() {
  std::lock_guard lock(mu_);
  return requests_;
}

void LoopbackServer::Serve(int fd) {
  Reader in(fd);
  std::string line;
  while (in.Line(line)) {
    ReceivedRequest r;
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.find(' ', sp1 + 1);
    r.method = line.substr(0, sp1);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (in.Line(line) && !line.empty()) ParseField(line, r.headers);
    if (Lower(r.Header("transfer-encoding")) == "chunked") {
      r.chunked = true;
      while (in.Line(line)) {
        const size_t size = std::stoul(line, nullptr, 16);
        if (size == 0) {
          while (in.Line(line) && !line.empty()) ParseField(line, r.trailers);
          break;
        }
        if (!in.Bytes(size, r.body) || !in.Line(line)) return;
      }
    } else if (const std::string cl = r.Header("content-length"); !cl.empty()) {
      if (!in.Bytes(std::stoul(cl), r.body)) return;
    }
    {
      std::lock_guard lock(mu_);
      requests_.push_back(r);
    }
    if (r.target == "/data") {
      WriteAll(fd,
               "HTTP/1.1 200 OK\r\nX-Served-By: loopback\r\nTransfer-Encoding: chunked\r\n"
               "Trailer: x-up-trailer\r\n\r\n"
               "9\r\nupstream \r\n4\r\nbody\r\n0\r\nx-up-trailer: t\r\n\r\n");
    } else if (r.target == "/count") {
      const std::string body = "received " + std::to_string(r.body.size()) + " bytes";
      WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\n\r\n" + body);
    } else if (r.target == "/delay-head") {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
    } else if (r.target == "/big") {
      const std::string body(4 << 20, 'z');
      WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\n\r\n" + body);
    } else if (r.target == "/slow") {
      WriteAll(fd, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n");
      std::this_thread::sleep_for(std::chrono::seconds(1));
      WriteAll(fd, "late");
    } else {
      WriteAll(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    }
  }
}

}  // namespace wcloud::testing
