#include "wasi/fd_streams.h"

#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace wcloud::wasi {
namespace {

StreamError OsFailure(const char* what, int err) {
  return StreamError::Failed(std::string(what) + ": " + std::strerror(err), err);
}

// Writes all of `bytes` at `offset` (or, with offset < 0, at the descriptor's position).
StreamStatus WriteAll(int fd, std::span<const uint8_t> bytes, int64_t offset) {
  while (!bytes.empty()) {
    ssize_t n = offset < 0 ? write(fd, bytes.data(), bytes.size())
                           : pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EPIPE) {
        return StreamError::Closed();
      }
      return OsFailure("write", errno);
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
    if (offset >= 0) {
      offset += n;
    }
  }
  return StreamOk();
}

}  // namespace

StreamResult<std::vector<uint8_t>> FdInputStream::Read(uint64_t len) {
  if (len == 0) {
    return std::vector<uint8_t>{};
  }
  pollfd pfd{.fd = fd_, .events = POLLIN, .revents = 0};
  int ready;
  do {
    ready = poll(&pfd, 1, 0);
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) {
    return std::vector<uint8_t>{};
  }
  std::vector<uint8_t> out(static_cast<size_t>(std::min(len, kMaxReadBytes)));
  ssize_t n;
  do {
    n = read(fd_, out.data(), out.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return std::vector<uint8_t>{};
    }
    return OsFailure("read", errno);
  }
  if (n == 0) {
    return StreamError::Closed();
  }
  out.resize(static_cast<size_t>(n));
  return out;
}

std::shared_ptr<Pollable> FdInputStream::Subscribe() {
  return std::make_shared<FdPollable>(fd_, POLLIN);
}

StreamResult<uint64_t> FdOutputStream::CheckWrite() {
  if (closed_) {
    return StreamError::Closed();
  }
  return kWriteBudget;
}

StreamStatus FdOutputStream::Write(std::span<const uint8_t> bytes) {
  if (closed_) {
    return StreamError::Closed();
  }
  auto written = WriteAll(fd_, bytes, -1);
  if (!written && written.error().kind == StreamError::Kind::kClosed) {
    closed_ = true;
  }
  return written;
}

StreamStatus FdOutputStream::Flush() {
  if (closed_) {
    return StreamError::Closed();
  }
  return StreamOk();
}

std::shared_ptr<Pollable> FdOutputStream::Subscribe() { return std::make_shared<ReadyPollable>(); }

StreamResult<std::vector<uint8_t>> FileInputStream::Read(uint64_t len) {
  if (len == 0) {
    return std::vector<uint8_t>{};
  }
  std::vector<uint8_t> out(static_cast<size_t>(std::min(len, kMaxReadBytes)));
  ssize_t n;
  do {
    n = pread(file_->get(), out.data(), out.size(), static_cast<off_t>(offset_));
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    return OsFailure("read", errno);
  }
  if (n == 0) {
    return StreamError::Closed();
  }
  offset_ += static_cast<uint64_t>(n);
  out.resize(static_cast<size_t>(n));
  return out;
}

std::shared_ptr<Pollable> FileInputStream::Subscribe() { return std::make_shared<ReadyPollable>(); }

std::unique_ptr<FileOutputStream> FileOutputStream::AtOffset(std::shared_ptr<UniqueFd> file,
                                                             uint64_t offset) {
  return std::unique_ptr<FileOutputStream>(new FileOutputStream(std::move(file), offset, false));
}

std::unique_ptr<FileOutputStream> FileOutputStream::Appending(std::shared_ptr<UniqueFd> file) {
  return std::unique_ptr<FileOutputStream>(new FileOutputStream(std::move(file), 0, true));
}

StreamResult<uint64_t> FileOutputStream::CheckWrite() { return kWriteBudget; }

StreamStatus FileOutputStream::Write(std::span<const uint8_t> bytes) {
  if (append_) {
    struct stat st {};
    if (fstat(file_->get(), &st) != 0) {
      return OsFailure("fstat", errno);
    }
    offset_ = static_cast<uint64_t>(st.st_size);
  }
  if (offset_ > static_cast<uint64_t>(INT64_MAX) - bytes.size()) {
    return OsFailure("write", EFBIG);
  }
  auto written = WriteAll(file_->get(), bytes, static_cast<int64_t>(offset_));
  if (written) {
    offset_ += bytes.size();
  }
  return written;
}

StreamStatus FileOutputStream::Flush() { return StreamOk(); }

std::shared_ptr<Pollable> FileOutputStream::Subscribe() {
  return std::make_shared<ReadyPollable>();
}

}  // namespace wcloud::wasi
