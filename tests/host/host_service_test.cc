// The host's side of the host protocol with the real engine and ingress, held to the contracts
// wasmCloud's own tests pin (../shared/spec/host-protocol.md): a live ID is refused and left
// running, a failed start does not use its ID up, stop and status of unknown IDs answer
// NOT_FOUND, the heartbeat follows the running workloads. Sealed values open only for this host.
#include "host/host_service.h"

#include <gtest/gtest.h>

#include <fstream>

#include "api/request_timeout.h"
#include "hostapi/codec.h"
#include "hostapi/sealing.h"
#include "support/subprocess.h"
#include "support/wait_for.h"
#include "test_components.h"
#include "wasm/v8_engine.h"

namespace wcloud::host {
namespace {

using hostapi::WorkloadState;
using testing::FreePort;
using testing::RunCommand;

constexpr char kHostId[] = "NHOSTSERVICETESTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

class HostServiceTest : public ::testing::Test {
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

  HostServiceTest()
      : key_(std::move(hostapi::SealKey::Generate()).value()),
        http_(*workers_),
        router_(http_, HttpRouter::Options{.threads = 1}),
        workloads_(
            *engine_, http_, router_,
            {.http_address = "127.0.0.1:" + std::to_string(FreePort()), .data_dir = dir_.path()}),
        images_(nullptr),
        service_(workloads_, images_, &key_,
                 {.host_id = kHostId, .labels = {{"zone", "a"}}, .environment = "tenant-a"}) {}
  ~HostServiceTest() override { router_.StopAll(); }

  // wasmCloud's operator's request for one http_hello component on `address`.
  static hostapi::WorkloadStartRequest Request(const std::string& id, const std::string& address,
                                               const std::string& image = "") {
    hostapi::WorkloadStartRequest r;
    r.workload_id = id;
    r.workload.namespace_ = "default";
    r.workload.name = "hello";
    hostapi::Component c;
    c.name = "web";
    c.image = image.empty() ? "file://" + wcloud::testing::TestComponentPath("http_hello") : image;
    r.workload.wit_world.components.push_back(c);
    r.workload.wit_world.host_interfaces.push_back(
        {"wasi", "http", "0.2.0", {"incoming-handler"}, {{"address", address}}, ""});
    return r;
  }
  static std::string Get(const std::string& address) {
    return RunCommand({"curl", "-s", "--max-time", "10", "http://" + address + "/"}).out;
  }
  static std::string Address() { return "127.0.0.1:" + std::to_string(FreePort()); }

  static wasm::Engine* engine_;
  static WorkerPool* workers_;
  wcloud::testing::TempDir dir_;
  hostapi::SealKey key_;
  HttpService http_;
  HttpRouter router_;
  WorkloadHost workloads_;
  ComponentImages images_;
  HostService service_;
};

wasm::Engine* HostServiceTest::engine_ = nullptr;
WorkerPool* HostServiceTest::workers_ = nullptr;

TEST_F(HostServiceTest, ALiveIdIsRefusedAndLeftRunningUntilStopped) {
  const std::string address = Address();
  auto started = service_.Start(Request("w1", address));
  ASSERT_EQ(started.state, WorkloadState::kRunning) << started.message;
  EXPECT_EQ(started.workload_id, "w1");
  EXPECT_EQ(started.message, "serving on http://127.0.0.1:" + address.substr(10));
  EXPECT_EQ(Get(address), "hello from http_hello\n");

  auto again = service_.Start(Request("w1", Address()));
  EXPECT_EQ(again.state, WorkloadState::kError);
  EXPECT_EQ(again.workload_id, "w1");
  EXPECT_EQ(hostapi::SplitReason(again.message, "").reason, "AlreadyRunning") << again.message;
  EXPECT_EQ(Get(address), "hello from http_hello\n") << "the running one is untouched";
  EXPECT_EQ(service_.Status("w1").state, WorkloadState::kRunning);

  EXPECT_EQ(service_.Stop("w1").state, WorkloadState::kCompleted);
  EXPECT_EQ(RunCommand({"curl", "-s", "--max-time", "10", "http://" + address + "/"}).exit_code, 7);
  EXPECT_EQ(service_.Status("w1").state, WorkloadState::kNotFound);
  EXPECT_EQ(service_.Stop("w1").state, WorkloadState::kNotFound) << "teardown is idempotent";
  EXPECT_EQ(service_.Start(Request("w1", address)).state, WorkloadState::kRunning)
      << "reusable after the stop";
}

TEST_F(HostServiceTest, FailedStartsDoNotUseTheIdUpAndSayWhy) {
  auto missing = service_.Start(Request("w2", Address(), "file:///nonexistent/c.wasm"));
  EXPECT_EQ(missing.state, WorkloadState::kError);
  auto [reason, message] = hostapi::SplitReason(missing.message, "");
  EXPECT_EQ(reason, "ImagePullFailed");
  EXPECT_NE(message.find("/nonexistent/c.wasm"), std::string::npos) << message;
  EXPECT_EQ(service_.Status("w2").state, WorkloadState::kNotFound);

  // Bytes that are no component: refused after the image was read, still not kept.
  const auto broken = dir_.path() / "broken.wasm";
  std::ofstream(broken) << "not a component";
  auto invalid = service_.Start(Request("w2", Address(), "file://" + broken.string()));
  EXPECT_EQ(hostapi::SplitReason(invalid.message, "").reason, "InvalidComponent")
      << invalid.message;
  EXPECT_EQ(service_.Status("w2").state, WorkloadState::kNotFound);
  EXPECT_EQ(workloads_.workload_count(), 0);

  EXPECT_EQ(service_.Start(Request("w2", Address())).state, WorkloadState::kRunning);
}

TEST_F(HostServiceTest, SealedValuesOpenForThisHostOnly) {
  auto request = Request("w3", Address());
  auto sealed = hostapi::Seal(key_.PublicKey(), "s3cret", "w3");
  ASSERT_TRUE(sealed);
  request.workload.wit_world.components[0].local_resources.environment["PASSWORD"] = *sealed;
  EXPECT_EQ(service_.Start(request).state, WorkloadState::kRunning);

  // Sealed for another workload ID: refused, never used as plaintext.
  auto replayed = Request("w4", Address());
  replayed.workload.wit_world.components[0].local_resources.environment["PASSWORD"] = *sealed;
  auto refused = service_.Start(replayed);
  EXPECT_EQ(refused.state, WorkloadState::kError);
  EXPECT_EQ(hostapi::SplitReason(refused.message, "").reason, "SealedValueRejected")
      << refused.message;
  EXPECT_EQ(refused.message.find("s3cret"), std::string::npos);
}

TEST_F(HostServiceTest, TheHeartbeatCarriesIdentityLabelsAndTheWorkloadCount) {
  auto hb = service_.Heartbeat();
  EXPECT_EQ(hb.id, kHostId);
  EXPECT_EQ(hb.labels.at("hostgroup"), "default");
  EXPECT_EQ(hb.labels.at("zone"), "a");
  EXPECT_EQ(hb.labels.at(hostapi::kSealKeyLabel), key_.PublicKey());
  EXPECT_EQ(hb.environment, "tenant-a");
  EXPECT_EQ(hb.workload_count, 0u);
  EXPECT_FALSE(hb.hostname.empty());
  EXPECT_GT(hb.system_memory_total, 0u);
  bool keyvalue = false;
  for (const auto& wit : hb.imports) {
    keyvalue = keyvalue || (wit.namespace_ == "wasi" && wit.package == "keyvalue");
  }
  EXPECT_TRUE(keyvalue);

  ASSERT_EQ(service_.Start(Request("w5", Address())).state, WorkloadState::kRunning);
  EXPECT_EQ(service_.Heartbeat().workload_count, 1u);
  EXPECT_EQ(service_.Heartbeat().component_count, 1u);
  service_.Stop("w5");
  EXPECT_EQ(service_.Heartbeat().workload_count, 0u);
}

}  // namespace
}  // namespace wcloud::host

namespace wcloud::host {
namespace {

TEST_F(HostServiceTest, TheServiceRunsWithTheWorkloadAndItsStatusTravelsInStatusAnswers) {
  hostapi::WorkloadStartRequest request = Request("w-svc", Address());
  EXPECT_FALSE(service_.Start(request).service) << "no service, wasmCloud's message unchanged";
  ASSERT_EQ(service_.Stop("w-svc").state, WorkloadState::kCompleted);

  request.workload.wit_world.host_interfaces.push_back(
      {"wasi", "keyvalue", "0.2.0-draft", {"store", "atomics"}, {}, ""});
  request.workload.wit_world.host_interfaces.push_back(
      {"wasi", "config", "0.2.0-rc.1", {"store"}, {}, ""});
  hostapi::Service svc;
  svc.image = "file://" + wcloud::testing::TestComponentPath("service_counter");
  svc.max_restarts = 1;
  svc.local_resources.config = {{"exit", "err"}};
  request.workload.service = svc;
  // Started by an operator that does not ask for extensions (wasmCloud's, whose protojson
  // decoding refuses unknown fields): the answers stay wasmCloud's, field for field.
  auto started = service_.Start(request);
  ASSERT_EQ(started.state, WorkloadState::kRunning) << started.message;
  EXPECT_FALSE(started.service);
  EXPECT_FALSE(service_.Status("w-svc").service);
  EXPECT_FALSE(
      hostapi::Encode(service_.Status("w-svc"))["workloadStatus"].contains("serviceStatus"));
  ASSERT_EQ(service_.Stop("w-svc").state, WorkloadState::kCompleted);

  // Our operator asks for them.
  request.workload.annotations[hostapi::kExtensionsAnnotation] = hostapi::kExtensionsVersion;
  started = service_.Start(request);
  ASSERT_EQ(started.state, WorkloadState::kRunning) << started.message;
  ASSERT_TRUE(started.service);
  // One restart after the default backoff of a second, then Failed.
  ASSERT_TRUE(testing::WaitFor([&] {
    auto st = service_.Status("w-svc");
    return st.service && st.service->phase == "Failed";
  }));
  auto status = service_.Status("w-svc");
  EXPECT_EQ(status.state, WorkloadState::kRunning) << "the components still serve";
  EXPECT_EQ(status.service->restarts, 1u);
  EXPECT_EQ(status.service->message, "exited with status 1");
  EXPECT_EQ(service_.Stop("w-svc").state, WorkloadState::kCompleted);

  request.workload.service->image = "file:///nonexistent/service.wasm";
  auto missing = service_.Start(request);
  EXPECT_EQ(missing.state, WorkloadState::kError);
  auto [reason, message] = hostapi::SplitReason(missing.message, "");
  EXPECT_EQ(reason, "ImagePullFailed");
  EXPECT_EQ(message.rfind("service", 0), 0u) << message;
}

TEST_F(HostServiceTest, LimitsAndTheRequestTimeoutTravelAndFailuresComeBackWhenAsked) {
  const std::string address = Address();
  hostapi::WorkloadStartRequest request =
      Request("w-limits", address, "file://" + wcloud::testing::TestComponentPath("http_hog"));
  request.workload.wit_world.components[0].local_resources.memory_limit_mb = 16;
  request.workload.wit_world.components[0].local_resources.cpu_limit = 1;
  request.workload.annotations[api::kRequestTimeoutAnnotation] = "soon";
  auto refused = service_.Start(request);
  EXPECT_EQ(refused.state, WorkloadState::kError);
  EXPECT_EQ(hostapi::SplitReason(refused.message, "").reason, "InvalidConfiguration");
  EXPECT_NE(refused.message.find("annotation wcloud.dev/request-timeout"), std::string::npos)
      << refused.message;

  // Without the extension, a failure is counted but the answer stays wasmCloud's.
  request.workload.annotations[api::kRequestTimeoutAnnotation] = "5s";
  ASSERT_EQ(service_.Start(request).state, WorkloadState::kRunning);
  auto code = [&](const std::string& path) {
    return RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10",
                       "http://" + address + path})
        .out;
  };
  EXPECT_EQ(code("/grow/32"), "500");
  EXPECT_TRUE(workloads_.Failures("w-limits"));
  EXPECT_FALSE(service_.Status("w-limits").guest_failures);
  EXPECT_FALSE(
      hostapi::Encode(service_.Status("w-limits"))["workloadStatus"].contains("guestFailures"));
  ASSERT_EQ(service_.Stop("w-limits").state, WorkloadState::kCompleted);

  request.workload.annotations[hostapi::kExtensionsAnnotation] = hostapi::kExtensionsVersion;
  auto started = service_.Start(request);
  ASSERT_EQ(started.state, WorkloadState::kRunning) << started.message;
  EXPECT_FALSE(started.guest_failures) << "a new start counts from nothing";
  EXPECT_EQ(code("/grow/4"), "200");
  EXPECT_EQ(code("/grow/32"), "500");
  auto status = service_.Status("w-limits");
  ASSERT_TRUE(status.guest_failures);
  EXPECT_EQ(status.guest_failures->traps, 1u);
  EXPECT_EQ(status.guest_failures->memory_limit, 1u);
  EXPECT_NE(status.guest_failures->last_message.find("component web: GET /grow/32"),
            std::string::npos)
      << status.guest_failures->last_message;
  EXPECT_EQ(service_.Stop("w-limits").state, WorkloadState::kCompleted);
}

}  // namespace
}  // namespace wcloud::host
