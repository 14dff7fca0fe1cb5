// The operator's workload dispatcher against a real API server, the real scheduler and real hosts
// in this process (HostService over WorkloadHost: V8, ingress, wasi:http), reached through the
// host protocol (hostapi::LocalHosts): Workloads placed on a host serve HTTP, replicas share a
// listener, deletion waits for the host and closes the port, failures are conditions, layered
// configuration resolves without leaking secrets (sealed for the host), private OCI images pull
// with a secret, a moved Workload starts on its new host before it stops on the old one, and a
// restarted host or operator gets everything back.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "apiserver/api_server.h"
#include "host/component_images.h"
#include "host/host_service.h"
#include "host/http_router.h"
#include "host/http_service.h"
#include "host/worker_pool.h"
#include "hostapi/sealing.h"
#include "kube/rest_client.h"
#include "oci/registry_client.h"
#include "operator/object_types.h"
#include "operator/operator.h"
#include "operator/workload_dispatcher.h"
#include "operator/workload_environment.h"
#include "support/subprocess.h"
#include "support/test_registry.h"
#include "support/wait_for.h"
#include "test_components.h"
#include "util/base64.h"
#include "util/sha256.h"
#include "wasm/v8_engine.h"

namespace wcloud::operator_ {
namespace {

using namespace std::chrono_literals;
using testing::FreePort;
using testing::RunCommand;
using testing::WaitFor;

constexpr char kHostId[] = "NAGENTTESTHOSTAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kOtherHostId[] = "NOTHERHOSTBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Json Condition(const Json& w, const std::string& type) {
  if (!w.contains("status") || !w["status"].is_object()) return Json::object();
  for (const auto& c : w["status"].value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return Json::object();
}

struct HttpAnswer {
  int curl_exit = -1;  // 7: nothing listens
  std::string body;
};

HttpAnswer Get(const std::string& address) {
  auto r = RunCommand({"curl", "-s", "--max-time", "10", "http://" + address + "/"});
  return {r.exit_code, r.out};
}

// One host of the test: its runtime and its side of the host protocol.
struct TestHost {
  TestHost(wasm::Engine& engine, host::HttpService& service, const std::filesystem::path& dir,
           const std::string& id, const hostapi::SealKey* seal_key)
      : address("127.0.0.1:" + std::to_string(FreePort())),
        router(service, host::HttpRouter::Options{.threads = 1}),
        workloads(engine, service, router, {.http_address = address, .data_dir = dir}),
        components(dir / "components"),
        images(&components),
        service(workloads, images, seal_key, {.host_id = id, .hostname = id}) {}
  ~TestHost() { router.StopAll(); }

  std::string address;  // where Host-header routed workloads are served
  host::HttpRouter router;
  host::WorkloadHost workloads;
  oci::LocalComponentStore components;
  host::ComponentImages images;
  host::HostService service;
};

class WorkloadDispatchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    engine_ = std::move(wasm::NewV8Engine()).value().release();
    host::WorkerPool::Options options;
    options.threads = 2;
    workers_ = std::move(host::WorkerPool::Start(*engine_, options)).value().release();
  }
  static void TearDownTestSuite() {
    delete workers_;
    delete engine_;
  }

  void SetUp() override {
    auto store = apiserver::ObjectStore::Open(dir_.path() / "state.db", {});
    ASSERT_TRUE(store);
    store_ = std::move(*store);
    apiserver::ApiServer::Options options;
    options.listen = "127.0.0.1:0";
    auto server = apiserver::ApiServer::Start(*store_, options);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    kube::RestConfig config;
    config.server = "http://127.0.0.1:" + std::to_string(server_->port());
    client_ = std::make_unique<kube::RestClient>(config);

    service_ = std::make_unique<host::HttpService>(*workers_);
    auto key = hostapi::SealKey::Generate();
    ASSERT_TRUE(key);
    seal_key_ = std::make_unique<hostapi::SealKey>(std::move(*key));
    StartHost();
    StartOperator();
    ASSERT_TRUE(operator_->HeartbeatReceived(host_->service.Heartbeat()));
    ASSERT_TRUE(WaitFor([&] { return !operator_->KnownHosts().empty(); }));
  }

  void TearDown() override {
    operator_.reset();
    host_.reset();
    other_.reset();
    service_.reset();
    if (server_) server_->Stop();
  }

  void StartHost() {
    host_ = std::make_unique<TestHost>(*engine_, *service_, dir_.path() / "host", kHostId,
                                       seal_key_.get());
    hosts_.Add(kHostId, host_->service);
  }
  void StopHost() {
    hosts_.Remove(kHostId);
    host_.reset();
  }
  void StartOperator() {
    Operator::Options options;
    options.hosts = &hosts_;
    options.dispatch.resync = 500ms;
    operator_ = std::make_unique<Operator>(*client_, "", options);
    operator_->Start();
    ASSERT_TRUE(operator_->WaitForSync(5s));
  }
  int Running() const { return host_->workloads.workload_count(); }

  static Json Workload(const std::string& name, const std::string& image,
                       const std::string& address, const Json& component_extra = {}) {
    Json component = {{"name", "web"}, {"image", image}};
    if (component_extra.is_object()) component.merge_patch(component_extra);
    return {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
            {"kind", "Workload"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec",
             {{"hostSelector", {{"hostgroup", "default"}}},
              {"components", Json::array({component})},
              {"hostInterfaces", Json::array({{{"namespace", "wasi"},
                                               {"package", "http"},
                                               {"interfaces", {"incoming-handler"}},
                                               {"config", {{"address", address}}}}})}}}};
  }

  void Create(const Json& workload) {
    auto r = client_->Do("POST", kube::CollectionPath(kWorkloads, "default"), &workload);
    ASSERT_TRUE(r) << r.error().message();
  }

  void CreateCore(const std::string& plural, const Json& object) {
    auto r = client_->Do("POST", "/api/v1/namespaces/default/" + plural, &object);
    ASSERT_TRUE(r) << r.error().message();
  }

  std::optional<Json> Fetch(const std::string& name) {
    auto got = client_->Get(kube::ObjectPath(kWorkloads, "default", name));
    if (!got) return std::nullopt;
    return *got;
  }

  // Waits until the Workload's Ready condition has `status` (and `reason`, when given).
  Json WaitReady(const std::string& name, const std::string& status,
                 const std::string& reason = "") {
    Json last;
    WaitFor([&] {
      auto w = Fetch(name);
      if (!w) return false;
      last = *w;
      Json c = Condition(last, "Ready");
      return c.value("status", "") == status && (reason.empty() || c.value("reason", "") == reason);
    });
    return last;
  }

  void Delete(const std::string& name) {
    ASSERT_TRUE(client_->Do("DELETE", kube::ObjectPath(kWorkloads, "default", name)));
  }

  bool WaitGone(const std::string& name) {
    return WaitFor([&] { return !Fetch(name).has_value(); });
  }

  static std::string Address() { return "127.0.0.1:" + std::to_string(FreePort()); }
  static std::string Hello() {
    return "file://" + wcloud::testing::TestComponentPath("http_hello");
  }

  static wasm::Engine* engine_;
  static host::WorkerPool* workers_;
  wcloud::testing::TempDir dir_;
  std::unique_ptr<apiserver::ObjectStore> store_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<host::HttpService> service_;
  std::unique_ptr<hostapi::SealKey> seal_key_;
  hostapi::LocalHosts hosts_;
  std::unique_ptr<TestHost> host_;
  std::unique_ptr<TestHost> other_;
  std::unique_ptr<Operator> operator_;
};

wasm::Engine* WorkloadDispatchTest::engine_ = nullptr;
host::WorkerPool* WorkloadDispatchTest::workers_ = nullptr;

TEST_F(WorkloadDispatchTest, ServesSharesTheListenerAndDeletionClosesThePort) {
  const std::string address = Address();
  Create(Workload("hello-a", Hello(), address));
  Json a = WaitReady("hello-a", "True");
  ASSERT_EQ(Condition(a, "Ready").value("status", ""), "True") << a.dump(2);
  EXPECT_EQ(a["status"]["phase"], "Running");
  EXPECT_EQ(a["status"]["hostId"], kHostId);
  EXPECT_EQ(a["status"]["observedGeneration"], a["metadata"]["generation"]);
  EXPECT_EQ(Condition(a, "Scheduled").value("status", ""), "True") << "the scheduler's stays";
  EXPECT_NE(Condition(a, "Ready").value("message", "").find(address), std::string::npos)
      << a.dump(2);
  EXPECT_EQ(a["metadata"]["finalizers"], Json::array({WorkloadDispatcher::kFinalizer}));
  EXPECT_EQ(Get(address).body, "hello from http_hello\n");

  // Quiet once Ready: no status writes without a change.
  std::string version = a["metadata"]["resourceVersion"];
  std::this_thread::sleep_for(1200ms);  // two resyncs
  EXPECT_EQ((*Fetch("hello-a"))["metadata"]["resourceVersion"], version);

  // A second replica on the same address shares the listener.
  Create(Workload("hello-b", Hello(), address));
  Json b = WaitReady("hello-b", "True");
  ASSERT_EQ(Condition(b, "Ready").value("status", ""), "True") << b.dump(2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Get(address).body, "hello from http_hello\n");

  // Deleting one waits for the host, then the other keeps the listener.
  Delete("hello-a");
  EXPECT_TRUE(WaitGone("hello-a"));
  EXPECT_EQ(Get(address).body, "hello from http_hello\n");
  EXPECT_EQ(Running(), 1);

  // Deleting the last one closes the port.
  Delete("hello-b");
  EXPECT_TRUE(WaitGone("hello-b"));
  EXPECT_EQ(Running(), 0);
  EXPECT_EQ(Get(address).curl_exit, 7) << "nothing listens on " << address;
}

TEST_F(WorkloadDispatchTest, FailuresAreConditionsWhileOtherWorkloadsServe) {
  const std::string address = Address();
  Create(Workload("good", Hello(), address));
  ASSERT_EQ(Condition(WaitReady("good", "True"), "Ready").value("status", ""), "True");

  // An image file that is not there: retried, reported, never fatal.
  std::string missing = (dir_.path() / "missing.wasm").string();
  Create(Workload("unreadable", "file://" + missing, Address()));
  Json u = WaitReady("unreadable", "False", "ImagePullFailed");
  Json uc = Condition(u, "Ready");
  ASSERT_EQ(uc.value("reason", ""), "ImagePullFailed") << u.dump(2);
  EXPECT_EQ(u["status"]["phase"], "Pending");
  EXPECT_NE(uc.value("message", "").find("component web"), std::string::npos) << uc.dump();
  EXPECT_NE(uc.value("message", "").find(missing), std::string::npos) << uc.dump();

  // Bytes that are no component.
  std::string broken = (dir_.path() / "broken.wasm").string();
  std::ofstream(broken) << "this is not a component";
  Create(Workload("broken", "file://" + broken, Address()));
  Json br = WaitReady("broken", "False", "InvalidComponent");
  ASSERT_EQ(Condition(br, "Ready").value("reason", ""), "InvalidComponent") << br.dump(2);
  EXPECT_EQ(br["status"]["phase"], "Failed");
  EXPECT_NE(Condition(br, "Ready").value("message", "").find("component web"), std::string::npos);

  EXPECT_EQ(Get(address).body, "hello from http_hello\n");
  EXPECT_EQ(Condition(*Fetch("good"), "Ready").value("status", ""), "True");

  // The file appearing later is picked up by the retries.
  std::filesystem::copy_file(wcloud::testing::TestComponentPath("http_hello"), missing);
  Json fixed = WaitReady("unreadable", "True");
  EXPECT_EQ(Condition(fixed, "Ready").value("status", ""), "True") << fixed.dump(2);

  // A failed Workload is still released on deletion.
  Delete("broken");
  EXPECT_TRUE(WaitGone("broken"));
}

TEST_F(WorkloadDispatchTest, EnvironmentLayersLiteralConfigMapsAndSecrets) {
  CreateCore("configmaps", {{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "app-config"}, {"namespace", "default"}}},
                            {"data", {{"A", "from-configmap"}, {"B", "from-configmap"}}}});
  CreateCore(
      "secrets",
      {{"apiVersion", "v1"},
       {"kind", "Secret"},
       {"metadata", {{"name", "app-secret"}, {"namespace", "default"}}},
       {"type", "Opaque"},
       {"data", {{"B", Base64Encode("s3cret-b-value")}, {"C", Base64Encode("s3cret-c-value")}}}});
  api::EnvironmentSource source;
  source.config = {{"A", "literal"}, {"D", "literal"}};
  source.config_from = {{"app-config"}};
  source.secret_from = {{"app-secret"}};
  auto env = ResolveEnvironment(*client_, "default", source);
  ASSERT_TRUE(env) << env.error().message();
  EXPECT_TRUE(env->missing.empty());
  std::vector<std::pair<std::string, std::string>> want = {
      {"A", "from-configmap"}, {"B", "s3cret-b-value"}, {"C", "s3cret-c-value"}, {"D", "literal"}};
  EXPECT_EQ(env->values, want);

  source.config_from.push_back({"absent-config"});
  source.secret_from.push_back({"absent-secret"});
  env = ResolveEnvironment(*client_, "default", source);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->missing,
            (std::vector<std::string>{"ConfigMap absent-config", "Secret absent-secret"}));

  // Through a Workload to the component, which reads its wasi:config over HTTP (http_kv);
  // no secret value anywhere visible.
  Json layered = {{"localResources",
                   {{"environment",
                     {{"config", {{"A", "literal"}, {"D", "literal"}}},
                      {"configFrom", {{{"name", "app-config"}}}},
                      {"secretFrom", {{{"name", "app-secret"}}}}}}}}};
  const std::string address = Address();
  Json configured = Workload(
      "configured", "file://" + wcloud::testing::TestComponentPath("http_kv"), address, layered);
  for (const char* package : {"keyvalue", "config", "logging"}) {
    Json entry = {{"namespace", "wasi"}, {"package", package}};
    if (std::string(package) == "keyvalue") entry["interfaces"] = {"store", "atomics", "batch"};
    if (std::string(package) == "config") entry["interfaces"] = {"store"};
    if (std::string(package) == "logging") entry["interfaces"] = {"logging"};
    configured["spec"]["hostInterfaces"].push_back(entry);
  }
  Create(configured);
  Json w = WaitReady("configured", "True");
  ASSERT_EQ(Condition(w, "Ready").value("status", ""), "True") << w.dump(2);
  EXPECT_EQ(Condition(w, "ConfigResolved").value("status", ""), "True");
  auto config = RunCommand({"curl", "-s", "--max-time", "10", "http://" + address + "/config"});
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = config.out.find('\n', at)) != std::string::npos; at = nl + 1) {
    lines.push_back(config.out.substr(at, nl - at));
  }
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"A=from-configmap", "B=s3cret-b-value",
                                             "C=s3cret-c-value", "D=literal"}))
      << config.out;

  // A missing ConfigMap is named, consistently with the scheduler; creating it recovers.
  Json needs = {{"localResources",
                 {{"environment",
                   {{"configFrom", {{{"name", "late-config"}}}},
                    {"secretFrom", {{{"name", "app-secret"}}}}}}}}};
  // Placed first (the scheduler waits for missing config), so the ConfigMap goes after it.
  CreateCore("configmaps", {{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "late-config"}, {"namespace", "default"}}},
                            {"data", {{"E", "e"}}}});
  Create(Workload("late", Hello(), Address(), needs));
  ASSERT_TRUE(WaitFor([&] {
    auto l = Fetch("late");
    return l && l->contains("status") && (*l)["status"].value("hostId", "") == kHostId;
  }));
  ASSERT_TRUE(client_->Do("DELETE", "/api/v1/namespaces/default/configmaps/late-config"));
  // The next reconcile finds it gone.
  Json gone = WaitReady("late", "False", "ConfigNotFound");
  ASSERT_EQ(Condition(gone, "Ready").value("reason", ""), "ConfigNotFound") << gone.dump(2);
  EXPECT_EQ(Condition(gone, "Ready").value("message", ""), "ConfigMap late-config not found");
  EXPECT_EQ(Condition(gone, "ConfigResolved").value("status", ""), "False");
  EXPECT_EQ(gone["status"]["phase"], "Pending");
  CreateCore("configmaps", {{"apiVersion", "v1"},
                            {"kind", "ConfigMap"},
                            {"metadata", {{"name", "late-config"}, {"namespace", "default"}}},
                            {"data", {{"E", "e2"}}}});
  EXPECT_EQ(Condition(WaitReady("late", "True"), "Ready").value("status", ""), "True");

  // Nothing secret in the Workloads or the events.
  auto workloads = client_->Get(kube::CollectionPath(kWorkloads, "default"));
  ASSERT_TRUE(workloads);
  auto events = client_->Get("/api/v1/namespaces/default/events");
  ASSERT_TRUE(events);
  for (const std::string& text : {workloads->dump(), events->dump()}) {
    EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  }
}

// Routed by Host header on each host's own HTTP address, so two hosts in one process can serve it.
TEST_F(WorkloadDispatchTest, AMovedWorkloadStartsOnItsNewHostBeforeItStopsOnTheOld) {
  other_ = std::make_unique<TestHost>(*engine_, *service_, dir_.path() / "other", kOtherHostId,
                                      seal_key_.get());
  hosts_.Add(kOtherHostId, other_->service);
  ASSERT_TRUE(operator_->HeartbeatReceived(other_->service.Heartbeat()));
  Json workload = Workload("moving", Hello(), "");
  workload["spec"]["hostInterfaces"][0]["config"] = {{"host", "moving.example"}};
  workload["spec"]["hostId"] = kHostId;  // pinned first, so it lands here
  Create(workload);
  ASSERT_EQ(Condition(WaitReady("moving", "True"), "Ready").value("status", ""), "True");
  auto via = [](TestHost& h) {
    return RunCommand({"curl", "-s", "--max-time", "10", "-H", "Host: moving.example",
                       "http://" + h.address + "/"})
        .out;
  };
  ASSERT_EQ(via(*host_), "hello from http_hello\n");

  // As the scheduler does when it gives a lost host's Workloads to another one.
  Json patch = {{"status", {{"hostId", kOtherHostId}}}};
  ASSERT_TRUE(client_->Do("PATCH", kube::ObjectPath(kWorkloads, "default", "moving", "status"),
                          &patch, "application/merge-patch+json"));
  EXPECT_TRUE(WaitFor([&] { return Running() == 0; })) << "still running on the old host";
  EXPECT_EQ(other_->workloads.workload_count(), 1);
  EXPECT_EQ(via(*other_), "hello from http_hello\n");
  Json moved = *Fetch("moving");
  EXPECT_NE(moved["metadata"]["annotations"].value(kWorkloadIdAnnotation, "").find(kOtherHostId),
            std::string::npos)
      << moved.dump(2);

  // Deleting it stops it on the new host.
  Delete("moving");
  EXPECT_TRUE(WaitGone("moving"));
  EXPECT_EQ(other_->workloads.workload_count(), 0);
}

TEST_F(WorkloadDispatchTest, ARestartedHostGetsItsWorkloadsBack) {
  const std::string address = Address();
  Create(Workload("durable", Hello(), address));
  ASSERT_EQ(Condition(WaitReady("durable", "True"), "Ready").value("status", ""), "True");

  // The host process goes (the Workload keeps its finalizer), and comes back empty.
  StopHost();
  ASSERT_EQ(Get(address).curl_exit, 7);
  StartHost();
  EXPECT_TRUE(WaitFor([&] { return Get(address).body == "hello from http_hello\n"; }));
  EXPECT_EQ(Condition(*Fetch("durable"), "Ready").value("status", ""), "True");
}

TEST_F(WorkloadDispatchTest, ARestartedOperatorRestartsNothing) {
  const std::string address = Address();
  Create(Workload("steady", Hello(), address));
  Json before = WaitReady("steady", "True");
  ASSERT_EQ(Condition(before, "Ready").value("status", ""), "True");
  const std::string id = before["metadata"]["annotations"].value(kWorkloadIdAnnotation, "");
  ASSERT_FALSE(id.empty()) << before.dump(2);

  operator_.reset();
  StartOperator();
  std::this_thread::sleep_for(1500ms);  // three resyncs
  EXPECT_EQ(Running(), 1);
  auto status = host_->service.Status(id.substr(0, id.rfind('@')));
  EXPECT_EQ(status.state, hostapi::WorkloadState::kRunning) << "the same workload ID, untouched";
  Json after = *Fetch("steady");
  EXPECT_EQ(after["metadata"]["resourceVersion"], before["metadata"]["resourceVersion"])
      << "no status written: nothing changed";
  EXPECT_EQ(Get(address).body, "hello from http_hello\n");
}

TEST_F(WorkloadDispatchTest, ANewRevisionReplacesTheOldWithoutAGap) {
  const std::string address = Address();
  Json w = Workload("rolling", Hello(), address,
                    {{"localResources", {{"environment", {{"config", {{"V", "1"}}}}}}}});
  Create(w);
  Json first = WaitReady("rolling", "True");
  ASSERT_EQ(Condition(first, "Ready").value("status", ""), "True");
  const std::string old_id = first["metadata"]["annotations"].value(kWorkloadIdAnnotation, "");

  // Requests all through the change: none may fail.
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, answered{0};
  std::thread client([&] {
    while (!done) {
      if (Get(address).body == "hello from http_hello\n") {
        ++answered;
      } else {
        ++failures;
      }
    }
  });
  Json patch = {
      {"spec",
       {{"components",
         Json::array({{{"name", "web"},
                       {"image", Hello()},
                       {"localResources", {{"environment", {{"config", {{"V", "2"}}}}}}}}})}}}};
  ASSERT_TRUE(client_->Do("PATCH", kube::ObjectPath(kWorkloads, "default", "rolling"), &patch,
                          "application/merge-patch+json"));
  std::string new_id;
  EXPECT_TRUE(WaitFor([&] {
    auto got = Fetch("rolling");
    new_id = got ? (*got)["metadata"]["annotations"].value(kWorkloadIdAnnotation, "") : "";
    return !new_id.empty() && new_id != old_id && Running() == 1;
  }));
  std::this_thread::sleep_for(300ms);
  done = true;
  client.join();
  EXPECT_EQ(failures, 0) << answered << " answered";
  EXPECT_GT(answered, 0);
  EXPECT_EQ(host_->service.Status(old_id.substr(0, old_id.rfind('@'))).state,
            hostapi::WorkloadState::kNotFound);
}

TEST_F(WorkloadDispatchTest, ADeploymentBecomesAvailableAndItsReplicasShareTheAddress) {
  const std::string address = Address();
  Json spec = Workload("unused", Hello(), address)["spec"];
  Json wd = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
             {"kind", "WorkloadDeployment"},
             {"metadata", {{"name", "web"}, {"namespace", "default"}}},
             {"spec",
              {{"replicas", 2},
               {"template", {{"metadata", {{"labels", {{"app", "web"}}}}}, {"spec", spec}}}}}};
  ASSERT_TRUE(client_->Do("POST", kube::CollectionPath(kDeployments, "default"), &wd));
  Json status;
  ASSERT_TRUE(WaitFor([&] {
    auto got = client_->Get(kube::ObjectPath(kDeployments, "default", "web"));
    if (!got || !got->contains("status")) return false;
    status = (*got)["status"];
    return status.value("readyReplicas", 0) == 2;
  })) << status.dump(2);
  EXPECT_EQ(Running(), 2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Get(address).body, "hello from http_hello\n");

  // Deleting the deployment takes its Workloads off the host and closes the port.
  ASSERT_TRUE(client_->Do("DELETE", kube::ObjectPath(kDeployments, "default", "web")));
  EXPECT_TRUE(WaitFor([&] { return Running() == 0; }));
  EXPECT_TRUE(WaitFor([&] {
    auto list = client_->Get(kube::CollectionPath(kWorkloads, "default"));
    return list && (*list)["items"].empty();
  }));
  EXPECT_EQ(Get(address).curl_exit, 7);
}

TEST_F(WorkloadDispatchTest, PrivateOciImagesPullWithThePullSecretAndAreCached) {
  wcloud::testing::TestRegistry registry("puller", "s3cret");
  ASSERT_TRUE(registry.ok()) << registry.Log();
  std::string bytes = ReadFile(wcloud::testing::TestComponentPath("http_hello"));
  ASSERT_FALSE(bytes.empty());
  std::string image = registry.host() + "/demo/hello:1.0";
  oci::RegistryClient pusher({.credentials = oci::Credentials{"puller", "s3cret"}});
  auto manifest = pusher.Push(*api::ParseImageReference(image), bytes);
  ASSERT_TRUE(manifest) << manifest.error().message();
  std::string dockerconfig = R"({"auths":{")" + registry.host() + R"(":{"auth":")" +
                             Base64Encode("puller:s3cret") + R"("}}})";
  CreateCore("secrets", {{"apiVersion", "v1"},
                         {"kind", "Secret"},
                         {"metadata", {{"name", "pull"}, {"namespace", "default"}}},
                         {"type", "kubernetes.io/dockerconfigjson"},
                         {"data", {{".dockerconfigjson", Base64Encode(dockerconfig)}}}});

  // Without the secret the registry refuses: a condition naming the image.
  Create(Workload("anonymous", image, Address()));
  Json anon = WaitReady("anonymous", "False", "ImagePullFailed");
  ASSERT_EQ(Condition(anon, "Ready").value("reason", ""), "ImagePullFailed") << anon.dump(2);
  EXPECT_NE(Condition(anon, "Ready").value("message", "").find(image), std::string::npos)
      << anon.dump(2);

  // By tag with the secret.
  const std::string tagged_address = Address();
  Create(Workload("by-tag", image, tagged_address, {{"imagePullSecret", {{"name", "pull"}}}}));
  Json t = WaitReady("by-tag", "True");
  ASSERT_EQ(Condition(t, "Ready").value("status", ""), "True") << t.dump(2);
  EXPECT_EQ(Get(tagged_address).body, "hello from http_hello\n");
  EXPECT_TRUE(host_->components.Has(Sha256Digest(bytes))) << "the pulled bytes are stored";

  // Pinned by digest, as the deployment controller writes an Artifact's artifactURL: once
  // pulled, a registry outage does not matter.
  std::string pinned = image + "@" + *manifest;
  registry.Stop();
  const std::string pinned_address = Address();
  Create(Workload("by-digest", pinned, pinned_address, {{"imagePullSecret", {{"name", "pull"}}}}));
  Json d = WaitReady("by-digest", "True");
  ASSERT_EQ(Condition(d, "Ready").value("status", ""), "True") << d.dump(2);
  EXPECT_EQ(Get(pinned_address).body, "hello from http_hello\n");

  // An image the registry never had, while the registry is down: a condition, and the other
  // workloads keep serving.
  Create(Workload("unreachable", registry.host() + "/demo/other:2.0", Address(),
                  {{"imagePullSecret", {{"name", "pull"}}}}));
  Json un = WaitReady("unreachable", "False", "ImagePullFailed");
  ASSERT_EQ(Condition(un, "Ready").value("reason", ""), "ImagePullFailed") << un.dump(2);
  EXPECT_NE(Condition(un, "Ready").value("message", "").find("demo/other:2.0"), std::string::npos);
  EXPECT_EQ(Get(tagged_address).body, "hello from http_hello\n");
}

}  // namespace
}  // namespace wcloud::operator_
