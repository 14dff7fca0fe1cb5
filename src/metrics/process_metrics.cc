#include "metrics/process_metrics.h"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "util/version.h"

namespace wcloud::metrics {
namespace {

template <typename T>
T& Single(prometheus::Family<T>& family) {
  return family.Add({});
}

prometheus::Gauge& BuildGauge(Registry& registry, const std::string& name,
                              const std::string& help) {
  return Single(prometheus::BuildGauge().Name(name).Help(help).Register(registry.families()));
}

// The fields of /proc/self/stat after the command name (which may hold spaces), from field 3.
std::vector<std::string> StatFields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> fields;
  const size_t close = line.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

// When the system booted, in seconds since the epoch: process start times count from it.
double BootTime() {
  struct timespec real, boot;
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_BOOTTIME, &boot);
  return static_cast<double>(real.tv_sec - boot.tv_sec) +
         static_cast<double>(real.tv_nsec - boot.tv_nsec) / 1e9;
}

}  // namespace

ProcessMetrics::ProcessMetrics(Registry& registry)
    : cpu_seconds_(Single(prometheus::BuildCounter()
                              .Name("process_cpu_seconds_total")
                              .Help("Total user and system CPU time spent in seconds.")
                              .Register(registry.families()))),
      resident_bytes_(
          BuildGauge(registry, "process_resident_memory_bytes", "Resident memory size in bytes.")),
      virtual_bytes_(
          BuildGauge(registry, "process_virtual_memory_bytes", "Virtual memory size in bytes.")),
      open_fds_(BuildGauge(registry, "process_open_fds", "Number of open file descriptors.")),
      max_fds_(BuildGauge(registry, "process_max_fds", "Maximum number of open file descriptors.")),
      start_time_(BuildGauge(registry, "process_start_time_seconds",
                             "Start time of the process since unix epoch in seconds.")),
      threads_(BuildGauge(registry, "process_threads", "Number of OS threads in the process.")),
      hook_(registry.OnScrape([this] { Update(); })) {
  prometheus::BuildGauge()
      .Name("wcloud_build_info")
      .Help(
          "A metric with a constant '1' value labeled by the version and commit wcloud was "
          "built from.")
      .Register(registry.families())
      .Add({{"version", std::string(Version())}, {"git_commit", std::string(GitCommit())}})
      .Set(1);
  const std::vector<std::string> stat = StatFields();
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  if (stat.size() > 19) start_time_.Set(BootTime() + std::stod(stat[19]) / ticks);
}

void ProcessMetrics::Update() {
  const std::vector<std::string> stat = StatFields();
  // Fields 14 and 15 (utime, stime) in clock ticks; 20 threads; 23 vsize; 24 rss in pages.
  if (stat.size() > 21) {
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double cpu = (std::stod(stat[11]) + std::stod(stat[12])) / ticks;
    if (cpu > cpu_seconds_.Value()) cpu_seconds_.Increment(cpu - cpu_seconds_.Value());
    threads_.Set(std::stod(stat[17]));
    virtual_bytes_.Set(std::stod(stat[20]));
    resident_bytes_.Set(std::stod(stat[21]) * static_cast<double>(sysconf(_SC_PAGESIZE)));
  }
  std::error_code ec;
  double fds = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++fds;
  }
  open_fds_.Set(fds);
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) max_fds_.Set(static_cast<double>(limit.rlim_cur));
}

}  // namespace wcloud::metrics
