// Reading a file a user named (a Workload's file:// image, say) without trusting it: only a
// regular file on a real filesystem, never more than a limit, every failure a value.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "util/result.h"

namespace wcloud {

// The file's bytes. Fails, naming the path, when it is not a regular file, lives on a kernel
// pseudo-filesystem (/proc, /sys, ...: their "regular" files can be endless or change per read),
// or holds more than `max_bytes` — counted as read, not as stat reports it.
Result<std::string> ReadBoundedFile(const std::filesystem::path& path, size_t max_bytes);

}  // namespace wcloud
