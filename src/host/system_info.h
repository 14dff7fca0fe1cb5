// What a host reports about the machine it runs on, for its Host status and heartbeats.
#pragma once

#include <cstdint>
#include <string>

namespace wcloud::host {

struct SystemInfo {
  std::string os;      // "linux"
  std::string arch;    // "x86_64"
  std::string kernel;  // "6.1.0-18-amd64"
  std::string hostname;
  uint32_t cpu_cores = 0;
  uint64_t memory_total_bytes = 0;
  uint64_t memory_available_bytes = 0;
};

// Reads uname, sysconf and /proc/meminfo. Fields it cannot read stay empty or zero.
SystemInfo ReadSystemInfo();

// Whole-machine CPU use between two calls of Sample(), from /proc/stat.
class CpuUsage {
 public:
  // Fraction of all cores busy since the previous call, in [0, 1]; 0 on the first call.
  double Sample();

 private:
  uint64_t last_busy_ = 0;
  uint64_t last_total_ = 0;
};

}  // namespace wcloud::host
