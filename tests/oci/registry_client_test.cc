// Pushes and pulls components through a real docker-registry with htpasswd (Basic) auth.
#include "oci/registry_client.h"

#include <gtest/gtest.h>

#include <memory>

#include "support/test_registry.h"
#include "util/sha256.h"

namespace wcloud::oci {
namespace {

using wcloud::testing::TestRegistry;

class RegistryClientTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(registry_->ok()) << registry_->Log(); }

  api::ImageReference Ref(const std::string& repo_and_tag) {
    auto ref = api::ParseImageReference(registry_->host() + "/" + repo_and_tag);
    EXPECT_TRUE(ref) << ref.error().message();
    return *ref;
  }

  RegistryClient Client(std::optional<Credentials> creds) {
    RegistryClient::Options options;
    options.credentials = std::move(creds);
    return RegistryClient(options);
  }

  std::unique_ptr<TestRegistry> registry_ = std::make_unique<TestRegistry>("puller", "s3cret");
};

const std::string kComponent = std::string("\0asm\x0d\0\x01\0", 8) + std::string(100000, 'x');

TEST_F(RegistryClientTest, PushResolvePullRoundTrip) {
  auto client = Client(Credentials{"puller", "s3cret"});
  auto pushed = client.Push(Ref("components/hello:1.0"), kComponent);
  ASSERT_TRUE(pushed) << pushed.error().message();

  auto digest = client.ResolveDigest(Ref("components/hello:1.0"));
  ASSERT_TRUE(digest) << digest.error().message();
  EXPECT_EQ(*digest, *pushed);

  auto pulled = client.Pull(Ref("components/hello:1.0"));
  ASSERT_TRUE(pulled) << pulled.error().message();
  EXPECT_EQ(pulled->bytes, kComponent);
  EXPECT_EQ(pulled->manifest_digest, *pushed);
  EXPECT_EQ(pulled->layer_digest, Sha256Digest(kComponent));

  auto by_digest = client.Pull(Ref("components/hello@" + *pushed));
  ASSERT_TRUE(by_digest) << by_digest.error().message();
  EXPECT_EQ(by_digest->bytes, kComponent);
}

TEST_F(RegistryClientTest, NewPushUnderSameTagChangesDigest) {
  auto client = Client(Credentials{"puller", "s3cret"});
  auto first = client.Push(Ref("c/app:latest"), kComponent);
  auto second = client.Push(Ref("c/app:latest"), kComponent + "v2");
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);
  auto digest = client.ResolveDigest(Ref("c/app:latest"));
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, *second);
}

TEST_F(RegistryClientTest, MissingOrWrongCredentialsAreClearErrors) {
  auto anonymous = Client(std::nullopt);
  auto r = anonymous.ResolveDigest(Ref("c/app:1"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("requires credentials"), std::string::npos)
      << r.error().message();

  auto wrong = Client(Credentials{"puller", "nope"});
  auto w = wrong.Pull(Ref("c/app:1"));
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message().find("imagePullSecret"), std::string::npos) << w.error().message();
}

TEST_F(RegistryClientTest, UnknownTagIsNotFound) {
  auto client = Client(Credentials{"puller", "s3cret"});
  auto missing = client.Pull(Ref("c/none:1"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("not found"), std::string::npos)
      << missing.error().message();
}

TEST_F(RegistryClientTest, ComponentLargerThanLimitIsRefused) {
  auto client = Client(Credentials{"puller", "s3cret"});
  ASSERT_TRUE(client.Push(Ref("c/big:1"), kComponent));
  RegistryClient::Options options;
  options.credentials = Credentials{"puller", "s3cret"};
  options.max_component_bytes = 1000;
  RegistryClient small(options);
  auto r = small.Pull(Ref("c/big:1"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("exceeds the limit"), std::string::npos)
      << r.error().message();
}

TEST_F(RegistryClientTest, DeadRegistryIsAnError) {
  registry_->Stop();
  auto client = Client(Credentials{"puller", "s3cret"});
  auto r = client.ResolveDigest(Ref("c/app:1"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("127.0.0.1"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace wcloud::oci
