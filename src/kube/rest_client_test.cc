#include "kube/rest_client.h"

#include <gtest/gtest.h>

namespace wcloud::kube {
namespace {

TEST(ResourcePathTest, GroupsNamespacesAndSubresources) {
  ResourceType workloads{"runtime.wasmcloud.dev", "v1alpha1", "workloads", true};
  EXPECT_EQ(CollectionPath(workloads, "default"),
            "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads");
  EXPECT_EQ(CollectionPath(workloads, ""), "/apis/runtime.wasmcloud.dev/v1alpha1/workloads");
  EXPECT_EQ(ObjectPath(workloads, "ns", "w1", "status"),
            "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/ns/workloads/w1/status");
  ResourceType namespaces{"", "v1", "namespaces", false};
  EXPECT_EQ(ObjectPath(namespaces, "ignored", "default"), "/api/v1/namespaces/default");
}

TEST(ApiErrorTest, Classification) {
  EXPECT_TRUE(IsNotFound(Error("NotFound: x", 404)));
  EXPECT_TRUE(IsConflict(Error("Conflict: stale", 409)));
  EXPECT_FALSE(IsConflict(Error("AlreadyExists: x", 409)));
  EXPECT_TRUE(IsAlreadyExists(Error("AlreadyExists: x", 409)));
  EXPECT_TRUE(IsGone(Error("Expired: too old", 410)));
}

TEST(RestClientTest, UnreachableServerIsAnError) {
  RestConfig config;
  config.server = "https://127.0.0.1:1";
  config.timeout_seconds = 5;
  RestClient client(config);
  auto r = client.Get("/version");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("127.0.0.1:1"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace wcloud::kube
