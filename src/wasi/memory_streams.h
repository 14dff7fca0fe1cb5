// Streams over memory: a guest's stdin fed from bytes, its stdout/stderr captured for the runner
// or a test.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "util/mutex.h"
#include "wasi/streams.h"

namespace wcloud::wasi {

// Yields `bytes`, then Closed.
class MemoryInputStream : public InputStream {
 public:
  explicit MemoryInputStream(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  StreamResult<std::vector<uint8_t>> Read(uint64_t len) override;
  std::shared_ptr<Pollable> Subscribe() override;

 private:
  std::vector<uint8_t> bytes_;
  size_t offset_ = 0;
};

// Collects everything written, in order. Safe to read from another thread while the guest writes.
class MemoryOutputStream : public OutputStream {
 public:
  // What CheckWrite() grants per write.
  static constexpr uint64_t kWriteBudget = 64 * 1024;

  StreamResult<uint64_t> CheckWrite() override;
  StreamStatus Write(std::span<const uint8_t> bytes) override;
  StreamStatus Flush() override;
  std::shared_ptr<Pollable> Subscribe() override;

  std::string contents() const;
  // The reader went away: every later operation reports Closed.
  void Close();

 private:
  mutable Mutex mu_;
  std::string contents_ GUARDED_BY(mu_);
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace wcloud::wasi
