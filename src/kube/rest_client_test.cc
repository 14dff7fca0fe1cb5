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

TEST(ApiErrorTest, HttpStatusesAndReasonsBecomeCanonicalCodes) {
  EXPECT_TRUE(IsNotFound(ApiError(404, "NotFound", "x")));
  EXPECT_TRUE(IsConflict(ApiError(409, "Conflict", "stale")));
  EXPECT_FALSE(IsConflict(ApiError(409, "AlreadyExists", "x")));
  EXPECT_TRUE(IsAlreadyExists(ApiError(409, "AlreadyExists", "x")));
  EXPECT_TRUE(IsGone(ApiError(410, "Expired", "too old")));
  Error invalid = ApiError(422, "Invalid", "spec.replicas: must be >= 0");
  EXPECT_EQ(invalid.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(invalid.details().reason, "Invalid");
  EXPECT_EQ(invalid.message(), "Invalid: spec.replicas: must be >= 0");
  EXPECT_EQ(ApiError(401, "Unauthorized", "").code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(ApiError(503, "ServiceUnavailable", "").code(), ErrorCode::kUnavailable);
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
