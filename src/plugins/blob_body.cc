#include "plugins/blob_body.h"

#include <algorithm>

namespace wcloud::plugins {

std::string BlobBudget::Refusal(uint64_t wanted) const {
  return "the instance's blobstore values would hold " + std::to_string(used_ + wanted) +
         " bytes, over its limit of " + std::to_string(limit_) +
         " (4 times the largest object size limit): finish or drop values it no longer needs";
}

Result<HeldBytes> HeldBytes::Hold(Bytes bytes, std::shared_ptr<BlobBudget> budget) {
  if (!budget->Take(bytes.size())) {
    return Error(budget->Refusal(bytes.size()), ErrorCode::kResourceExhausted);
  }
  return HeldBytes(std::move(bytes), std::move(budget));
}

HeldBytes& HeldBytes::operator=(HeldBytes&& other) noexcept {
  if (this != &other) {
    Release();
    bytes_ = std::move(other.bytes_);
    budget_ = std::move(other.budget_);
  }
  return *this;
}

Bytes HeldBytes::Take() && {
  Bytes out = std::move(bytes_);
  if (budget_) budget_->Give(out.size());
  budget_.reset();
  return out;
}

void HeldBytes::Release() {
  if (budget_) budget_->Give(bytes_.size());
  budget_.reset();
  Bytes().swap(bytes_);
}

wasi::StreamResult<uint64_t> BlobBody::CheckWrite() {
  if (closed_) return wasi::StreamError::Closed();
  if (!spoiled_.empty()) return wasi::StreamError::Failed(spoiled_);
  // Granting one byte past the limit lets the write that crosses it fail with the reason,
  // rather than leaving a guest waiting for room that never comes.
  return std::min<uint64_t>(kWriteBudget, max_bytes_ - bytes_.size() + 1);
}

wasi::StreamStatus BlobBody::Write(std::span<const uint8_t> bytes) {
  if (closed_) return wasi::StreamError::Closed();
  if (!spoiled_.empty()) return wasi::StreamError::Failed(spoiled_);
  if (bytes.size() > max_bytes_ - bytes_.size()) {
    spoiled_ = "the value would be " + std::to_string(bytes_.size() + bytes.size()) +
               " bytes, over the object size limit of " + std::to_string(max_bytes_) +
               " bytes (hostInterfaces config.max_object_bytes)";
  } else if (!budget_->Take(bytes.size())) {
    spoiled_ = budget_->Refusal(bytes.size());
  }
  if (!spoiled_.empty()) {
    Discard();  // nothing of it will be stored: give the memory back now
    return wasi::StreamError::Failed(spoiled_);
  }
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return wasi::StreamOk();
}

wasi::StreamStatus BlobBody::Flush() {
  if (closed_) return wasi::StreamError::Closed();
  if (!spoiled_.empty()) return wasi::StreamError::Failed(spoiled_);
  return wasi::StreamOk();
}

std::shared_ptr<wasi::Pollable> BlobBody::Subscribe() {
  return std::make_shared<wasi::ReadyPollable>();
}

Result<const Bytes*> BlobBody::contents() const {
  if (!spoiled_.empty()) return Error(spoiled_, ErrorCode::kResourceExhausted);
  return &bytes_;
}

void BlobBody::Close() {
  closed_ = true;
  Discard();
}

void BlobBody::Discard() {
  budget_->Give(bytes_.size());
  Bytes().swap(bytes_);
}

}  // namespace wcloud::plugins
