#include "ingress/readiness_fd.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace wcloud::ingress {

ReadinessFd::~ReadinessFd() {
  if (fd_ >= 0) close(fd_);
}

Result<int> ReadinessFd::Get(bool ready) {
  if (fd_ < 0) {
    fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd_ < 0) return Error(std::string("eventfd: ") + std::strerror(errno));
    ready_ = false;
    Set(ready);
  }
  return fd_;
}

void ReadinessFd::Set(bool ready) {
  if (fd_ < 0 || ready == ready_) return;
  uint64_t value = 1;
  // Neither call can fail on a valid nonblocking eventfd whose counter we keep at 0 or 1.
  if (ready) {
    [[maybe_unused]] ssize_t n = write(fd_, &value, sizeof value);
  } else {
    [[maybe_unused]] ssize_t n = read(fd_, &value, sizeof value);
  }
  ready_ = ready;
}

}  // namespace wcloud::ingress
