#include "host/ingress_streams.h"

#include <poll.h>

#include <type_traits>

namespace wcloud::host {
namespace {

// Readiness comes from the exchange's state under its lock; the eventfd is made (and deferred
// wake-ups are sent) only once the guest really waits, which a small response never does.
template <typename Stream>
class ExchangePollable : public wasi::Pollable {
 public:
  explicit ExchangePollable(Stream stream) : stream_(std::move(stream)) {}
  bool Ready() override { return failed_ || Target().Ready(); }
  wasi::WaitSource Source() override {
    auto fd = Target().ReadyFd();
    if (!fd) {
      // The next operation on the stream reports what broke; ends the wait at once.
      failed_ = true;
      return {-1, 0, 0};
    }
    return {*fd, POLLIN, std::nullopt};
  }

 private:
  auto& Target() {
    if constexpr (std::is_pointer_v<Stream>) {
      return *stream_;
    } else {
      return stream_;
    }
  }
  Stream stream_;
  bool failed_ = false;
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
  return std::make_shared<ExchangePollable<ingress::RequestBody>>(body_);
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
  return std::make_shared<ExchangePollable<ingress::ResponseWriter*>>(writer_);
}

}  // namespace wcloud::host
