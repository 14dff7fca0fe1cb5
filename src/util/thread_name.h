// Names the calling thread (at most 15 bytes are kept), so `top -H`, perf and gdb tell the
// network loops from the guest workers.
#pragma once

#include <string>

namespace wcloud {

void NameThisThread(const std::string& name);

}  // namespace wcloud
