// The workload agent against a real API server, the real scheduler and a real WorkloadHost
// (V8, ingress, wasi:http): Workloads placed on the agent's host serve HTTP, replicas share a
// listener, deletion waits for the host and closes the port, failures are conditions, layered
// configuration resolves without leaking secrets, and private OCI images pull with a secret.
#include "operator/workload_agent.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <thread>

#include "apiserver/api_server.h"
#include "host/http_router.h"
#include "host/http_service.h"
#include "host/worker_pool.h"
#include "kube/rest_client.h"
#include "oci/registry_client.h"
#include "operator/host_registry.h"
#include "operator/object_types.h"
#include "operator/operator.h"
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

class WorkloadAgentTest : public ::testing::Test {
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
    router_ =
        std::make_unique<host::HttpRouter>(*service_, host::HttpRouter::Options{.threads = 1});
    host::WorkloadHost::Options host_options;
    host_options.http_address = "127.0.0.1:" + std::to_string(FreePort());
    host_options.data_dir = dir_.path() / "host";
    host_ = std::make_unique<host::WorkloadHost>(*engine_, *service_, *router_, host_options);

    HostRegistry hosts(*client_, "default", 60s);
    host::Heartbeat hb;
    hb.host_id = kHostId;
    hb.hostname = "agent-test";
    hb.labels = {{"hostgroup", "default"}};
    hb.interfaces = host_->Interfaces();
    ASSERT_TRUE(hosts.Record(hb));

    components_ = std::make_unique<oci::LocalComponentStore>(dir_.path() / "components");
    operator_ = std::make_unique<Operator>(*client_, "");
    operator_->Start();
    ASSERT_TRUE(operator_->WaitForSync(5s));
    ASSERT_TRUE(WaitFor([&] { return !operator_->KnownHosts().empty(); }));
    agent_ = std::make_unique<WorkloadAgent>(*client_, kHostId, *host_, components_.get(),
                                             WorkloadAgent::Options{.resync = 500ms});
    agent_->Start();
    ASSERT_TRUE(agent_->WaitForSync(5s));
  }

  void TearDown() override {
    agent_.reset();
    operator_.reset();
    host_.reset();
    router_.reset();
    service_.reset();
    if (server_) server_->Stop();
  }

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
  std::unique_ptr<host::HttpRouter> router_;
  std::unique_ptr<host::WorkloadHost> host_;
  std::unique_ptr<oci::LocalComponentStore> components_;
  std::unique_ptr<Operator> operator_;
  std::unique_ptr<WorkloadAgent> agent_;
};

wasm::Engine* WorkloadAgentTest::engine_ = nullptr;
host::WorkerPool* WorkloadAgentTest::workers_ = nullptr;

TEST_F(WorkloadAgentTest, ServesSharesTheListenerAndDeletionClosesThePort) {
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
  EXPECT_EQ(a["metadata"]["finalizers"], Json::array({WorkloadAgent::kFinalizer}));
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
  EXPECT_EQ(host_->workload_count(), 1);

  // Deleting the last one closes the port.
  Delete("hello-b");
  EXPECT_TRUE(WaitGone("hello-b"));
  EXPECT_EQ(host_->workload_count(), 0);
  EXPECT_EQ(Get(address).curl_exit, 7) << "nothing listens on " << address;
}

TEST_F(WorkloadAgentTest, FailuresAreConditionsWhileOtherWorkloadsServe) {
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

TEST_F(WorkloadAgentTest, EnvironmentLayersLiteralConfigMapsAndSecrets) {
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

TEST_F(WorkloadAgentTest, AWorkloadMovedToAnotherHostStopsHere) {
  const std::string address = Address();
  Create(Workload("moving", Hello(), address));
  ASSERT_EQ(Condition(WaitReady("moving", "True"), "Ready").value("status", ""), "True");
  ASSERT_EQ(Get(address).body, "hello from http_hello\n");

  // As the scheduler does when it gives a lost host's Workloads to another one.
  Json patch = {
      {"status", {{"hostId", "NOTHERHOSTBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"}}}};
  ASSERT_TRUE(client_->Do("PATCH", kube::ObjectPath(kWorkloads, "default", "moving", "status"),
                          &patch, "application/merge-patch+json"));
  EXPECT_TRUE(WaitFor([&] { return host_->workload_count() == 0; })) << "still running here";
  EXPECT_EQ(Get(address).curl_exit, 7) << "still served here";
  // The finalizer is the new host's to release now.
  EXPECT_EQ((*Fetch("moving"))["metadata"]["finalizers"], Json::array({WorkloadAgent::kFinalizer}));
}

TEST_F(WorkloadAgentTest, ARestartedHostGetsItsWorkloadsBack) {
  const std::string address = Address();
  Create(Workload("durable", Hello(), address));
  ASSERT_EQ(Condition(WaitReady("durable", "True"), "Ready").value("status", ""), "True");

  // The process goes: agent and host with it (the Workload keeps its finalizer).
  agent_.reset();
  host_.reset();
  router_.reset();
  ASSERT_EQ(Get(address).curl_exit, 7);

  router_ = std::make_unique<host::HttpRouter>(*service_, host::HttpRouter::Options{.threads = 1});
  host::WorkloadHost::Options host_options;
  host_options.data_dir = dir_.path() / "host";
  host_ = std::make_unique<host::WorkloadHost>(*engine_, *service_, *router_, host_options);
  agent_ = std::make_unique<WorkloadAgent>(*client_, kHostId, *host_, components_.get(),
                                           WorkloadAgent::Options{.resync = 500ms});
  agent_->Start();
  EXPECT_TRUE(WaitFor([&] { return Get(address).body == "hello from http_hello\n"; }));
  EXPECT_EQ(Condition(*Fetch("durable"), "Ready").value("status", ""), "True");
}

TEST_F(WorkloadAgentTest, ADeploymentBecomesAvailableAndItsReplicasShareTheAddress) {
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
  EXPECT_EQ(host_->workload_count(), 2);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Get(address).body, "hello from http_hello\n");

  // Deleting the deployment takes its Workloads off the host and closes the port.
  ASSERT_TRUE(client_->Do("DELETE", kube::ObjectPath(kDeployments, "default", "web")));
  EXPECT_TRUE(WaitFor([&] { return host_->workload_count() == 0; }));
  EXPECT_TRUE(WaitFor([&] {
    auto list = client_->Get(kube::CollectionPath(kWorkloads, "default"));
    return list && (*list)["items"].empty();
  }));
  EXPECT_EQ(Get(address).curl_exit, 7);
}

TEST_F(WorkloadAgentTest, PrivateOciImagesPullWithThePullSecretAndAreCached) {
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
  EXPECT_TRUE(components_->Has(Sha256Digest(bytes))) << "the pulled bytes are stored";

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
