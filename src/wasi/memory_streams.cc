#include "wasi/memory_streams.h"

#include <algorithm>

namespace wcloud::wasi {

StreamResult<std::vector<uint8_t>> MemoryInputStream::Read(uint64_t len) {
  if (offset_ == bytes_.size() && len > 0) {
    return StreamError::Closed();
  }
  size_t n = static_cast<size_t>(std::min<uint64_t>({len, bytes_.size() - offset_, kMaxReadBytes}));
  std::vector<uint8_t> out(bytes_.begin() + offset_, bytes_.begin() + offset_ + n);
  offset_ += n;
  return out;
}

std::shared_ptr<Pollable> MemoryInputStream::Subscribe() {
  return std::make_shared<ReadyPollable>();
}

StreamResult<uint64_t> MemoryOutputStream::CheckWrite() {
  MutexLock lock(mu_);
  if (closed_) {
    return StreamError::Closed();
  }
  return kWriteBudget;
}

StreamStatus MemoryOutputStream::Write(std::span<const uint8_t> bytes) {
  MutexLock lock(mu_);
  if (closed_) {
    return StreamError::Closed();
  }
  contents_.append(bytes.begin(), bytes.end());
  return StreamOk();
}

StreamStatus MemoryOutputStream::Flush() {
  MutexLock lock(mu_);
  if (closed_) {
    return StreamError::Closed();
  }
  return StreamOk();
}

std::shared_ptr<Pollable> MemoryOutputStream::Subscribe() {
  return std::make_shared<ReadyPollable>();
}

std::string MemoryOutputStream::contents() const {
  MutexLock lock(mu_);
  return contents_;
}

void MemoryOutputStream::Close() {
  MutexLock lock(mu_);
  closed_ = true;
}

}  // namespace wcloud::wasi
