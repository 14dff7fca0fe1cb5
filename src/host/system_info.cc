#include "host/system_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string_view>

namespace wcloud::host {
namespace {

// The kB figure of a /proc/meminfo line such as "MemAvailable:   1234 kB", in bytes.
uint64_t MeminfoBytes(const std::string& text, std::string_view field) {
  size_t at = text.find(std::string(field) + ":");
  if (at == std::string::npos) return 0;
  std::istringstream line(text.substr(at + field.size() + 1, 64));
  uint64_t kb = 0;
  line >> kb;
  return kb * 1024;
}

}  // namespace

SystemInfo ReadSystemInfo() {
  SystemInfo info;
  utsname u{};
  if (uname(&u) == 0) {
    info.os = u.sysname;
    for (auto& c : info.os) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    info.arch = u.machine;
    info.kernel = u.release;
    info.hostname = u.nodename;
  }
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  info.cpu_cores = cores > 0 ? static_cast<uint32_t>(cores) : 0;
  std::ifstream meminfo("/proc/meminfo");
  std::stringstream ss;
  ss << meminfo.rdbuf();
  info.memory_total_bytes = MeminfoBytes(ss.str(), "MemTotal");
  info.memory_available_bytes = MeminfoBytes(ss.str(), "MemAvailable");
  return info;
}

double CpuUsage::Sample() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  if (cpu != "cpu") return 0;
  uint64_t busy = user + nice + system + irq + softirq + steal;
  uint64_t total = busy + idle + iowait;
  double usage = 0;
  if (last_total_ != 0 && total > last_total_) {
    usage = static_cast<double>(busy - last_busy_) / static_cast<double>(total - last_total_);
  }
  last_busy_ = busy;
  last_total_ = total;
  return usage < 0 ? 0 : (usage > 1 ? 1 : usage);
}

}  // namespace wcloud::host
