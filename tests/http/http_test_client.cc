#include "http_test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace wcloud::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string Joined(const HttpFields& fields, std::string_view name) {
  const std::string lower = Lower(name);
  std::string out;
  bool first = true;
  for (const auto& [n, v] : fields) {
    if (n != lower) continue;
    if (!first) out += ",";
    out += v;
    first = false;
  }
  return out;
}

// "name: value" into fields; false for a line without a colon.
bool ParseField(std::string_view line, HttpFields& fields) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  fields.emplace_back(Lower(line.substr(0, colon)), std::string(Trim(line.substr(colon + 1))));
  return true;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const { return Joined(headers, name); }
std::string HttpResponse::Trailer(std::string_view name) const { return Joined(trailers, name); }

HttpConnection::HttpConnection(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
}

HttpConnection::~HttpConnection() { Close(); }

void HttpConnection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool HttpConnection::Send(std::string_view bytes) {
  if (fd_ < 0) return false;
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool HttpConnection::SendChunk(std::string_view bytes) {
  if (bytes.empty()) return true;
  char size[32];
  const int len = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  return Send(std::string_view(size, static_cast<size_t>(len))) && Send(bytes) && Send("\r\n");
}

bool HttpConnection::SendLastChunk(const HttpFields& trailers) {
  std::string out = "0\r\n";
  for (const auto& [name, value] : trailers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  return Send(out);
}

bool HttpConnection::Fill(Clock::time_point deadline) {
  if (fd_ < 0) return false;
  if (offset_ > 0 && offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  }
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) return false;
    if (ready <= 0) continue;
    char chunk[64 * 1024];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;  // the end, or a reset
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

std::optional<std::string> HttpConnection::ReadLine(Clock::time_point deadline) {
  for (;;) {
    const size_t end = buffer_.find("\r\n", offset_);
    if (end != std::string::npos) {
      std::string line = buffer_.substr(offset_, end - offset_);
      offset_ = end + 2;
      return line;
    }
    if (!Fill(deadline)) return std::nullopt;
  }
}

bool HttpConnection::ReadExactly(uint64_t n, Clock::time_point deadline,
                                 const std::function<void(std::string_view)>& sink) {
  while (n > 0) {
    if (offset_ == buffer_.size() && !Fill(deadline)) return false;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(n, buffer_.size() - offset_));
    sink(std::string_view(buffer_).substr(offset_, take));
    offset_ += take;
    n -= take;
  }
  return true;
}

std::optional<HttpResponse> HttpConnection::ReadResponse(
    std::chrono::milliseconds timeout, const std::function<void(std::string_view)>& on_body) {
  const auto deadline = Clock::now() + timeout;
  HttpResponse response;
  std::optional<std::string> line;
  do {  // interim 1xx responses are skipped with their (empty) field blocks
    line = ReadLine(deadline);
    if (!line || line->size() < 12 || line->compare(0, 7, "HTTP/1.") != 0) return std::nullopt;
    response.status = std::atoi(line->c_str() + 9);
    response.headers.clear();
    for (;;) {
      auto field = ReadLine(deadline);
      if (!field) return std::nullopt;
      if (field->empty()) break;
      if (!ParseField(*field, response.headers)) return std::nullopt;
    }
  } while (response.status >= 100 && response.status < 200);

  auto sink = [&](std::string_view bytes) {
    response.body_bytes += bytes.size();
    if (on_body) {
      on_body(bytes);
    } else {
      response.body.append(bytes);
    }
  };
  const std::string length = response.Header("content-length");
  response.chunked =
      Lower(response.Header("transfer-encoding")).find("chunked") != std::string::npos;
  if (response.status == 204 || response.status == 304) {
    response.complete = true;
  } else if (response.chunked) {
    for (;;) {
      auto size_line = ReadLine(deadline);
      if (!size_line) return response;
      char* end = nullptr;
      const uint64_t size = std::strtoull(size_line->c_str(), &end, 16);
      if (end == size_line->c_str()) return response;
      if (size == 0) break;
      if (!ReadExactly(size, deadline, sink)) return response;
      auto crlf = ReadLine(deadline);
      if (!crlf || !crlf->empty()) return response;
    }
    for (;;) {
      auto field = ReadLine(deadline);
      if (!field) return response;
      if (field->empty()) break;
      if (!ParseField(*field, response.trailers)) return response;
    }
    response.complete = true;
  } else if (!length.empty()) {
    response.complete = ReadExactly(std::strtoull(length.c_str(), nullptr, 10), deadline, sink);
  } else {  // to the end of the connection
    while (Fill(deadline)) {
    }
    sink(std::string_view(buffer_).substr(offset_));
    offset_ = buffer_.size();
    response.complete = Clock::now() < deadline;
  }
  return response;
}

bool HttpConnection::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (!Fill(deadline)) return Clock::now() < deadline;
    offset_ = buffer_.size();  // whatever else arrives is ignored
  }
  return false;
}

std::string FormatRequest(std::string_view method, std::string_view target,
                          const HttpFields& headers, std::optional<std::string_view> body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
  if (body) out += "Content-Length: " + std::to_string(body->size()) + "\r\n";
  out += "\r\n";
  if (body) out.append(*body);
  return out;
}

}  // namespace wcloud::testing
