// A host running workloads with the real engine, ingress and wasi:http: a workload serves on its
// address, replicas share a listener, a broken revision leaves the running one serving, removal
// closes the port.
#include "host/workload_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "host/host_metrics.h"
#include "metrics/registry.h"
#include "support/subprocess.h"
#include "test_components.h"
#include "wasm/v8_engine.h"

namespace wcloud::host {
namespace {

using testing::FreePort;
using ::testing::HasSubstr;
using testing::RunCommand;

ComponentImage ReadImage(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  auto bytes = std::make_shared<std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
  // The digest only has to identify the bytes for the compile cache.
  return {"sha256:test-" + path + "-" + std::to_string(bytes->size()), bytes};
}

class WorkloadHostTest : public ::testing::Test {
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
    host_ = std::make_unique<WorkloadHost>(*engine_, *service_, *router_, options);
  }
  void TearDown() override {
    host_.reset();
    router_.reset();
    service_.reset();
  }

  WorkloadRun Run(const std::string& key, const std::string& fixture, const std::string& address) {
    WorkloadRun run;
    run.key = key;
    run.revision = fixture + address;
    run.namespace_ = "default";
    run.name = key.substr(key.find('/') + 1);
    api::Component c;
    c.name = "web";
    run.spec.components.push_back(c);
    api::HostInterface http;
    http.namespace_ = "wasi";
    http.package = "http";
    http.interfaces = {"incoming-handler"};
    http.config["address"] = address;
    run.spec.host_interfaces.push_back(http);
    run.images["web"] = ReadImage(wcloud::testing::TestComponentPath(fixture));
    return run;
  }

  static std::string Get(const std::string& url) {
    return RunCommand({"curl", "-s", "--max-time", "10", url}).out;
  }

  static wasm::Engine* engine_;
  static WorkerPool* workers_;
  testing::TempDir dir_;
  std::unique_ptr<HttpService> service_;
  std::unique_ptr<HttpRouter> router_;
  std::unique_ptr<WorkloadHost> host_;
};

wasm::Engine* WorkloadHostTest::engine_ = nullptr;
WorkerPool* WorkloadHostTest::workers_ = nullptr;

TEST_F(WorkloadHostTest, ServesOnItsAddressAndClosesThePortWhenRemoved) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  WorkloadState state = host_->Apply(Run("default/hello", "http_hello", address));
  ASSERT_TRUE(state.ready) << state.reason << ": " << state.message;
  EXPECT_EQ(state.endpoints.at(0), "http://" + address);
  EXPECT_EQ(Get("http://" + address + "/"), "hello from http_hello\n");
  EXPECT_EQ(host_->workload_count(), 1);

  host_->Remove("default/hello");
  EXPECT_EQ(host_->workload_count(), 0);
  auto r = RunCommand({"curl", "-s", "--max-time", "5", "http://" + address + "/"});
  EXPECT_NE(r.exit_code, 0) << "the port still answers: " << r.out;
}

TEST_F(WorkloadHostTest, ReplicasShareTheListenerUntilTheLastGoes) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  ASSERT_TRUE(host_->Apply(Run("default/hello-a", "http_hello", address)).ready);
  WorkloadState b = host_->Apply(Run("default/hello-b", "http_hello", address));
  ASSERT_TRUE(b.ready) << b.message;
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Get("http://" + address + "/"), "hello from http_hello\n");
  host_->Remove("default/hello-a");
  EXPECT_EQ(Get("http://" + address + "/"), "hello from http_hello\n");
  host_->Remove("default/hello-b");
  EXPECT_NE(RunCommand({"curl", "-s", "--max-time", "5", "http://" + address + "/"}).exit_code, 0);
}

TEST_F(WorkloadHostTest, ABrokenRevisionLeavesTheRunningOneServing) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  ASSERT_TRUE(host_->Apply(Run("default/web", "http_hello", address)).ready);
  WorkloadRun broken = Run("default/web", "http_hello", address);
  broken.revision = "broken";
  broken.images["web"] = {"sha256:garbage", std::make_shared<std::string>("not a component")};
  WorkloadState state = host_->Apply(broken);
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "InvalidComponent");
  EXPECT_NE(state.message.find("component web"), std::string::npos) << state.message;
  EXPECT_EQ(Get("http://" + address + "/"), "hello from http_hello\n");
}

TEST_F(WorkloadHostTest, ANewRevisionReplacesTheOldOneOnTheSamePort) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  ASSERT_TRUE(host_->Apply(Run("default/web", "http_hello", address)).ready);
  EXPECT_EQ(Get("http://" + address + "/"), "hello from http_hello\n");
  WorkloadState echo = host_->Apply(Run("default/web", "http_echo", address));
  ASSERT_TRUE(echo.ready) << echo.message;
  auto r = RunCommand(
      {"curl", "-s", "--max-time", "10", "--data-binary", "ping", "http://" + address + "/"});
  EXPECT_EQ(r.out, "ping");
}

TEST_F(WorkloadHostTest, AnAddressInUseIsAConditionNotACrash) {
  const int port = FreePort();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(host_->Apply(Run("default/first", "http_hello", address)).ready);
  // Another router (another process, as far as this host knows) cannot bind the same port.
  HttpRouter other(*service_, {});
  WorkloadHost::Options options;
  options.data_dir = dir_.path();
  WorkloadHost second(*engine_, *service_, other, options);
  WorkloadState state = second.Apply(Run("default/second", "http_hello", address));
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "ListenFailed") << state.message;
  EXPECT_EQ(Get("http://" + address + "/"), "hello from http_hello\n");
}

}  // namespace
}  // namespace wcloud::host

namespace wcloud::host {
namespace {

TEST_F(WorkloadHostTest, UndeclaredImportsAreNamedAndDeclaredOnesRun) {
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  WorkloadRun run = Run("default/kv", "kv_guest", address);
  run.spec.host_interfaces.clear();
  WorkloadState state = host_->Apply(run);
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "MissingImports");
  EXPECT_NE(state.message.find("wasi:keyvalue/store"), std::string::npos) << state.message;

  api::HostInterface kv;
  kv.namespace_ = "wasi";
  kv.package = "keyvalue";
  kv.interfaces = {"store", "atomics", "batch"};
  run.spec.host_interfaces.push_back(kv);
  api::HostInterface config;
  config.namespace_ = "wasi";
  config.package = "config";
  config.interfaces = {"store"};
  run.spec.host_interfaces.push_back(config);
  api::HostInterface logging;
  logging.namespace_ = "wasi";
  logging.package = "logging";
  logging.interfaces = {"logging"};
  run.spec.host_interfaces.push_back(logging);
  run.revision = "declared";
  state = host_->Apply(run);
  EXPECT_TRUE(state.ready) << state.reason << ": " << state.message;
  EXPECT_EQ(state.reason, "Running");  // nothing to serve over HTTP
}

}  // namespace
}  // namespace wcloud::host

// Sharing the workers between workloads: a spinning one cannot take them all, maxConcurrency
// holds a component, and a full queue is answered 503. Each spinning request ends at the short
// request timeout with 504 (a guest failure in the service's stats); the assertions are on what
// the service had finished when an answer came, not on times.
namespace wcloud::host {
namespace {

using namespace std::chrono_literals;

// Sends GET `url` on a thread; its status code arrives in `status`.
std::thread GetInBackground(const std::string& url, std::string& status) {
  return std::thread([url, &status] {
    status =
        RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "60", url})
            .out;
  });
}

// Until `service` has taken `n` requests, and a little longer for them to reach the workers.
void WaitForRequests(const HttpService& service, uint64_t n) {
  for (int i = 0; i < 2000 && service.stats().requests < n; ++i) std::this_thread::sleep_for(5ms);
  std::this_thread::sleep_for(200ms);
}

TEST_F(WorkloadHostTest, ASpinningWorkloadLeavesAWorkerForAnother) {
  WorkloadHost::Options options;
  options.data_dir = dir_.path();
  options.request_timeout = 3s;
  WorkloadHost host(*engine_, *service_, *router_, options);
  const std::string spin = "127.0.0.1:" + std::to_string(FreePort());
  const std::string hello = "127.0.0.1:" + std::to_string(FreePort());
  ASSERT_TRUE(host.Apply(Run("default/spin", "http_loop", spin)).ready);
  ASSERT_TRUE(host.Apply(Run("default/hello", "http_hello", hello)).ready);

  // As many spinning requests as there are workers (2): with one FIFO they held both.
  const uint64_t before = service_->stats().requests;
  const uint64_t failures = service_->stats().guest_failures;
  std::string status[2];
  std::thread spins[2];
  for (int i = 0; i < 2; ++i) {
    spins[i] = GetInBackground("http://" + spin + "/loop", status[i]);
  }
  WaitForRequests(*service_, before + 2);
  EXPECT_EQ(Get("http://" + hello + "/"), "hello from http_hello\n");
  EXPECT_EQ(service_->stats().guest_failures.load(), failures)
      << "the other workload waited for a spinner's deadline";
  for (auto& t : spins) t.join();
  EXPECT_EQ(status[0], "504");
  EXPECT_EQ(status[1], "504");
}

// A cpuLimit bounds a component's requests as maxConcurrency does: each runs on one CPU.
TEST_F(WorkloadHostTest, MaxConcurrencyOrACpuLimitHoldsAComponentsRequests) {
  for (const char* limit : {"maxConcurrency", "cpuLimit"}) {
    SCOPED_TRACE(limit);
    WorkloadHost::Options options;
    options.data_dir = dir_.path();
    options.request_timeout = 3s;
    WorkloadHost host(*engine_, *service_, *router_, options);
    const std::string address = "127.0.0.1:" + std::to_string(FreePort());
    WorkloadRun run = Run("default/one-at-a-time", "http_loop", address);
    if (std::string(limit) == "maxConcurrency") {
      run.spec.components[0].max_concurrency = 1;
    } else {
      run.spec.components[0].local_resources = api::LocalResources{};
      run.spec.components[0].local_resources->cpu_limit = 1;
    }
    ASSERT_TRUE(host.Apply(run).ready);

    const uint64_t before = service_->stats().requests;
    const uint64_t failures = service_->stats().guest_failures;
    std::string status;
    std::thread spinning = GetInBackground("http://" + address + "/loop", status);
    WaitForRequests(*service_, before + 1);
    // A worker is free, but the component already runs its one request.
    EXPECT_EQ(Get("http://" + address + "/"), "http_loop ok\n");
    EXPECT_EQ(service_->stats().guest_failures.load(), failures + 1)
        << "a limit of 1 let a second request run beside the spinning one";
    spinning.join();
    EXPECT_EQ(status, "504");
  }
}

TEST_F(WorkloadHostTest, AFullQueueIsAnswered503WithRetryAfter) {
  WorkerPool::Options pool_options;
  pool_options.threads = 1;
  pool_options.max_queued_per_workload = 1;
  auto workers = WorkerPool::Start(*engine_, pool_options);
  ASSERT_TRUE(workers.has_value()) << workers.error().message();
  HttpService service(**workers);
  HttpRouter router(service, {});
  WorkloadHost::Options options;
  options.data_dir = dir_.path();
  options.request_timeout = 2s;
  WorkloadHost host(*engine_, service, router, options);
  const std::string address = "127.0.0.1:" + std::to_string(FreePort());
  ASSERT_TRUE(host.Apply(Run("default/spin", "http_loop", address)).ready);

  // One spinning on the only worker, one waiting: the queue (1) is full.
  std::string status[2];
  std::thread spins[2];
  spins[0] = GetInBackground("http://" + address + "/loop", status[0]);
  WaitForRequests(service, 1);
  spins[1] = GetInBackground("http://" + address + "/loop", status[1]);
  WaitForRequests(service, 2);
  auto r = RunCommand({"curl", "-s", "-i", "--max-time", "10", "http://" + address + "/"});
  EXPECT_EQ(service.stats().guest_failures.load(), 0u) << "the refusal waited for a worker";
  EXPECT_NE(r.out.find("HTTP/1.1 503"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("retry-after: 1\r\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("workload default/spin has too many requests waiting"), std::string::npos)
      << r.out;
  EXPECT_EQ(service.stats().refused.load(), 1u);
  for (auto& t : spins) t.join();
  EXPECT_EQ(status[0], "504");
  EXPECT_EQ(status[1], "504");
  host.Remove("default/spin");
  (*workers)->Stop();
}

// What a scrape holds about `workload`'s component "web": the lines of its series.
std::string SeriesOf(metrics::Registry& registry, const std::string& workload) {
  std::string lines;
  std::istringstream text(registry.Scrape());
  const std::string labels = "namespace=\"default\",workload=\"" + workload + "\"";
  for (std::string line; std::getline(text, line);) {
    if (line.find(labels) != std::string::npos) lines += line + "\n";
  }
  return lines;
}

TEST_F(WorkloadHostTest, MetricsCountEachComponentsRequestsAndGoWithItsWorkload) {
  metrics::Registry registry;
  HostMetrics host_metrics(registry);
  WorkloadHost::Options options;
  options.data_dir = dir_.path();
  options.request_timeout = 500ms;
  options.metrics = &host_metrics;
  WorkloadHost host(*engine_, *service_, *router_, options);
  const std::string trap = "127.0.0.1:" + std::to_string(FreePort());
  const std::string spin = "127.0.0.1:" + std::to_string(FreePort());
  ASSERT_TRUE(host.Apply(Run("default/trap", "http_trap", trap)).ready);
  ASSERT_TRUE(host.Apply(Run("default/spin", "http_loop", spin)).ready);

  for (int i = 0; i < 3; ++i) Get("http://" + trap + "/");
  std::string status;
  GetInBackground("http://" + trap + "/trap", status).join();
  EXPECT_EQ(status, "500");
  GetInBackground("http://" + spin + "/loop", status).join();
  EXPECT_EQ(status, "504");
  Get("http://" + trap + "/");  // an instance is kept for the next request

  const std::string web = "component=\"web\",namespace=\"default\",workload=\"trap\"";
  const std::string served = SeriesOf(registry, "trap");
  EXPECT_THAT(served, HasSubstr("wcloud_http_requests_total{code=\"2xx\"," + web + "} 4\n"));
  EXPECT_THAT(served, HasSubstr("wcloud_http_requests_total{code=\"5xx\"," + web + "} 1\n"));
  EXPECT_THAT(served, HasSubstr("wcloud_http_request_duration_seconds_count{" + web + "} 5\n"));
  EXPECT_THAT(served, HasSubstr("wcloud_http_requests_in_flight{" + web + "} 0\n"));
  EXPECT_THAT(served, HasSubstr("wcloud_guest_traps_total{" + web + "} 1\n"));
  EXPECT_THAT(served, HasSubstr("wcloud_guest_deadline_kills_total{" + web + "} 0\n"));
  // Fresh per request: the trapped instance is discarded, the others reset (on whichever
  // worker served them, so how many were created depends on which did).
  EXPECT_THAT(served, HasSubstr("wcloud_instances_discarded_total{" + web + "} 1\n"));
  EXPECT_THAT(served, HasSubstr("wcloud_instance_resets_total{" + web + "} 4\n"));
  EXPECT_THAT(served, HasSubstr("wcloud_instantiation_duration_seconds_count{" + web + "}"));
  EXPECT_THAT(served, ::testing::ContainsRegex("wcloud_guest_memory_bytes\\{[^}]*\\} [1-9]"));

  const std::string spun = SeriesOf(registry, "spin");
  EXPECT_THAT(spun, HasSubstr("wcloud_guest_deadline_kills_total{component=\"web\","
                              "namespace=\"default\",workload=\"spin\"} 1\n"));
  EXPECT_THAT(spun, HasSubstr("wcloud_guest_traps_total{component=\"web\","
                              "namespace=\"default\",workload=\"spin\"} 0\n"));

  // A new revision keeps counting in the same series; removal takes them away.
  ASSERT_TRUE(host.Apply(Run("default/trap", "http_hello", trap)).ready);
  EXPECT_EQ(Get("http://" + trap + "/"), "hello from http_hello\n");
  EXPECT_THAT(SeriesOf(registry, "trap"),
              HasSubstr("wcloud_http_requests_total{code=\"2xx\"," + web + "} 5\n"));
  host.Remove("default/trap");
  EXPECT_EQ(SeriesOf(registry, "trap"), "");
  EXPECT_NE(SeriesOf(registry, "spin"), "");
  host.Remove("default/spin");
  EXPECT_EQ(SeriesOf(registry, "spin"), "");
}

// Limits per workload: a component's memoryLimitMb, a workload's request timeout,
// each replacing the host's default for that workload only, and the failures they cause counted
// for the Workload's status while the host and the other workloads go on serving.
TEST_F(WorkloadHostTest, AComponentsMemoryLimitReplacesTheHostsForItAlone) {
  WorkloadHost::Options options;
  options.data_dir = dir_.path();
  WorkloadHost host(*engine_, *service_, *router_, options);
  const std::string small = "127.0.0.1:" + std::to_string(FreePort());
  const std::string roomy = "127.0.0.1:" + std::to_string(FreePort());
  WorkloadRun capped = Run("default/small", "http_hog", small);
  capped.spec.components[0].local_resources = api::LocalResources{};
  capped.spec.components[0].local_resources->memory_limit_mb = 16;
  ASSERT_TRUE(host.Apply(capped).ready);
  ASSERT_TRUE(host.Apply(Run("default/roomy", "http_hog", roomy)).ready);
  EXPECT_FALSE(host.Failures("default/small"));

  std::string status;
  GetInBackground("http://" + small + "/grow/8", status).join();
  EXPECT_EQ(status, "200") << "within its 16 MiB";
  GetInBackground("http://" + small + "/grow/32", status).join();
  EXPECT_EQ(status, "500") << "past its 16 MiB";
  GetInBackground("http://" + roomy + "/grow/32", status).join();
  EXPECT_EQ(status, "200") << "the workers' own cap still holds for another workload";
  GetInBackground("http://" + small + "/grow/8", status).join();
  EXPECT_EQ(status, "200") << "the failed instance was discarded; a new one serves";

  auto failures = host.Failures("default/small");
  ASSERT_TRUE(failures);
  EXPECT_EQ(failures->traps, 1u);
  EXPECT_EQ(failures->memory_limit, 1u);
  EXPECT_EQ(failures->deadline_exceeded, 0u);
  EXPECT_THAT(failures->last_message, HasSubstr("component web: GET /grow/32: "));
  EXPECT_FALSE(host.Failures("default/roomy"));
  host.Remove("default/small");
  EXPECT_FALSE(host.Failures("default/small")) << "the counts go with the workload";
}

TEST_F(WorkloadHostTest, AWorkloadsRequestTimeoutReplacesTheHostsUpToItsMaximum) {
  WorkloadHost::Options options;
  options.data_dir = dir_.path();
  options.request_timeout = 30s;
  options.max_request_timeout = 60s;
  WorkloadHost host(*engine_, *service_, *router_, options);
  const std::string quick = "127.0.0.1:" + std::to_string(FreePort());
  WorkloadRun run = Run("default/quick", "http_loop", quick);
  run.request_timeout = 300ms;
  ASSERT_TRUE(host.Apply(run).ready);

  // Were the host's 30 s the deadline, curl would give up first (000).
  const std::string status = RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                                         "--max-time", "10", "http://" + quick + "/loop"})
                                 .out;
  EXPECT_EQ(status, "504");
  EXPECT_EQ(Get("http://" + quick + "/"), "http_loop ok\n");
  auto failures = host.Failures("default/quick");
  ASSERT_TRUE(failures);
  EXPECT_EQ(failures->deadline_exceeded, 1u);
  EXPECT_EQ(failures->traps, 0u);

  WorkloadRun greedy =
      Run("default/greedy", "http_loop", "127.0.0.1:" + std::to_string(FreePort()));
  greedy.request_timeout = 120s;
  WorkloadState state = host.Apply(greedy);
  EXPECT_FALSE(state.ready);
  EXPECT_EQ(state.reason, "InvalidConfiguration");
  EXPECT_THAT(state.message, HasSubstr("--max-request-timeout"));
}

}  // namespace
}  // namespace wcloud::host
