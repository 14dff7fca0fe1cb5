// Artifacts against a real docker-registry with a pull secret: resolved to a digest, stored,
// re-resolved when the tag moves, and a WorkloadDeployment follows the new revision.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "api/object_url.h"
#include "apiserver/api_server.h"
#include "kube/rest_client.h"
#include "oci/registry_client.h"
#include "operator/host_registry.h"
#include "operator/local_artifact_store.h"
#include "operator/object_types.h"
#include "operator/operator.h"
#include "support/test_registry.h"
#include "util/base64.h"
#include "util/sha256.h"

namespace wcloud::operator_ {
namespace {

using namespace std::chrono_literals;

TEST(ArtifactTest, RevisionsFollowTheTagAndDeploymentsRollOut) {
  wcloud::testing::TestRegistry registry("puller", "s3cret");
  ASSERT_TRUE(registry.ok()) << registry.Log();
  wcloud::testing::TempDir dir;
  auto store = apiserver::ObjectStore::Open(dir.path() / "state.db", {});
  ASSERT_TRUE(store);
  apiserver::ApiServer::Options server_options;
  server_options.listen = "127.0.0.1:0";
  auto server = apiserver::ApiServer::Start(**store, server_options);
  ASSERT_TRUE(server) << server.error().message();
  kube::RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string((*server)->port());
  kube::RestClient client(config);
  oci::LocalComponentStore components(dir.path() / "components");
  Operator::Options options;
  options.artifacts.poll = 200ms;
  LocalArtifactStore local(components);
  options.artifacts.store = &local;
  Operator op(client, "", options);
  op.Start();
  ASSERT_TRUE(op.WaitForSync(5s));

  std::string image = registry.host() + "/demo/hello:1.0";
  oci::RegistryClient pusher({.credentials = oci::Credentials{"puller", "s3cret"}});
  std::string v1 = std::string("\0asm\x0d\0\x01\0", 8) + "v1";
  ASSERT_TRUE(pusher.Push(*api::ParseImageReference(image), v1));

  std::string dockerconfig = R"({"auths":{")" + registry.host() + R"(":{"auth":")" +
                             Base64Encode("puller:s3cret") + R"("}}})";
  Json secret = {{"apiVersion", "v1"},
                 {"kind", "Secret"},
                 {"metadata", {{"name", "pull"}, {"namespace", "default"}}},
                 {"type", "kubernetes.io/dockerconfigjson"},
                 {"data", {{".dockerconfigjson", Base64Encode(dockerconfig)}}}};
  ASSERT_TRUE(client.Do("POST", "/api/v1/namespaces/default/secrets", &secret));
  Json artifact = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                   {"kind", "Artifact"},
                   {"metadata", {{"name", "hello"}, {"namespace", "default"}}},
                   {"spec", {{"image", image}, {"imagePullSecret", {{"name", "pull"}}}}}};
  ASSERT_TRUE(client.Do("POST", kube::CollectionPath(kArtifacts, "default"), &artifact));

  auto status = [&] {
    auto got = client.Get(kube::ObjectPath(kArtifacts, "default", "hello"));
    return got && got->contains("status") ? (*got)["status"] : Json::object();
  };
  auto wait_revision = [&](int revision) {
    Json s;
    for (int i = 0; i < 300; ++i) {
      s = status();
      if (s.value("revision", 0) >= revision) break;
      std::this_thread::sleep_for(20ms);
    }
    return s;
  };
  Json first = wait_revision(1);
  ASSERT_EQ(first.value("revision", 0), 1) << first.dump();
  std::string d1 = first["digest"];
  EXPECT_EQ(first["artifactURL"], registry.host() + "/demo/hello:1.0@" + d1);
  EXPECT_EQ(first["conditions"][0]["status"], "True");
  EXPECT_TRUE(components.Has(Sha256Digest(v1))) << "the component bytes are stored";

  // A deployment taking its component from the artifact runs the pinned revision.
  Json wd = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
             {"kind", "WorkloadDeployment"},
             {"metadata", {{"name", "app"}, {"namespace", "default"}}},
             {"spec",
              {{"replicas", 1},
               {"artifacts", {{{"name", "c"}, {"artifactFrom", {{"name", "hello"}}}}}},
               {"template",
                {{"metadata", {{"labels", {{"app", "app"}}}}},
                 {"spec", {{"components", {{{"name", "c"}, {"image", "artifact://hello"}}}}}}}}}}};
  ASSERT_TRUE(client.Do("POST", kube::CollectionPath(kDeployments, "default"), &wd));
  auto images = [&] {
    std::set<std::string> out;
    auto list = client.Get(kube::CollectionPath(kReplicaSets, "default"));
    if (list) {
      for (const auto& rs : (*list)["items"]) {
        if (rs["spec"].value("replicas", 0) > 0) {
          out.insert(rs["spec"]["template"]["spec"]["components"][0]["image"].get<std::string>());
        }
      }
    }
    return out;
  };
  auto wait_image = [&](const std::string& want) {
    for (int i = 0; i < 300 && images() != std::set<std::string>{want}; ++i) {
      std::this_thread::sleep_for(20ms);
    }
    return images();
  };
  EXPECT_EQ(wait_image(first["artifactURL"]), std::set<std::string>{first["artifactURL"]});

  // A new push under the same tag is a new revision, and the deployment rolls to it.
  std::string v2 = std::string("\0asm\x0d\0\x01\0", 8) + "v2";
  ASSERT_TRUE(pusher.Push(*api::ParseImageReference(image), v2));
  Json second = wait_revision(2);
  ASSERT_EQ(second.value("revision", 0), 2) << second.dump();
  EXPECT_NE(second["digest"], d1);
  EXPECT_EQ(wait_image(second["artifactURL"]), std::set<std::string>{second["artifactURL"]});

  // A bad pull secret is a condition, not a crash.
  Json bad = artifact;
  bad["metadata"]["name"] = "denied";
  bad["spec"]["imagePullSecret"]["name"] = "missing";
  ASSERT_TRUE(client.Do("POST", kube::CollectionPath(kArtifacts, "default"), &bad));
  Json denied;
  for (int i = 0; i < 200; ++i) {
    auto got = client.Get(kube::ObjectPath(kArtifacts, "default", "denied"));
    if (got && got->contains("status")) {
      denied = (*got)["status"];
      break;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(denied["conditions"][0]["reason"], "PullSecretError") << denied.dump();
  op.Stop();
  (*server)->Stop();
}

// Staged revisions in memory, as the NATS store keeps them (one per digest, with labels).
class MemoryArtifactStore final : public ArtifactStore {
 public:
  Result<std::string> Stage(const std::string& digest, std::string_view bytes,
                            const std::map<std::string, std::string>& labels) override {
    std::lock_guard lock(mu_);
    if (!objects_.count(digest)) objects_[digest] = {std::string(bytes), labels};
    return "nats-object://test/" + digest;
  }
  Result<bool> Has(const std::string& digest) override {
    std::lock_guard lock(mu_);
    return objects_.count(digest) > 0;
  }
  bool Serves(const std::string& url) const override { return api::IsObjectUrl(url); }
  Result<std::vector<StagedArtifact>> List() override {
    std::lock_guard lock(mu_);
    std::vector<StagedArtifact> out;
    for (const auto& [digest, o] : objects_) out.push_back({digest, o.second});
    return out;
  }
  Status Remove(const std::string& digest) override {
    std::lock_guard lock(mu_);
    objects_.erase(digest);
    return Ok();
  }
  std::set<std::string> Digests() {
    std::lock_guard lock(mu_);
    std::set<std::string> out;
    for (const auto& [digest, o] : objects_) out.insert(digest);
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::pair<std::string, std::map<std::string, std::string>>> objects_;
};

// An API server, a registry with one pushed component, and an operator staging into `store`.
class StagingTest : public ::testing::Test {
 protected:
  void Start(ArtifactController::Options artifacts) {
    ASSERT_TRUE(registry_.ok()) << registry_.Log();
    auto store = apiserver::ObjectStore::Open(dir_.path() / "state.db", {});
    ASSERT_TRUE(store);
    db_ = std::move(*store);
    apiserver::ApiServer::Options server_options;
    server_options.listen = "127.0.0.1:0";
    auto server = apiserver::ApiServer::Start(*db_, server_options);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    kube::RestConfig config;
    config.server = "http://127.0.0.1:" + std::to_string(server_->port());
    client_ = std::make_unique<kube::RestClient>(config);
    Operator::Options options;
    artifacts.poll = 200ms;
    artifacts.store = &staged_;
    options.artifacts = artifacts;
    op_ = std::make_unique<Operator>(*client_, "", options);
    op_->Start();
    ASSERT_TRUE(op_->WaitForSync(5s));
    std::string dockerconfig = R"({"auths":{")" + registry_.host() + R"(":{"auth":")" +
                               Base64Encode("puller:s3cret") + R"("}}})";
    Json secret = {{"apiVersion", "v1"},
                   {"kind", "Secret"},
                   {"metadata", {{"name", "pull"}, {"namespace", "default"}}},
                   {"type", "kubernetes.io/dockerconfigjson"},
                   {"data", {{".dockerconfigjson", Base64Encode(dockerconfig)}}}};
    ASSERT_TRUE(client_->Do("POST", "/api/v1/namespaces/default/secrets", &secret));
  }
  ~StagingTest() override {
    if (op_) op_->Stop();
    if (server_) server_->Stop();
  }
  std::string Push(const std::string& version) {
    std::string bytes = std::string("\0asm\x0d\0\x01\0", 8) + version;
    EXPECT_TRUE(pusher_.Push(*api::ParseImageReference(image()), bytes));
    return Sha256Digest(bytes);
  }
  std::string image() const { return registry_.host() + "/demo/staged:1.0"; }
  Json Status(const std::string& name) {
    auto got = client_->Get(kube::ObjectPath(kArtifacts, "default", name));
    return got && got->contains("status") ? (*got)["status"] : Json::object();
  }
  bool Wait(const std::function<bool()>& done) {
    for (int i = 0; i < 500; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return done();
  }

  wcloud::testing::TestRegistry registry_{"puller", "s3cret"};
  oci::RegistryClient pusher_{{.credentials = oci::Credentials{"puller", "s3cret"}}};
  wcloud::testing::TempDir dir_;
  MemoryArtifactStore staged_;
  std::unique_ptr<apiserver::ObjectStore> db_;
  std::unique_ptr<apiserver::ApiServer> server_;
  std::unique_ptr<kube::RestClient> client_;
  std::unique_ptr<Operator> op_;
};

TEST_F(StagingTest, RevisionsAreStagedOnceAndOldOnesNobodyUsesAreDeleted) {
  Start({.keep_revisions = 1});
  const std::string d1 = Push("v1");
  Json artifact = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                   {"kind", "Artifact"},
                   {"metadata", {{"name", "staged"}, {"namespace", "default"}}},
                   {"spec", {{"image", image()}, {"imagePullSecret", {{"name", "pull"}}}}}};
  ASSERT_TRUE(client_->Do("POST", kube::CollectionPath(kArtifacts, "default"), &artifact));
  ASSERT_TRUE(Wait([&] { return Status("staged").value("revision", 0) == 1; }));
  EXPECT_EQ(Status("staged")["artifactURL"], "nats-object://test/" + d1);
  EXPECT_EQ(staged_.Digests(), std::set<std::string>{d1});

  // Deleted behind the controller's back: staged again, same revision.
  ASSERT_TRUE(staged_.Remove(d1));
  ASSERT_TRUE(Wait([&] { return staged_.Digests() == std::set<std::string>{d1}; }));
  EXPECT_EQ(Status("staged").value("revision", 0), 1);

  // A new digest: revision 2; with one revision kept and nothing using v1, v1 goes.
  const std::string d2 = Push("v2");
  ASSERT_TRUE(Wait([&] { return Status("staged").value("revision", 0) == 2; }));
  EXPECT_EQ(Status("staged")["artifactURL"], "nats-object://test/" + d2);
  EXPECT_TRUE(Wait([&] { return staged_.Digests() == std::set<std::string>{d2}; }));

  // One a Workload still names stays, whatever the limit.
  Json workload = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                   {"kind", "Workload"},
                   {"metadata", {{"name", "pinned"}, {"namespace", "default"}}},
                   {"spec",
                    {{"hostSelector", {{"hostgroup", "none"}}},
                     {"components", {{{"name", "c"}, {"image", "nats-object://test/" + d2}}}}}}};
  ASSERT_TRUE(client_->Do("POST", kube::CollectionPath(kWorkloads, "default"), &workload));
  const std::string d3 = Push("v3");
  ASSERT_TRUE(Wait([&] { return Status("staged").value("revision", 0) == 3; }));
  std::this_thread::sleep_for(600ms);  // three polls
  EXPECT_EQ(staged_.Digests(), (std::set<std::string>{d2, d3}));
}

TEST_F(StagingTest, AComponentOverTheLimitIsAConditionNotAnObject) {
  Start({.max_bytes = 4});
  Push("too big for four bytes");
  Json artifact = {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
                   {"kind", "Artifact"},
                   {"metadata", {{"name", "big"}, {"namespace", "default"}}},
                   {"spec", {{"image", image()}, {"imagePullSecret", {{"name", "pull"}}}}}};
  ASSERT_TRUE(client_->Do("POST", kube::CollectionPath(kArtifacts, "default"), &artifact));
  ASSERT_TRUE(Wait([&] { return Status("big").contains("conditions"); }));
  Json s = Status("big");
  EXPECT_EQ(s["conditions"][0]["reason"], "TooLarge") << s.dump();
  EXPECT_NE(s["conditions"][0]["message"].get<std::string>().find("4-byte limit"),
            std::string::npos);
  EXPECT_TRUE(staged_.Digests().empty());
}

}  // namespace
}  // namespace wcloud::operator_
