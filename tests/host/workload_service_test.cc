// A workload's service on a host with the real engine: the service_counter fixture counts its
// starts in the workload's keyvalue bucket, which the workload's http_kv component serves back
// over HTTP. A failing service runs 1 + maxRestarts times and is then Failed; one that exits 0
// is Completed; removing the workload stops one that waits on a timer; the service reaches the
// workload's own HTTP component over loopback, and no other loopback port.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "host/workload_host.h"
#include "support/subprocess.h"
#include "support/wait_for.h"
#include "test_components.h"
#include "wasm/v8_engine.h"

namespace wcloud::host {
namespace {

using std::chrono::milliseconds;
using testing::FreePort;
using testing::RunCommand;
using testing::WaitFor;

ComponentImage ReadImage(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  auto bytes = std::make_shared<std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
  return {"sha256:test-" + path + "-" + std::to_string(bytes->size()), bytes};
}

api::HostInterface Interface(const std::string& package, std::vector<std::string> interfaces) {
  api::HostInterface hi;
  hi.namespace_ = "wasi";
  hi.package = package;
  hi.interfaces = std::move(interfaces);
  return hi;
}

class WorkloadServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine_ = std::move(wasm::NewV8Engine()).value().release();
    WorkerPool::Options options;
    options.threads = 2;
    workers_ = std::move(WorkerPool::Start(*engine_, options)).value().release();
  }
  static void TearDownTestSuite() {
    delete workers_;
    delete engine_;
  }

  void SetUp() override {
    service_ = std::make_unique<HttpService>(*workers_);
    router_ = std::make_unique<HttpRouter>(*service_, HttpRouter::Options{});
    WorkloadHost::Options options;
    options.http_address = "127.0.0.1:" + std::to_string(FreePort());
    options.data_dir = dir_.path();
    // Short, so a test waits for restarts briefly; the policy's own delays are unit-tested.
    options.service_backoff = {milliseconds(20), milliseconds(80)};
    host_ = std::make_unique<WorkloadHost>(*engine_, *service_, *router_, options);
    address_ = "127.0.0.1:" + std::to_string(FreePort());
  }
  void TearDown() override {
    host_.reset();
    router_.reset();
    service_.reset();
  }

  // http_kv serving on address_, and service_counter with `config` and `max_restarts`.
  WorkloadRun Run(const std::string& key, api::StringMap config, int32_t max_restarts) {
    WorkloadRun run;
    run.key = key;
    run.revision = "1";
    run.namespace_ = "default";
    run.name = key.substr(key.find('/') + 1);
    api::Component web;
    web.name = "web";
    run.spec.components.push_back(web);
    run.images["web"] = ReadImage(wcloud::testing::TestComponentPath("http_kv"));
    api::HostInterface http = Interface("http", {"incoming-handler"});
    http.config["address"] = address_;
    run.spec.host_interfaces = {http, Interface("keyvalue", {"store", "atomics", "batch"}),
                                Interface("config", {"store"}), Interface("logging", {"logging"})};
    api::Service service;
    service.image = "service_counter";
    service.max_restarts = max_restarts;
    service.local_resources = api::LocalResources{};
    service.local_resources->config = std::move(config);
    run.spec.service = service;
    run.service_image = ReadImage(wcloud::testing::TestComponentPath("service_counter"));
    return run;
  }

  // A key of the bucket "svc", read through the workload's own HTTP component.
  std::string Get(const std::string& key) {
    return RunCommand({"curl", "-s", "--max-time", "10", "http://" + address_ + "/kv/svc/" + key})
        .out;
  }
  ServiceStatus Service(const std::string& key) {
    auto state = host_->State(key);
    if (!state || !state->service) return {};
    return *state->service;
  }

  static wasm::Engine* engine_;
  static WorkerPool* workers_;
  testing::TempDir dir_;
  std::unique_ptr<HttpService> service_;
  std::unique_ptr<HttpRouter> router_;
  std::unique_ptr<WorkloadHost> host_;
  std::string address_;
};

wasm::Engine* WorkloadServiceTest::engine_ = nullptr;
WorkerPool* WorkloadServiceTest::workers_ = nullptr;

TEST_F(WorkloadServiceTest, AFailingServiceRunsOnePlusMaxRestartsTimesThenFails) {
  WorkloadState state = host_->Apply(Run("default/fails", {{"exit", "err"}}, 3));
  ASSERT_TRUE(state.ready) << state.reason << ": " << state.message;
  ASSERT_TRUE(state.service);
  ASSERT_TRUE(WaitFor([&] { return Service("default/fails").phase == "Failed"; }))
      << Service("default/fails").phase;
  const ServiceStatus service = Service("default/fails");
  EXPECT_EQ(service.restarts, 3u);
  EXPECT_EQ(service.message, "exited with status 1");
  EXPECT_EQ(Get("starts"), "4");
  // The components keep serving beside a failed service.
  EXPECT_TRUE(host_->State("default/fails")->ready);
  // Each run's stdout is in the workload's log ring, labelled as the service's.
  auto ring = host_->Logs("default/fails");
  ASSERT_TRUE(ring);
  LogQuery query;
  query.component = "service";
  LogPage page = ring->Read(query);
  ASSERT_EQ(page.entries.size(), 4u);
  EXPECT_EQ(page.entries[0].text, "service start");
  EXPECT_EQ(page.entries[0].stream, LogStream::kStdout);
}

TEST_F(WorkloadServiceTest, ATrapCountsAsAFailure) {
  ASSERT_TRUE(host_->Apply(Run("default/traps", {{"exit", "trap"}}, 1)).ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/traps").phase == "Failed"; }));
  EXPECT_EQ(Service("default/traps").restarts, 1u);
  EXPECT_NE(Service("default/traps").message.find("trapped"), std::string::npos)
      << Service("default/traps").message;
  EXPECT_EQ(Get("starts"), "2");
}

TEST_F(WorkloadServiceTest, ExitZeroCompletesWithoutRestart) {
  ASSERT_TRUE(host_->Apply(Run("default/once", {{"exit", "ok"}}, 5)).ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/once").phase == "Completed"; }));
  EXPECT_EQ(Service("default/once").restarts, 0u);
  EXPECT_EQ(Get("starts"), "1");
}

TEST_F(WorkloadServiceTest, TheServicesMemoryLimitCapsItsMemory) {
  ASSERT_TRUE(host_->Apply(Run("default/roomy", {{"exit", "ok"}, {"grow", "32"}}, 0)).ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/roomy").phase == "Completed"; }));
  EXPECT_EQ(Get("grow"), "ok") << "32 MiB more fit without a limit";
  host_->Remove("default/roomy");

  WorkloadRun run = Run("default/capped", {{"exit", "ok"}, {"grow", "32"}}, 0);
  run.spec.service->local_resources->memory_limit_mb = 16;
  ASSERT_TRUE(host_->Apply(run).ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/capped").phase == "Completed"; }));
  EXPECT_EQ(Get("grow"), "refused") << "memory.grow past its 16 MiB";
}

TEST_F(WorkloadServiceTest, RemovingTheWorkloadStopsAServiceWaitingOnATimer) {
  ASSERT_TRUE(host_->Apply(Run("default/sleeps", {{"exit", "sleep"}}, 5)).ready);
  ASSERT_TRUE(WaitFor([&] { return Get("starts") == "1"; }));
  EXPECT_EQ(Service("default/sleeps").phase, "Running");
  host_->Remove("default/sleeps");  // returns once the service's thread has ended
  EXPECT_EQ(host_->workload_count(), 0);
  EXPECT_FALSE(host_->State("default/sleeps"));
}

TEST_F(WorkloadServiceTest, StoppingDuringBackoffEndsTheRestarts) {
  auto run = Run("default/backoff", {{"exit", "err"}}, 1000);
  ASSERT_TRUE(host_->Apply(run).ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/backoff").restarts >= 2; }));
  host_->Remove("default/backoff");
  // A new workload on the same address and bucket starts counting again from its own runs.
  ASSERT_TRUE(host_->Apply(Run("default/after", {{"exit", "ok"}}, 0)).ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/after").phase == "Completed"; }));
}

TEST_F(WorkloadServiceTest, TheServiceFetchesFromItsWorkloadOverLoopback) {
  ASSERT_TRUE(
      host_
          ->Apply(Run("default/fetches",
                      {{"exit", "ok"}, {"fetch", address_}, {"fetch-path", "/kv/svc/starts"}}, 0))
          .ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/fetches").phase == "Completed"; }))
      << Service("default/fetches").message;
  EXPECT_EQ(Get("fetched"), "1");  // the count its own run had made
}

TEST_F(WorkloadServiceTest, OtherLoopbackPortsStayDenied) {
  const std::string elsewhere = "127.0.0.1:" + std::to_string(FreePort());
  ASSERT_TRUE(host_->Apply(Run("default/denied", {{"exit", "ok"}, {"fetch", elsewhere}}, 0)).ready);
  ASSERT_TRUE(WaitFor([&] { return Service("default/denied").phase == "Completed"; }));
  // error-code.HTTP-request-denied is case 15.
  EXPECT_EQ(Get("fetched"), "error:15");
}

TEST_F(WorkloadServiceTest, AServiceThatIsNotACommandIsRefused) {
  WorkloadRun run = Run("default/notcli", {}, 0);
  run.service_image = ReadImage(wcloud::testing::TestComponentPath("http_hello"));
  WorkloadState state = host_->Apply(run);
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "InvalidComponent");
  EXPECT_NE(state.message.find("wasi:cli/run"), std::string::npos) << state.message;
}

}  // namespace
}  // namespace wcloud::host
