// Streams over host file descriptors: stdio (fds the host does not own) and files opened through
// wasi:filesystem (read-via-stream, write-via-stream, append-via-stream).
#pragma once

#include <cstdint>
#include <memory>

#include "wasi/streams.h"
#include "wasi/unique_fd.h"

namespace wcloud::wasi {

// Reads a pipe, terminal or file descriptor (the host's stdin) without blocking: a read happens
// only when poll(2) says it would not wait.
class FdInputStream : public InputStream {
 public:
  explicit FdInputStream(int fd) : fd_(fd) {}
  StreamResult<std::vector<uint8_t>> Read(uint64_t len) override;
  std::shared_ptr<Pollable> Subscribe() override;

 private:
  int fd_;
};

// Writes straight through to a descriptor (the host's stdout/stderr), so nothing is left
// buffered when the guest exits. EPIPE makes the stream Closed for good.
class FdOutputStream : public OutputStream {
 public:
  static constexpr uint64_t kWriteBudget = 64 * 1024;

  explicit FdOutputStream(int fd) : fd_(fd) {}
  StreamResult<uint64_t> CheckWrite() override;
  StreamStatus Write(std::span<const uint8_t> bytes) override;
  StreamStatus Flush() override;
  std::shared_ptr<Pollable> Subscribe() override;

 private:
  int fd_;
  bool closed_ = false;
};

// Reads a regular file from an offset onwards (pread, so streams over one file stay independent).
class FileInputStream : public InputStream {
 public:
  FileInputStream(std::shared_ptr<UniqueFd> file, uint64_t offset)
      : file_(std::move(file)), offset_(offset) {}
  StreamResult<std::vector<uint8_t>> Read(uint64_t len) override;
  std::shared_ptr<Pollable> Subscribe() override;

 private:
  std::shared_ptr<UniqueFd> file_;
  uint64_t offset_;
};

// Writes a regular file from an offset onwards, or, appending, always at its current end.
class FileOutputStream : public OutputStream {
 public:
  static constexpr uint64_t kWriteBudget = 1024 * 1024;

  static std::unique_ptr<FileOutputStream> AtOffset(std::shared_ptr<UniqueFd> file,
                                                    uint64_t offset);
  static std::unique_ptr<FileOutputStream> Appending(std::shared_ptr<UniqueFd> file);

  StreamResult<uint64_t> CheckWrite() override;
  StreamStatus Write(std::span<const uint8_t> bytes) override;
  StreamStatus Flush() override;
  std::shared_ptr<Pollable> Subscribe() override;

 private:
  FileOutputStream(std::shared_ptr<UniqueFd> file, uint64_t offset, bool append)
      : file_(std::move(file)), offset_(offset), append_(append) {}
  std::shared_ptr<UniqueFd> file_;
  uint64_t offset_;
  bool append_;
};

}  // namespace wcloud::wasi
