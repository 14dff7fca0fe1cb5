#include "api/image_reference.h"

#include <gtest/gtest.h>

namespace wcloud::api {
namespace {

TEST(ReferenceTest, ParsesRegistryRepositoryTag) {
  auto r = ParseImageReference("ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->registry, "ghcr.io");
  EXPECT_EQ(r->repository, "wasmcloud/components/http-hello-world-rust");
  EXPECT_EQ(r->tag, "0.1.0");
  EXPECT_EQ(r->digest, "");
  EXPECT_EQ(r->Identifier(), "0.1.0");
  EXPECT_EQ(r->ToString(), "ghcr.io/wasmcloud/components/http-hello-world-rust:0.1.0");
}

TEST(ReferenceTest, AppliesDockerDefaults) {
  auto r = ParseImageReference("nginx");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->registry, "docker.io");
  EXPECT_EQ(r->repository, "library/nginx");
  EXPECT_EQ(r->tag, "latest");
  auto user = ParseImageReference("someone/app:v1");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->registry, "docker.io");
  EXPECT_EQ(user->repository, "someone/app");
}

TEST(ReferenceTest, PortIsNotATag) {
  auto r = ParseImageReference("localhost:5000/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->registry, "localhost:5000");
  EXPECT_EQ(r->repository, "hello");
  EXPECT_EQ(r->tag, "latest");
  auto ip = ParseImageReference("127.0.0.1:41234/a/b:2");
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->registry, "127.0.0.1:41234");
  EXPECT_EQ(ip->tag, "2");
}

TEST(ReferenceTest, Digest) {
  std::string digest = "sha256:" + std::string(64, 'a');
  auto r = ParseImageReference("ghcr.io/x/y@" + digest);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->digest, digest);
  EXPECT_EQ(r->Identifier(), digest);
  auto both = ParseImageReference("ghcr.io/x/y:1@" + digest);
  ASSERT_TRUE(both);
  EXPECT_EQ(both->tag, "1");
  EXPECT_EQ(both->ToString(), "ghcr.io/x/y:1@" + digest);
}

TEST(ReferenceTest, RejectsMalformed) {
  for (const char* bad :
       {"", "UPPER/case", "ghcr.io/", "ghcr.io/x:", "x:-bad", "a//b", "x@sha256:abc",
        "ghcr.io/x/y@md5:"
        "0123",
        "a/b-", "-a/b", "ghcr.io:port/x",
        "x:"
        "tag!"}) {
    auto r = ParseImageReference(bad);
    EXPECT_FALSE(r) << bad;
    if (!r) {
      EXPECT_NE(r.error().message().find("image reference"), std::string::npos);
    }
  }
  EXPECT_FALSE(ParseImageReference(std::string(5000, 'a')));
}

}  // namespace
}  // namespace wcloud::api
