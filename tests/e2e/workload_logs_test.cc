// `wcloud logs` against a real `wcloud up` running the http_log guest, which writes a stdout line
// (in two pieces) and a stderr line per request: the lines come back labelled by component,
// joined, with --tail, --since and -c; -f prints a line written after it started; an unknown
// Workload is an error naming it.
#include <gtest/gtest.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/subprocess.h"
#include "support/wait_for.h"
#include "support/wcloud_up.h"
#include "test_components.h"

namespace wcloud::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class WorkloadLogsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(up_.ok()) << up_.Log();
    const std::string yaml =
        "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Workload\n"
        "metadata: {name: web, namespace: default}\n"
        "spec:\n  hostSelector: {hostgroup: default}\n  components:\n"
        "    - name: http\n      image: file://" +
        TestComponentPath("http_log") +
        "\n  hostInterfaces:\n    - namespace: wasi\n      package: http\n"
        "      interfaces: [incoming-handler]\n      config: {address: \"127.0.0.1:" +
        std::to_string(port_) + "\"}\n";
    auto applied = up_.Kubectl({"apply", "-f", "-"}, yaml);
    ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
    ASSERT_TRUE(WaitFor([&] { return Get("/ready") == "logged\n"; }, 60s))
        << up_.Log() << up_.Kubectl({"get", "workloads", "-o", "yaml"}).out;
  }

  std::string Get(const std::string& path) {
    return RunCommand({"curl", "-s", "--max-time", "5",
                       "http://127.0.0.1:" + std::to_string(port_) + path})
        .out;
  }

  CommandResult Logs(std::vector<std::string> args) {
    args.insert(args.begin(), {WcloudBinary(), "logs", "--kubeconfig", up_.kubeconfig()});
    return RunCommand(args);
  }

  WcloudUp up_;
  int port_ = FreePort();
};

TEST_F(WorkloadLogsTest, PrintsStdoutAndStderrLabelledByComponent) {
  ASSERT_EQ(Get("/first?x=1"), "logged\n");
  auto all = Logs({"web"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  // The stdout line was written in two pieces: it comes back whole.
  EXPECT_TRUE(Contains(all.out, "Z [http] request 1 path /first?x=1\n")) << all.out;
  EXPECT_TRUE(Contains(all.out, "Z [http] stderr 1\n")) << all.out;

  auto tail = Logs({"web", "--tail", "1"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  ASSERT_EQ(Lines(tail.out).size(), 1u) << tail.out;
  EXPECT_TRUE(Contains(tail.out, "[http] stderr 1")) << tail.out;

  auto other = Logs({"web", "-n", "default", "-c", "other"});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(other.out, "");
}

TEST_F(WorkloadLogsTest, SinceLeavesOutOlderLines) {
  ASSERT_EQ(Get("/old"), "logged\n");
  std::this_thread::sleep_for(2500ms);  // "/old" is now more than 2s old
  ASSERT_EQ(Get("/new"), "logged\n");
  auto recent = Logs({"web", "--since", "2s"});
  ASSERT_EQ(recent.exit_code, 0) << recent.err;
  EXPECT_TRUE(Contains(recent.out, "path /new")) << recent.out;
  EXPECT_FALSE(Contains(recent.out, "path /old")) << recent.out;
  auto hour = Logs({"web", "--since", "1h"});
  EXPECT_TRUE(Contains(hour.out, "path /old")) << hour.out;
  EXPECT_EQ(Logs({"web", "--since", "soon"}).exit_code, 2);
}

TEST_F(WorkloadLogsTest, FollowPrintsLinesWrittenAfterItStarted) {
  TempDir dir;
  Subprocess follow({WcloudBinary(), "logs", "--kubeconfig", up_.kubeconfig(), "web", "-f"},
                    dir.path() / "follow.log");
  // The request SetUp made shows first: the follower is connected.
  ASSERT_TRUE(WaitFor([&] { return Contains(follow.Log(), "path /ready"); }, 30s)) << follow.Log();
  ASSERT_EQ(Get("/later"), "logged\n");
  EXPECT_TRUE(WaitFor([&] { return Contains(follow.Log(), "[http] request 1 path /later"); }, 30s))
      << follow.Log();
  EXPECT_TRUE(follow.running());
}

TEST_F(WorkloadLogsTest, AnUnknownWorkloadIsAnError) {
  auto missing = Logs({"web-nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "web-nope")) << missing.err;
}

}  // namespace
}  // namespace wcloud::testing
