#include "util/thread_name.h"

#include <pthread.h>

namespace wcloud {

void NameThisThread(const std::string& name) {
  // Linux refuses names past 15 bytes rather than cutting them.
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace wcloud
