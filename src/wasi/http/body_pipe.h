// A bounded byte queue between a guest and the HTTP client's thread, for one body: the request
// body the guest writes and the client sends, or the response body the client receives and the
// guest reads. The guest's side waits on eventfds (so wasi:io/poll mixes bodies with anything
// else); the client's side pauses its transfer when the queue is full or empty and is told to
// resume through a callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "util/mutex.h"
#include "util/result.h"
#include "wasi/http/fields.h"
#include "wasi/http/http_error.h"
#include "wasi/poll.h"
#include "wasi/streams.h"

namespace wcloud::wasi::http {

class BodyPipe : public std::enable_shared_from_this<BodyPipe> {
 public:
  // `capacity`: the bytes the queue holds before the writer must wait.
  static Result<std::shared_ptr<BodyPipe>> Create(size_t capacity);

  // Called (without the pipe's lock) when a paused producer may continue (the consumer took
  // bytes or went away) or a paused consumer may continue (bytes, the end or a failure arrived).
  void SetResumeProducer(std::function<void()> fn);
  void SetResumeConsumer(std::function<void()> fn);

  // Producer side.
  // Bytes Write accepts now; Closed once the consumer is gone or the pipe failed.
  StreamResult<uint64_t> Space();
  // Appends all of `bytes` (callers stay within Space(), or use Offer).
  StreamStatus Write(std::span<const uint8_t> bytes);
  // Appends `bytes` when they fit (or the queue is empty); otherwise records that the producer
  // is paused, so the next Read resumes it, and returns false.
  bool Offer(std::span<const uint8_t> bytes);
  // The producer is done: the consumer reads what is queued, then the end with `trailers`.
  void End(FieldList trailers);
  // The body broke: the consumer sees `error` once the queued bytes are read.
  void Fail(ErrorCode error);
  // Whether the consumer went away (a producer that is not paused asks this).
  bool ConsumerClosed();
  // Ready while Space() would return non-zero or an error.
  std::shared_ptr<Pollable> SubscribeSpace();

  // Consumer side.
  struct ReadResult {
    std::vector<uint8_t> bytes;  // empty: nothing now, or the end/failure below
    bool ended = false;
    std::optional<ErrorCode> error;
  };
  // Up to `max` queued bytes; when none are queued and the producer has not ended, records that
  // the consumer is paused (so the next Write resumes it).
  ReadResult Read(size_t max);
  // Copies up to `max` bytes into `out`; 0 with `*paused` set when it must wait, 0 with neither
  // set at the end. For the client's read callback.
  size_t ReadInto(uint8_t* out, size_t max, bool* paused, std::optional<ErrorCode>* error);
  // The consumer is done with the body (dropped it, or the transfer ended): further writes
  // report Closed, with `error` as the reason the producer's Space() reports.
  void CloseConsumer(std::optional<ErrorCode> error = std::nullopt);
  // The trailers given to End(); empty before.
  FieldList Trailers();
  bool Ended();
  // Ready while Read would return bytes, the end or a failure.
  std::shared_ptr<Pollable> SubscribeData();

  // Bytes that went through the queue, for Content-Length checks and tests.
  uint64_t total_written();

 private:
  BodyPipe(size_t capacity, std::shared_ptr<Waker> data, std::shared_ptr<Waker> space)
      : capacity_(capacity), data_waker_(std::move(data)), space_waker_(std::move(space)) {}
  class DataPollable;
  class SpacePollable;
  bool DataReadyLocked() const REQUIRES(mu_);
  bool SpaceReadyLocked() const REQUIRES(mu_);
  size_t TakeLocked(uint8_t* out, size_t max) REQUIRES(mu_);

  const size_t capacity_;
  std::shared_ptr<Waker> data_waker_;   // readable: bytes, end or failure
  std::shared_ptr<Waker> space_waker_;  // writable: room, or the consumer is gone

  Mutex mu_;
  std::deque<std::vector<uint8_t>> chunks_ GUARDED_BY(mu_);
  size_t head_offset_ GUARDED_BY(mu_) = 0;  // bytes of chunks_.front() already read
  size_t queued_ GUARDED_BY(mu_) = 0;
  bool ended_ GUARDED_BY(mu_) = false;
  std::optional<ErrorCode> error_ GUARDED_BY(mu_);
  bool consumer_closed_ GUARDED_BY(mu_) = false;
  std::optional<ErrorCode> close_reason_ GUARDED_BY(mu_);
  bool producer_paused_ GUARDED_BY(mu_) = false;
  bool consumer_paused_ GUARDED_BY(mu_) = false;
  FieldList trailers_ GUARDED_BY(mu_);
  uint64_t total_written_ GUARDED_BY(mu_) = 0;
  std::function<void()> resume_producer_ GUARDED_BY(mu_);
  std::function<void()> resume_consumer_ GUARDED_BY(mu_);
};

// The guest's input-stream over a pipe's consumer side. Destroying it (the guest dropped the
// stream and its body) closes the consumer, which ends the transfer feeding it.
class PipeInputStream : public InputStream {
 public:
  explicit PipeInputStream(std::shared_ptr<BodyPipe> pipe) : pipe_(std::move(pipe)) {}
  ~PipeInputStream() override;
  StreamResult<std::vector<uint8_t>> Read(uint64_t len) override;
  std::shared_ptr<Pollable> Subscribe() override;
  const std::shared_ptr<BodyPipe>& pipe() const { return pipe_; }

 private:
  std::shared_ptr<BodyPipe> pipe_;
};

// An output-stream over a pipe's producer side: bytes in the pipe are the reader's as soon as they
// are written, so flushing has nothing to do.
class PipeOutputStream : public OutputStream {
 public:
  explicit PipeOutputStream(std::shared_ptr<BodyPipe> pipe) : pipe_(std::move(pipe)) {}
  StreamResult<uint64_t> CheckWrite() override { return pipe_->Space(); }
  StreamStatus Write(std::span<const uint8_t> bytes) override { return pipe_->Write(bytes); }
  StreamStatus Flush() override { return StreamOk(); }
  std::shared_ptr<Pollable> Subscribe() override { return pipe_->SubscribeSpace(); }

 private:
  std::shared_ptr<BodyPipe> pipe_;
};

// A stream-error that http-error-code maps back to `error`.
StreamError HttpStreamError(const ErrorCode& error, std::string_view detail = {});

}  // namespace wcloud::wasi::http
