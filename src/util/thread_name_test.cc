#include "util/thread_name.h"

#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace wcloud {
namespace {

std::string CommOfThisThread() {
  std::ifstream in("/proc/self/task/" + std::to_string(syscall(SYS_gettid)) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

TEST(ThreadName, IsWhatTheKernelReportsAndLongNamesAreCut) {
  std::string short_name, long_name;
  std::thread([&] {
    NameThisThread("wcloud-net-3");
    short_name = CommOfThisThread();
    NameThisThread("wcloud-guest-worker-12");
    long_name = CommOfThisThread();
  }).join();
  EXPECT_EQ(short_name, "wcloud-net-3");
  EXPECT_EQ(long_name, "wcloud-guest-wo");
}

}  // namespace
}  // namespace wcloud
