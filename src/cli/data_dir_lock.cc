#include "cli/data_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace wcloud::cli {

namespace {

// The holder's pid as it wrote it, or "" when the file holds none yet.
std::string ReadPid(int fd) {
  char buf[32] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  std::string pid(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : "";
}

}  // namespace

Result<DataDirLock> DataDirLock::Acquire(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "lock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error(path.string() + ": cannot open: " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string pid = err == EWOULDBLOCK ? ReadPid(fd) : "";
    close(fd);
    if (err != EWOULDBLOCK) return Error(path.string() + ": cannot lock: " + std::strerror(err));
    return Error("another wcloud up" + (pid.empty() ? "" : " (pid " + pid + ")") + " is using " +
                 dir.string() + "; stop it first (Ctrl-C where it runs" +
                 (pid.empty() ? "" : ", or kill " + pid) +
                 "), or give this one its own --data-dir");
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    const int err = errno;
    close(fd);
    return Error(path.string() + ": cannot write: " + std::strerror(err));
  }
  return DataDirLock(fd);
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace wcloud::cli
