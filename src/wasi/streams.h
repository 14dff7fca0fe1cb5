// Byte streams as wasi:io/streams defines them: non-blocking reads and writes with readiness
// through a Pollable, plus the blocking forms built on top. Stdio, files and memory implement them
// here; HTTP bodies implement the same interfaces, so a guest sees one input-stream/output-stream
// resource whatever is behind it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "wasi/expected.h"
#include "wasi/poll.h"

namespace wcloud::wasi {

// stream-error: `closed` (end of input; the reader of an output went away) or
// `last-operation-failed`, whose message becomes the wasi:io/error's debug string.
struct StreamError {
  enum class Kind { kClosed, kFailed };
  Kind kind = Kind::kClosed;
  std::string message;
  int os_error = 0;  // the errno behind a failure, for wasi:filesystem's filesystem-error-code

  static StreamError Closed() { return {}; }
  static StreamError Failed(std::string message, int os_error = 0) {
    return {Kind::kFailed, std::move(message), os_error};
  }
};

template <class T>
using StreamResult = Expected<T, StreamError>;
using StreamStatus = StreamResult<std::monostate>;
inline StreamStatus StreamOk() { return std::monostate{}; }

// The most one read returns, so a guest asking for 2^64 bytes gets a short read, not an
// allocation failure.
inline constexpr uint64_t kMaxReadBytes = 1 << 20;

class InputStream {
 public:
  virtual ~InputStream() = default;
  // Up to `len` bytes available now, possibly none; Closed at the end of the stream.
  virtual StreamResult<std::vector<uint8_t>> Read(uint64_t len) = 0;
  // Ready when Read() would return bytes or an error.
  virtual std::shared_ptr<Pollable> Subscribe() = 0;

  // Like Read() but discards the bytes, returning how many.
  virtual StreamResult<uint64_t> Skip(uint64_t len);
  // Wait until Read()/Skip() returns at least one byte (or `len` is 0) or fails.
  virtual StreamResult<std::vector<uint8_t>> BlockingRead(uint64_t len);
  virtual StreamResult<uint64_t> BlockingSkip(uint64_t len);
};

class OutputStream {
 public:
  virtual ~OutputStream() = default;
  // How many bytes Write() accepts now; 0 while a flush or earlier writes are pending.
  virtual StreamResult<uint64_t> CheckWrite() = 0;
  // `bytes` must fit in what CheckWrite() returned; the WASI binding checks that before calling.
  virtual StreamStatus Write(std::span<const uint8_t> bytes) = 0;
  // Starts flushing what was written; CheckWrite() returns 0 until the flush is done.
  virtual StreamStatus Flush() = 0;
  // Ready when CheckWrite() would return non-zero or an error.
  virtual std::shared_ptr<Pollable> Subscribe() = 0;

  virtual StreamStatus WriteZeroes(uint64_t len);
  // The blocking forms wait on Subscribe(), write in CheckWrite()-sized pieces and flush.
  virtual StreamStatus BlockingFlush();
  StreamStatus BlockingWriteAndFlush(std::span<const uint8_t> bytes);
  StreamStatus BlockingWriteZeroesAndFlush(uint64_t len);
};

}  // namespace wcloud::wasi
