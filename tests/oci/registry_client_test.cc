// Pushes and pulls components through a real docker-registry with htpasswd (Basic) auth.
#include "oci/registry_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <memory>

#include "support/subprocess.h"
#include "util/sha256.h"

namespace wcloud::oci {
namespace {

using wcloud::testing::FreePort;
using wcloud::testing::Subprocess;
using wcloud::testing::TempDir;

class RegistryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePort();
    auto htpasswd = dir_.path() / "htpasswd";
    std::string cmd = "htpasswd -Bbn puller s3cret > " + htpasswd.string();
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto config = dir_.path() / "config.yml";
    std::ofstream(config) << "version: 0.1\n"
                          << "log: {level: warn}\n"
                          << "storage: {filesystem: {rootdirectory: "
                          << (dir_.path() / "data").string() << "}}\n"
                          << "http: {addr: 127.0.0.1:" << port_ << "}\n"
                          << "auth: {htpasswd: {realm: test, path: " << htpasswd.string() << "}}\n";
    registry_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"docker-registry", "serve", config.string()},
        dir_.path() / "registry.log");
    ASSERT_TRUE(registry_->WaitForPort(port_)) << registry_->Log();
  }

  Reference Ref(const std::string& repo_and_tag) {
    auto ref = ParseReference("127.0.0.1:" + std::to_string(port_) + "/" + repo_and_tag);
    EXPECT_TRUE(ref) << ref.error().message();
    return *ref;
  }

  RegistryClient Client(std::optional<Credentials> creds) {
    RegistryClient::Options options;
    options.credentials = std::move(creds);
    return RegistryClient(options);
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<Subprocess> registry_;
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
  registry_.reset();
  auto client = Client(Credentials{"puller", "s3cret"});
  auto r = client.ResolveDigest(Ref("c/app:1"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("127.0.0.1"), std::string::npos) << r.error().message();
}

}  // namespace
}  // namespace wcloud::oci
