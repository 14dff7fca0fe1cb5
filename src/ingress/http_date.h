// The Date header value (RFC 9110 §5.6.7), formatted at most once a second. One per event loop;
// a mutex because responses may be started from guest threads too.
#pragma once

#include <ctime>
#include <string>

#include "util/mutex.h"

namespace wcloud::ingress {

class HttpDate {
 public:
  // Appends e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
  void AppendTo(std::string& out);

 private:
  Mutex mu_;
  time_t second_ GUARDED_BY(mu_) = -1;
  char text_[32] GUARDED_BY(mu_) = {};
  size_t size_ GUARDED_BY(mu_) = 0;
};

}  // namespace wcloud::ingress
