// `wcloud push` and `wcloud pull` against a real docker-registry with htpasswd auth.
#include <gtest/gtest.h>

#include <fstream>

#include "support/subprocess.h"
#include "support/test_registry.h"

namespace wcloud {
namespace {

using testing::RunCommand;
using testing::TempDir;
using testing::TestRegistry;
using testing::WcloudBinary;

class PushPullCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(registry_.ok()) << registry_.Log();
    // A docker config.json with credentials for the registry: base64("dev:pw") = "ZGV2OnB3".
    docker_config_ = dir_.path() / "config.json";
    std::ofstream(docker_config_) << R"({"auths":{")" << registry_.host()
                                  << R"(":{"auth":"ZGV2OnB3"}}})";
  }

  std::string Ref(const std::string& rest) { return registry_.host() + "/" + rest; }

  TempDir dir_;
  TestRegistry registry_{"dev", "pw"};
  std::filesystem::path docker_config_;
};

TEST_F(PushPullCommandTest, PushThenPullGivesTheSameBytes) {
  auto component = dir_.path() / "hello.wasm";
  std::string bytes = std::string("\0asm\x0d\0\x01\0", 8) + "component body";
  std::ofstream(component, std::ios::binary) << bytes;

  auto push = RunCommand({WcloudBinary(), "push", Ref("demo/hello:1.0"), component.string(),
                          "--docker-config", docker_config_.string()});
  ASSERT_EQ(push.exit_code, 0) << push.err;
  EXPECT_NE(push.out.find("@sha256:"), std::string::npos) << push.out;

  auto out = dir_.path() / "pulled.wasm";
  auto pull = RunCommand({WcloudBinary(), "pull", Ref("demo/hello:1.0"), "-o", out.string(),
                          "--username", "dev", "--password-stdin"},
                         "pw\n");
  ASSERT_EQ(pull.exit_code, 0) << pull.err;
  std::ifstream in(out, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, bytes);
}

TEST_F(PushPullCommandTest, RefusesNonComponentsAndBadCredentials) {
  auto module = dir_.path() / "core.wasm";
  std::ofstream(module, std::ios::binary) << std::string("\0asm\x01\0\0\0", 8);
  auto push = RunCommand({WcloudBinary(), "push", Ref("demo/core:1"), module.string(),
                          "--docker-config", docker_config_.string()});
  EXPECT_EQ(push.exit_code, 1);
  EXPECT_NE(push.err.find("not a WebAssembly component"), std::string::npos) << push.err;

  auto pull = RunCommand({WcloudBinary(), "pull", Ref("demo/hello:1.0"), "-o",
                          (dir_.path() / "x.wasm").string(), "-u", "dev", "--password-stdin"},
                         "wrong\n");
  EXPECT_EQ(pull.exit_code, 1);
  EXPECT_NE(pull.err.find("error:"), std::string::npos) << pull.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "x.wasm"));

  auto bad_ref = RunCommand({WcloudBinary(), "pull", "Not A Ref"});
  EXPECT_EQ(bad_ref.exit_code, 1);
  EXPECT_NE(bad_ref.err.find("image reference"), std::string::npos) << bad_ref.err;
}

}  // namespace
}  // namespace wcloud
