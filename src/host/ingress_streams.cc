#include "host/ingress_streams.h"

#include <poll.h>

namespace wcloud::host {
namespace {

// Ready while the exchange's readiness fd is readable.
class FdPollable : public wasi::Pollable {
 public:
  explicit FdPollable(int fd) : fd_(fd) {}
  bool Ready() override {
    if (fd_ < 0) return true;  // a failed exchange: the next operation reports the error
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
  wasi::WaitSource Source() override { return {fd_, POLLIN, std::nullopt}; }

 private:
  int fd_;
};

}  // namespace

wasi::StreamResult<std::vector<uint8_t>> IngressBodyStream::Read(uint64_t len) {
  if (ended_) return wasi::StreamError::Closed();
  auto read = body_.TryRead(static_cast<size_t>(std::min<uint64_t>(len, wasi::kMaxReadBytes)));
  if (!read) return wasi::StreamError::Failed(read.error().message());
  switch (read->kind) {
    case ingress::BodyReadKind::kData:
      return std::vector<uint8_t>(read->bytes.begin(), read->bytes.end());
    case ingress::BodyReadKind::kWouldBlock:
      return std::vector<uint8_t>();
    case ingress::BodyReadKind::kEnd:
      ended_ = true;
      return wasi::StreamError::Closed();
  }
  return wasi::StreamError::Failed("unexpected body state");
}

std::shared_ptr<wasi::Pollable> IngressBodyStream::Subscribe() {
  auto fd = body_.ReadyFd();
  return std::make_shared<FdPollable>(fd ? *fd : -1);
}

wasi::StreamResult<uint64_t> IngressResponseStream::CheckWrite() {
  auto n = writer_->CheckWrite();
  if (!n) return wasi::StreamError::Failed(n.error().message());
  return static_cast<uint64_t>(*n);
}

wasi::StreamStatus IngressResponseStream::Write(std::span<const uint8_t> bytes) {
  Status s =
      writer_->Write(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (!s) return wasi::StreamError::Failed(s.error().message());
  return wasi::StreamOk();
}

// The writer sends as fast as the socket takes it; CheckWrite reports the room left.
wasi::StreamStatus IngressResponseStream::Flush() { return wasi::StreamOk(); }

std::shared_ptr<wasi::Pollable> IngressResponseStream::Subscribe() {
  auto fd = writer_->ReadyFd();
  return std::make_shared<FdPollable>(fd ? *fd : -1);
}

}  // namespace wcloud::host
