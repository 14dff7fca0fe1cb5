#include "wasi/http/body_pipe.h"

#include <poll.h>

#include <algorithm>
#include <cstring>

namespace wcloud::wasi::http {

// Ready() clears the waker under the pipe's lock when the answer is no, so a stale wake-up
// cannot make Poll() spin, and a producer that notifies after that clear is always seen.
class BodyPipe::DataPollable : public Pollable {
 public:
  explicit DataPollable(std::shared_ptr<BodyPipe> pipe) : pipe_(std::move(pipe)) {}
  bool Ready() override {
    MutexLock lock(pipe_->mu_);
    if (pipe_->DataReadyLocked()) return true;
    pipe_->data_waker_->Clear();
    return false;
  }
  WaitSource Source() override { return {pipe_->data_waker_->fd(), POLLIN, std::nullopt}; }

 private:
  std::shared_ptr<BodyPipe> pipe_;
};

class BodyPipe::SpacePollable : public Pollable {
 public:
  explicit SpacePollable(std::shared_ptr<BodyPipe> pipe) : pipe_(std::move(pipe)) {}
  bool Ready() override {
    MutexLock lock(pipe_->mu_);
    if (pipe_->SpaceReadyLocked()) return true;
    pipe_->space_waker_->Clear();
    return false;
  }
  WaitSource Source() override { return {pipe_->space_waker_->fd(), POLLIN, std::nullopt}; }

 private:
  std::shared_ptr<BodyPipe> pipe_;
};

Result<std::shared_ptr<BodyPipe>> BodyPipe::Create(size_t capacity) {
  WCLOUD_ASSIGN_OR_RETURN(auto data, Waker::Create());
  WCLOUD_ASSIGN_OR_RETURN(auto space, Waker::Create());
  return std::shared_ptr<BodyPipe>(new BodyPipe(capacity, std::move(data), std::move(space)));
}

void BodyPipe::SetResumeProducer(std::function<void()> fn) {
  MutexLock lock(mu_);
  resume_producer_ = std::move(fn);
}

void BodyPipe::SetResumeConsumer(std::function<void()> fn) {
  MutexLock lock(mu_);
  resume_consumer_ = std::move(fn);
}

bool BodyPipe::DataReadyLocked() const { return queued_ > 0 || ended_ || error_.has_value(); }

bool BodyPipe::SpaceReadyLocked() const {
  return consumer_closed_ || error_.has_value() || ended_ || queued_ < capacity_;
}

StreamResult<uint64_t> BodyPipe::Space() {
  MutexLock lock(mu_);
  if (consumer_closed_) {
    return close_reason_ ? HttpStreamError(*close_reason_) : StreamError::Closed();
  }
  if (error_) return HttpStreamError(*error_);
  if (ended_) return StreamError::Closed();
  return static_cast<uint64_t>(capacity_ > queued_ ? capacity_ - queued_ : 0);
}

StreamStatus BodyPipe::Write(std::span<const uint8_t> bytes) {
  std::function<void()> resume;
  {
    MutexLock lock(mu_);
    if (consumer_closed_) {
      return close_reason_ ? HttpStreamError(*close_reason_) : StreamError::Closed();
    }
    if (error_ || ended_) return StreamError::Closed();
    if (bytes.empty()) return StreamOk();
    chunks_.emplace_back(bytes.begin(), bytes.end());
    queued_ += bytes.size();
    total_written_ += bytes.size();
    data_waker_->Notify();
    if (consumer_paused_) {
      consumer_paused_ = false;
      resume = resume_consumer_;
    }
  }
  if (resume) resume();
  return StreamOk();
}

bool BodyPipe::Offer(std::span<const uint8_t> bytes) {
  MutexLock lock(mu_);
  if (queued_ > 0 && queued_ + bytes.size() > capacity_) {
    producer_paused_ = true;
    return false;
  }
  chunks_.emplace_back(bytes.begin(), bytes.end());
  queued_ += bytes.size();
  total_written_ += bytes.size();
  data_waker_->Notify();
  return true;
}

void BodyPipe::End(FieldList trailers) {
  std::function<void()> resume;
  {
    MutexLock lock(mu_);
    if (ended_ || error_) return;
    ended_ = true;
    trailers_ = std::move(trailers);
    data_waker_->Notify();
    space_waker_->Notify();
    if (consumer_paused_) {
      consumer_paused_ = false;
      resume = resume_consumer_;
    }
  }
  if (resume) resume();
}

void BodyPipe::Fail(ErrorCode error) {
  std::function<void()> resume;
  {
    MutexLock lock(mu_);
    if (ended_ || error_) return;
    error_ = std::move(error);
    data_waker_->Notify();
    space_waker_->Notify();
    if (consumer_paused_) {
      consumer_paused_ = false;
      resume = resume_consumer_;
    }
  }
  if (resume) resume();
}

bool BodyPipe::ConsumerClosed() {
  MutexLock lock(mu_);
  return consumer_closed_;
}

std::shared_ptr<Pollable> BodyPipe::SubscribeSpace() {
  return std::make_shared<SpacePollable>(shared_from_this());
}

size_t BodyPipe::TakeLocked(uint8_t* out, size_t max) {
  size_t taken = 0;
  while (taken < max && !chunks_.empty()) {
    std::vector<uint8_t>& front = chunks_.front();
    const size_t n = std::min(max - taken, front.size() - head_offset_);
    std::memcpy(out + taken, front.data() + head_offset_, n);
    taken += n;
    head_offset_ += n;
    if (head_offset_ == front.size()) {
      chunks_.pop_front();
      head_offset_ = 0;
    }
  }
  queued_ -= taken;
  return taken;
}

BodyPipe::ReadResult BodyPipe::Read(size_t max) {
  ReadResult result;
  std::function<void()> resume;
  {
    MutexLock lock(mu_);
    if (queued_ == 0) {
      if (error_) {
        result.error = error_;
      } else if (ended_) {
        result.ended = true;
      } else {
        consumer_paused_ = true;
      }
      return result;
    }
    result.bytes.resize(std::min(max, queued_));
    result.bytes.resize(TakeLocked(result.bytes.data(), result.bytes.size()));
    space_waker_->Notify();
    if (producer_paused_) {
      producer_paused_ = false;
      resume = resume_producer_;
    }
  }
  if (resume) resume();
  return result;
}

size_t BodyPipe::ReadInto(uint8_t* out, size_t max, bool* paused, std::optional<ErrorCode>* error) {
  ReadResult r;
  std::function<void()> resume;
  size_t n = 0;
  {
    MutexLock lock(mu_);
    *paused = false;
    if (queued_ == 0) {
      if (error_) {
        *error = error_;
      } else if (!ended_) {
        consumer_paused_ = true;
        *paused = true;
      }
      return 0;
    }
    n = TakeLocked(out, max);
    space_waker_->Notify();
    if (producer_paused_) {
      producer_paused_ = false;
      resume = resume_producer_;
    }
  }
  if (resume) resume();
  return n;
}

void BodyPipe::CloseConsumer(std::optional<ErrorCode> error) {
  std::function<void()> resume;
  {
    MutexLock lock(mu_);
    if (consumer_closed_) return;
    consumer_closed_ = true;
    close_reason_ = std::move(error);
    chunks_.clear();
    head_offset_ = 0;
    queued_ = 0;
    space_waker_->Notify();
    if (producer_paused_) {
      producer_paused_ = false;
      resume = resume_producer_;
    }
  }
  if (resume) resume();
}

FieldList BodyPipe::Trailers() {
  MutexLock lock(mu_);
  return trailers_;
}

bool BodyPipe::Ended() {
  MutexLock lock(mu_);
  return ended_;
}

std::shared_ptr<Pollable> BodyPipe::SubscribeData() {
  return std::make_shared<DataPollable>(shared_from_this());
}

uint64_t BodyPipe::total_written() {
  MutexLock lock(mu_);
  return total_written_;
}

PipeInputStream::~PipeInputStream() { pipe_->CloseConsumer(); }

StreamResult<std::vector<uint8_t>> PipeInputStream::Read(uint64_t len) {
  auto r = pipe_->Read(static_cast<size_t>(std::min<uint64_t>(len, kMaxReadBytes)));
  if (!r.bytes.empty()) return std::move(r.bytes);
  if (r.error) return HttpStreamError(*r.error);
  if (r.ended) return StreamError::Closed();
  return std::vector<uint8_t>{};
}

std::shared_ptr<Pollable> PipeInputStream::Subscribe() { return pipe_->SubscribeData(); }

StreamError HttpStreamError(const ErrorCode& error, std::string_view detail) {
  std::string message = error.Describe();
  if (!detail.empty())
    message += (message.find(':') == std::string::npos ? ": " : "; ") + std::string(detail);
  return StreamError::Failed(std::move(message));
}

}  // namespace wcloud::wasi::http
