// Our Kubernetes client against our API server, over TLS with a token: REST calls and API
// errors, informers, leader election on a Lease, and events.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "apiserver/api_server.h"
#include "kube/event_recorder.h"
#include "kube/informer.h"
#include "kube/leader_election.h"
#include "kube/rest_client.h"
#include "support/subprocess.h"
#include "util/tls_certificates.h"

namespace wcloud::kube {
namespace {

using namespace std::chrono_literals;

const ResourceType kWorkloads{"runtime.wasmcloud.dev", "v1alpha1", "workloads", true};
const ResourceType kEvents{"", "v1", "events", true};

Json Workload(const std::string& name) {
  return {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"components", {{{"name", "c"}, {"image", "ghcr.io/x/c:1"}}}}}}};
}

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A short change log, so a test can outrun it.
    auto store = apiserver::ObjectStore::Open(dir_.path() / "state.db",
                                              {.change_log_entries = 100, .watch_buffer = 10000});
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
    auto ca = GenerateCertificateAuthority("test-ca", 1);
    auto cert = IssueServerCertificate(*ca, "apiserver", {"localhost"}, {"127.0.0.1"}, 1);
    ASSERT_TRUE(ca && cert);
    apiserver::ApiServer::Options options;
    options.listen = "127.0.0.1:0";
    options.tls = *cert;
    options.token = "secret-token";
    options.bookmark_interval = 200ms;
    auto server = apiserver::ApiServer::Start(*store_, options);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    config_.server = "https://127.0.0.1:" + std::to_string(server_->port());
    config_.certificate_authority_pem = ca->certificate_pem;
    config_.bearer_token = "secret-token";
    client_ = std::make_unique<RestClient>(config_);
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop();
  }

  wcloud::testing::TempDir dir_;
  std::unique_ptr<apiserver::ObjectStore> store_;
  std::unique_ptr<apiserver::ApiServer> server_;
  RestConfig config_;
  std::unique_ptr<RestClient> client_;
};

TEST_F(KubeClientTest, RestCallsAndApiErrors) {
  Json w = Workload("w1");
  auto created = client_->Do("POST", CollectionPath(kWorkloads, "default"), &w);
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());
  EXPECT_EQ((*created)["spec"]["components"][0]["imagePullPolicy"], "IfNotPresent");

  auto again = client_->Do("POST", CollectionPath(kWorkloads, "default"), &w);
  ASSERT_FALSE(again);
  EXPECT_TRUE(IsAlreadyExists(again.error())) << again.error().message();

  Json stale = *created;
  stale["metadata"]["resourceVersion"] = "1";
  stale["metadata"]["labels"] = {{"a", "b"}};
  ASSERT_TRUE(client_->Do("PUT", ObjectPath(kWorkloads, "default", "w1"), created.operator->()));
  auto conflict = client_->Do("PUT", ObjectPath(kWorkloads, "default", "w1"), &stale);
  ASSERT_FALSE(conflict);
  EXPECT_TRUE(IsConflict(conflict.error())) << conflict.error().message();

  auto missing = client_->Get(ObjectPath(kWorkloads, "default", "nope"));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(IsNotFound(missing.error()));

  Json invalid = Workload("bad");
  invalid["spec"]["components"][0]["poolSize"] = -1;
  auto rejected = client_->Do("POST", CollectionPath(kWorkloads, "default"), &invalid);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(rejected.error().details().reason, "Invalid");
  EXPECT_NE(rejected.error().message().find("spec.components[0].poolSize"), std::string::npos);

  RestConfig wrong = config_;
  wrong.bearer_token = "nope";
  RestClient unauthorized(wrong);
  auto denied = unauthorized.Get(CollectionPath(kWorkloads, "default"));
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(KubeClientTest, InformerFollowsTheServer) {
  Json first = Workload("before");
  ASSERT_TRUE(client_->Do("POST", CollectionPath(kWorkloads, "default"), &first));
  Informer informer(std::make_unique<RestListWatch>(*client_, kWorkloads, "default"));
  std::mutex mu;
  std::vector<std::string> seen;
  informer.AddEventHandler({[&](const ObjectPtr& o) {
                              std::lock_guard l(mu);
                              seen.push_back("add " + ObjectKey(*o));
                            },
                            [&](const ObjectPtr&, const ObjectPtr& n) {
                              std::lock_guard l(mu);
                              seen.push_back("update " + ObjectKey(*n));
                            },
                            [&](const ObjectPtr& o) {
                              std::lock_guard l(mu);
                              seen.push_back("delete " + ObjectKey(*o));
                            }});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  Json second = Workload("after");
  ASSERT_TRUE(client_->Do("POST", CollectionPath(kWorkloads, "default"), &second));
  Json patch = {{"metadata", {{"labels", {{"x", "y"}}}}}};
  ASSERT_TRUE(client_->Do("PATCH", ObjectPath(kWorkloads, "default", "before"), &patch,
                          "application/merge-patch+json"));
  ASSERT_TRUE(client_->Do("DELETE", ObjectPath(kWorkloads, "default", "after")));
  for (int i = 0; i < 300; ++i) {
    {
      std::lock_guard l(mu);
      if (seen.size() >= 4) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  informer.Stop();
  std::vector<std::string> want = {"add default/before", "add default/after",
                                   "update default/before", "delete default/after"};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(informer.List().size(), 1u);
  EXPECT_EQ((*informer.Get("default/before"))["metadata"]["labels"]["x"], "y");
}

TEST_F(KubeClientTest, WatchFromACompactedVersionIsGoneAndInformersRelist) {
  for (int i = 0; i < 300; ++i) {
    Json w = Workload("churn-" + std::to_string(i));
    ASSERT_TRUE(client_->Do("POST", CollectionPath(kWorkloads, "default"), &w));
  }
  Json first;
  auto status = client_->Watch(CollectionPath(kWorkloads, "default") + "?watch=1&resourceVersion=2",
                               [&](const Json& e) {
                                 first = e;
                                 return false;
                               });
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(first["type"], "ERROR");
  EXPECT_EQ(first["object"]["code"], 410);
  EXPECT_EQ(first["object"]["reason"], "Expired");
  // An informer lists first, so it starts from a version the log still has.
  Informer informer(std::make_unique<RestListWatch>(*client_, kWorkloads, "default"));
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  EXPECT_EQ(informer.List().size(), 300u);
  informer.Stop();
}

TEST_F(KubeClientTest, OneLeaderAtATimeAndHandover) {
  auto elector = [&](const std::string& id, std::atomic<int>& leading) {
    LeaderElector::Config c;
    c.lease_name = "wcloud-operator";
    c.identity = id;
    c.lease_duration = 1500ms;
    c.renew_deadline = 1000ms;
    c.retry_period = 100ms;
    c.on_started_leading = [&] { ++leading; };
    c.on_stopped_leading = [&] { --leading; };
    return std::make_unique<LeaderElector>(*client_, c);
  };
  std::atomic<int> a_leading{0}, b_leading{0};
  auto a = elector("a", a_leading);
  auto b = elector("b", b_leading);
  a->Start();
  for (int i = 0; i < 100 && !a->IsLeader(); ++i) std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(a->IsLeader());
  b->Start();
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(b->IsLeader()) << "the lease is held and renewed";
  a->Stop();  // releases the lease
  for (int i = 0; i < 200 && !b->IsLeader(); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(b->IsLeader());
  b->Stop();
  auto lease =
      client_->Get("/apis/coordination.k8s.io/v1/namespaces/default/leases/wcloud-operator");
  ASSERT_TRUE(lease);
  EXPECT_GE((*lease)["spec"]["leaseTransitions"].get<int>(), 1);
}

TEST_F(KubeClientTest, RepeatedEventsAreAggregated) {
  Json w = Workload("noisy");
  auto created = client_->Do("POST", CollectionPath(kWorkloads, "default"), &w);
  ASSERT_TRUE(created);
  {
    EventRecorder recorder(*client_, "wcloud-operator", "test");
    recorder.Record(*created, "Warning", "PullFailed", "ghcr.io/x/c:1: not found");
    recorder.Record(*created, "Warning", "PullFailed", "ghcr.io/x/c:1: not found");
    recorder.Record(*created, "Normal", "Scheduled", "placed on host N123");
  }  // flushes
  auto events = client_->Get(CollectionPath(kEvents, "default"));
  ASSERT_TRUE(events);
  ASSERT_EQ((*events)["items"].size(), 2u);
  int pulled = 0;
  for (const auto& e : (*events)["items"]) {
    EXPECT_EQ(e["involvedObject"]["name"], "noisy");
    if (e["reason"] == "PullFailed") pulled = e["count"].get<int>();
  }
  EXPECT_EQ(pulled, 2);
}

}  // namespace
}  // namespace wcloud::kube
