// A readiness flag that poll(2) can wait on, so a guest's wasi:io/poll can wait on a request
// body, a response body and its own timers at once: an eventfd whose counter is nonzero exactly
// while the flag is set. Created on first use, since most exchanges never poll. Not thread-safe:
// the owner serializes calls (ExchangeState holds its mutex).
#pragma once

#include "util/result.h"

namespace wcloud::ingress {

class ReadinessFd {
 public:
  ReadinessFd() = default;
  ~ReadinessFd();
  ReadinessFd(const ReadinessFd&) = delete;
  ReadinessFd& operator=(const ReadinessFd&) = delete;

  // The descriptor (readable while the flag is set), created now and set to `ready` if new.
  Result<int> Get(bool ready);
  // Mirrors `ready`; a no-op until Get created the descriptor.
  void Set(bool ready);

 private:
  int fd_ = -1;
  bool ready_ = false;
};

}  // namespace wcloud::ingress
