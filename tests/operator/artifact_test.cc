// Artifacts against a real docker-registry with a pull secret: resolved to a digest, stored,
// re-resolved when the tag moves, and a WorkloadDeployment follows the new revision.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "apiserver/api_server.h"
#include "kube/rest_client.h"
#include "oci/registry_client.h"
#include "operator/host_registry.h"
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
  options.artifacts.components = &components;
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

}  // namespace
}  // namespace wcloud::operator_
