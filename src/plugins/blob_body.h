// The bytes of wasi:blobstore values in host memory. An outgoing-value is a BlobBody, which is
// also the wasi:io output-stream that fills it: the guest gets this object as its output-stream
// (served by src/wasi's stream functions like any other), and container.write-data reads what it
// holds. An incoming-value's bytes are HeldBytes. Both count against the instance's BlobBudget,
// so a guest that keeps many values open gets errors rather than the host's memory.
//
// Bytes past a body's `max_bytes` (the object size limit), or past the budget, are refused with
// a stream error saying which limit, and the value is spoiled: write-data refuses it, so an
// object already stored under the name stays as it was.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "plugins/keyvalue_backend.h"
#include "util/result.h"
#include "wasi/streams.h"

namespace wcloud::plugins {

// The bytes one instance's values may hold at once. Used by one instance, so by one thread at a
// time: not synchronized.
class BlobBudget {
 public:
  explicit BlobBudget(uint64_t limit) : limit_(limit) {}
  BlobBudget(const BlobBudget&) = delete;
  BlobBudget& operator=(const BlobBudget&) = delete;

  // False, taking nothing, when `n` more bytes would pass the limit.
  bool Take(uint64_t n) {
    if (n > limit_ - used_) return false;
    used_ += n;
    return true;
  }
  void Give(uint64_t n) { used_ -= n; }
  uint64_t limit() const { return limit_; }
  uint64_t used() const { return used_; }
  // The message for bytes the budget refused.
  std::string Refusal(uint64_t wanted) const;

 private:
  const uint64_t limit_;
  uint64_t used_ = 0;
};

// Bytes counted against a budget until they are taken out or destroyed.
class HeldBytes {
 public:
  // Counts `bytes` against `budget`; kResourceExhausted (the budget's refusal) when they do not
  // fit.
  static Result<HeldBytes> Hold(Bytes bytes, std::shared_ptr<BlobBudget> budget);
  HeldBytes(HeldBytes&& other) noexcept = default;
  HeldBytes& operator=(HeldBytes&& other) noexcept;
  ~HeldBytes() { Release(); }

  size_t size() const { return bytes_.size(); }
  // The bytes, no longer counted.
  Bytes Take() &&;

 private:
  HeldBytes(Bytes bytes, std::shared_ptr<BlobBudget> budget)
      : bytes_(std::move(bytes)), budget_(std::move(budget)) {}
  void Release();

  Bytes bytes_;
  std::shared_ptr<BlobBudget> budget_;  // null once released or moved from
};

class BlobBody final : public wasi::OutputStream {
 public:
  // What CheckWrite() grants at a time.
  static constexpr uint64_t kWriteBudget = 64 * 1024;

  BlobBody(uint64_t max_bytes, std::shared_ptr<BlobBudget> budget)
      : max_bytes_(max_bytes), budget_(std::move(budget)) {}
  ~BlobBody() override { Discard(); }

  wasi::StreamResult<uint64_t> CheckWrite() override;
  wasi::StreamStatus Write(std::span<const uint8_t> bytes) override;
  wasi::StreamStatus Flush() override;
  std::shared_ptr<wasi::Pollable> Subscribe() override;

  // The bytes written so far, or why there are none to store (kResourceExhausted, naming the
  // limit).
  Result<const Bytes*> contents() const;
  // The value was finished: its bytes go, and later writes through a stream the guest kept
  // report closed.
  void Close();

 private:
  // Frees the bytes and gives them back to the budget.
  void Discard();

  const uint64_t max_bytes_;
  const std::shared_ptr<BlobBudget> budget_;
  Bytes bytes_;
  std::string spoiled_;  // non-empty once a write went past a limit
  bool closed_ = false;
};

}  // namespace wcloud::plugins
