#include "api/object_url.h"

#include <gtest/gtest.h>

#include <vector>

namespace wcloud::api {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST(ObjectUrlTest, ParsesWhatItPrints) {
  auto url = ParseObjectUrl("nats-object://wcloud-artifacts/" + kDigest);
  ASSERT_TRUE(url) << url.error().message();
  EXPECT_EQ(url->bucket, "wcloud-artifacts");
  EXPECT_EQ(url->object, kDigest);
  EXPECT_EQ(url->ToString(), "nats-object://wcloud-artifacts/" + kDigest);
  EXPECT_TRUE(IsObjectUrl(url->ToString()));
  EXPECT_FALSE(IsObjectUrl("ghcr.io/x/y:1"));
}

TEST(ObjectUrlTest, RefusesWhatHostsCouldNotFetchSafely) {
  for (const std::string& bad : std::vector<std::string>{
           "ghcr.io/x/y:1", "nats-object://", "nats-object:///" + kDigest,
           "nats-object://a.b/" + kDigest, "nats-object://a/b", "nats-object://a/sha256:ABC",
           "nats-object://a/" + kDigest + "x", "nats-object://a/sha256:" + std::string(64, 'g')}) {
    auto url = ParseObjectUrl(bad);
    ASSERT_FALSE(url) << bad;
    EXPECT_EQ(url.error().message().rfind("image " + bad + ": ", 0), 0u) << url.error().message();
  }
}

}  // namespace
}  // namespace wcloud::api
