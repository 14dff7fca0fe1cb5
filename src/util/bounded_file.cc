#include "util/bounded_file.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wcloud {
namespace {

// Filesystems whose files the kernel makes up on read.
bool IsPseudoFilesystem(const struct statfs& fs) {
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:
    case SYSFS_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case DEVPTS_SUPER_MAGIC:
    case BPF_FS_MAGIC:
      return true;
    default:
      return false;
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<std::string> ReadBoundedFile(const std::filesystem::path& path, size_t max_bytes) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return Error(name + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return Error(name + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Error(name + ": not a regular file");
  struct statfs fs {};
  if (fstatfs(fd.get(), &fs) != 0) return Error(name + ": " + std::strerror(errno));
  if (IsPseudoFilesystem(fs)) return Error(name + ": a kernel pseudo-file, not a stored file");
  auto too_large = [&] {
    return Error(name + ": larger than the limit of " + std::to_string(max_bytes) + " bytes");
  };
  if (static_cast<uintmax_t>(st.st_size) > max_bytes) return too_large();

  std::string bytes;
  bytes.resize(static_cast<size_t>(st.st_size));
  size_t used = 0;
  for (;;) {
    // One byte past the limit tells a file that grew too large from one that ends at it.
    if (used == bytes.size()) {
      if (bytes.size() > max_bytes) return too_large();
      bytes.resize(std::min(max_bytes + 1, std::max<size_t>(bytes.size() * 2, 64 << 10)));
    }
    ssize_t n = read(fd.get(), bytes.data() + used, bytes.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error(name + ": cannot read: " + std::strerror(errno));
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  if (used > max_bytes) return too_large();
  bytes.resize(used);
  return bytes;
}

}  // namespace wcloud
