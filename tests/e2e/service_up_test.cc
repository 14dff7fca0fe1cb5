// A Workload's service through `wcloud up`, as a user sees it: the real kubectl applies
// Workloads whose service is the service_counter fixture (it counts its starts in the
// workload's keyvalue bucket, which the workload's http_kv component serves back). A failing
// service runs 1 + maxRestarts times and its ServiceReady condition says Failed with the count,
// with BackOff Events; one that exits 0 is Completed after fetching from its own workload over
// loopback; deleting a Workload stops a service that is waiting on a timer.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "support/subprocess.h"
#include "support/wait_for.h"
#include "test_components.h"
#include "util/json.h"

namespace wcloud {
namespace {

using namespace std::chrono_literals;
using testing::CommandResult;
using testing::FreePort;
using testing::RunCommand;
using testing::Subprocess;
using testing::TempDir;
using testing::TestComponentPath;
using testing::WcloudBinary;

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 60s) {
  return testing::WaitFor(done, timeout, 100ms);
}

class ServiceUpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const int api_port = FreePort();
    server_ = std::make_unique<Subprocess>(
        std::vector<std::string>{WcloudBinary(), "up", "--data-dir", dir_.path().string(),
                                 "--api-listen", "127.0.0.1:" + std::to_string(api_port),
                                 "--http-listen", "127.0.0.1:" + std::to_string(FreePort())},
        dir_.path() / "wcloud.log");
    ASSERT_TRUE(server_->WaitForPort(api_port)) << server_->Log();
    ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(kubeconfig()); }, 10s));
  }

  std::string kubeconfig() const { return (dir_.path() / "kubeconfig").string(); }
  CommandResult Kubectl(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", kubeconfig(), "--request-timeout=30s"});
    return RunCommand(args, input);
  }

  // A Workload of http_kv on its own port, with service_counter counting into `bucket`.
  int Apply(const std::string& name, const std::string& bucket, int max_restarts,
            const std::string& service_config, int port = FreePort()) {
    const std::string yaml = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: )" + name + R"(
spec:
  hostSelector:
    hostgroup: default
  components:
    - name: web
      image: file://)" + TestComponentPath("http_kv") +
                             R"(
  hostInterfaces:
    - namespace: wasi
      package: http
      interfaces: [incoming-handler]
      config:
        address: 127.0.0.1:)" +
                             std::to_string(port) +
                             R"(
    - namespace: wasi
      package: keyvalue
      interfaces: [store, atomics, batch]
    - namespace: wasi
      package: config
      interfaces: [store]
    - namespace: wasi
      package: logging
      interfaces: [logging]
  service:
    image: file://)" + TestComponentPath("service_counter") +
                             R"(
    maxRestarts: )" + std::to_string(max_restarts) +
                             R"(
    localResources:
      config:
        bucket: )" + bucket + "\n" +
                             service_config;
    auto r = Kubectl({"apply", "-f", "-"}, yaml);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return port;
  }

  Json Workload(const std::string& name) {
    auto r = Kubectl({"get", "workload", name, "-o", "json"});
    if (r.exit_code != 0) return Json::object();
    return Json::parse(r.out, nullptr, false);
  }
  Json ServiceReady(const std::string& name) {
    const Json w = Workload(name);
    if (!w.is_object() || !w.contains("status")) return Json::object();
    for (const auto& c : w["status"].value("conditions", Json::array())) {
      if (c.value("type", "") == "ServiceReady") return c;
    }
    return Json::object();
  }
  static std::string Get(int port, const std::string& path) {
    return RunCommand({"curl", "-s", "--max-time", "10",
                       "http://127.0.0.1:" + std::to_string(port) + path})
        .out;
  }

  TempDir dir_;
  std::unique_ptr<Subprocess> server_;
};

TEST_F(ServiceUpTest, AFailingServiceRestartsUpToMaxRestartsThenShowsFailed) {
  const int port = Apply("fails", "fails", 2, "        exit: err\n");
  ASSERT_TRUE(WaitFor([&] { return ServiceReady("fails").value("reason", "") == "Failed"; }))
      << Workload("fails").dump(2) << server_->Log();
  const Json w = Workload("fails");
  EXPECT_EQ(w["status"].value("serviceRestarts", -1), 2) << w.dump(2);
  EXPECT_EQ(ServiceReady("fails").value("status", ""), "False");
  EXPECT_NE(ServiceReady("fails").value("message", "").find("2 of 2"), std::string::npos)
      << ServiceReady("fails").dump();
  EXPECT_EQ(Get(port, "/kv/fails/starts"), "3");  // 1 + maxRestarts runs
  // The components keep serving: Ready stays True.
  for (const auto& c : w["status"]["conditions"]) {
    if (c.value("type", "") == "Ready") {
      EXPECT_EQ(c.value("status", ""), "True");
    }
  }
  std::string reasons;
  EXPECT_TRUE(WaitFor([&] {
    auto r = Kubectl({"get", "events", "--field-selector", "involvedObject.name=fails", "-o",
                      "jsonpath={.items[*].reason}"});
    reasons = r.out;
    return reasons.find("BackOff") != std::string::npos &&
           reasons.find("Failed") != std::string::npos;
  })) << reasons;
}

TEST_F(ServiceUpTest, AServiceThatExitsZeroCompletesAfterFetchingFromItsWorkload) {
  const int port = FreePort();
  // The service fetches from its own workload's HTTP component over loopback; allowedHosts
  // does not name it.
  Apply("once", "once", 3,
        "        exit: ok\n"
        "        fetch: 127.0.0.1:" +
            std::to_string(port) +
            "\n"
            "        fetch-path: /kv/once/starts\n",
        port);
  ASSERT_TRUE(WaitFor([&] { return ServiceReady("once").value("reason", "") == "Completed"; }))
      << Workload("once").dump(2) << server_->Log();
  EXPECT_EQ(Workload("once")["status"].value("serviceRestarts", -1), 0);
  EXPECT_EQ(Get(port, "/kv/once/starts"), "1");
  EXPECT_EQ(Get(port, "/kv/once/fetched"), "1");
}

TEST_F(ServiceUpTest, DeletingTheWorkloadStopsAServiceWaitingOnATimer) {
  const int port = Apply("sleeps", "sleeps", 1, "        exit: sleep\n");
  ASSERT_TRUE(WaitFor([&] { return Get(port, "/kv/sleeps/starts") == "1"; }))
      << Workload("sleeps").dump(2) << server_->Log();
  ASSERT_TRUE(WaitFor([&] { return ServiceReady("sleeps").value("reason", "") == "Running"; }));
  // kubectl waits for the finalizer, which goes once the host has stopped the workload.
  auto r = Kubectl({"delete", "workload", "sleeps", "--timeout=60s"});
  EXPECT_EQ(r.exit_code, 0) << r.err << server_->Log();
  EXPECT_NE(Get(port, "/kv/sleeps/starts"), "1") << "the port still answers";
}

}  // namespace
}  // namespace wcloud
