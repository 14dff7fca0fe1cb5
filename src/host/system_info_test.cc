#include "host/system_info.h"

#include <gtest/gtest.h>

#include <chrono>

namespace wcloud::host {
namespace {

TEST(SystemInfoTest, ReadsThisMachine) {
  SystemInfo info = ReadSystemInfo();
  EXPECT_EQ(info.os, "linux");
  EXPECT_FALSE(info.arch.empty());
  EXPECT_FALSE(info.kernel.empty());
  EXPECT_GE(info.cpu_cores, 1u);
  EXPECT_GT(info.memory_total_bytes, uint64_t{64} << 20);
  EXPECT_GT(info.memory_available_bytes, 0u);
  EXPECT_LE(info.memory_available_bytes, info.memory_total_bytes);
}

TEST(CpuUsageTest, BusyLoopShowsUp) {
  CpuUsage cpu;
  EXPECT_EQ(cpu.Sample(), 0.0);
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  volatile uint64_t spin = 0;
  while (std::chrono::steady_clock::now() < end) spin = spin + 1;
  double usage = cpu.Sample();
  EXPECT_GT(usage, 0.0);
  EXPECT_LE(usage, 1.0);
}

}  // namespace
}  // namespace wcloud::host
