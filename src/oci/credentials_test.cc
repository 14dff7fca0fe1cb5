#include "oci/credentials.h"

#include <gtest/gtest.h>

namespace wcloud::oci {
namespace {

TEST(CredentialsTest, FindsAuthByRegistry) {
  // "dXNlcjpwYXNz" is base64("user:pass").
  auto c = FindCredentials(R"({"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}})", "ghcr.io");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->username, "user");
  EXPECT_EQ((*c)->password, "pass");
}

TEST(CredentialsTest, UsernamePasswordAndUrlKeys) {
  auto c = FindCredentials(
      R"({"auths":{"https://index.docker.io/v1/":{"username":"u","password":"p:w"}}})",
      "docker.io");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->has_value());
  EXPECT_EQ((*c)->password, "p:w");
}

TEST(CredentialsTest, NoEntryIsEmpty) {
  auto c = FindCredentials(R"({"auths":{"ghcr.io":{"auth":"dXNlcjpwYXNz"}}})", "quay.io");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->has_value());
}

TEST(CredentialsTest, MalformedIsAnError) {
  EXPECT_FALSE(FindCredentials("{not json", "ghcr.io"));
  EXPECT_FALSE(FindCredentials(R"({"auths":[]})", "ghcr.io"));
  EXPECT_FALSE(FindCredentials(R"({"auths":{"ghcr.io":{"auth":"!!!"}}})", "ghcr.io"));
  EXPECT_FALSE(FindCredentials(R"({"auths":{"ghcr.io":{"auth":"dXNlcg=="}}})", "ghcr.io"));
  EXPECT_FALSE(FindCredentials(R"({"auths":{"ghcr.io":{}}})", "ghcr.io"));
}

}  // namespace
}  // namespace wcloud::oci
