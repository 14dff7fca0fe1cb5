// One `wcloud up` per data directory: two would share one SQLite store, one host identity and one
// kubeconfig, and each run the operator over the other's objects.
#pragma once

#include <filesystem>

#include "util/result.h"

namespace wcloud::cli {

// An exclusive lock on DIR/lock (flock), held while the object lives; the kernel drops it when
// the process ends, however it ends, so a crash never leaves a stale lock behind.
class DataDirLock {
 public:
  // Fails, naming the holder's pid, when another process holds the lock.
  static Result<DataDirLock> Acquire(const std::filesystem::path& dir);

  DataDirLock(DataDirLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  DataDirLock& operator=(DataDirLock&&) = delete;
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  ~DataDirLock();

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace wcloud::cli
