#include "kube/kubeconfig.h"

#include <gtest/gtest.h>

#include <fstream>

namespace wcloud::kube {
namespace {

class KubeconfigTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::string& text) {
    std::ofstream(path_) << text;
    return path_;
  }
  ~KubeconfigTest() override { std::filesystem::remove(path_); }
  std::filesystem::path path_ =
      std::filesystem::temp_directory_path() / ("kubeconfig_test-" + std::to_string(::getpid()));
};

TEST_F(KubeconfigTest, ReadsWhatRenderWrites) {
  auto config = LoadKubeconfig(
      Write(RenderKubeconfig("wcloud", "https://127.0.0.1:6443", "CA PEM", "tok", "apps")));
  ASSERT_TRUE(config) << config.error().message();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_EQ(config->certificate_authority_pem, "CA PEM");
  EXPECT_EQ(config->bearer_token, "tok");
  EXPECT_EQ(config->default_namespace, "apps");
}

TEST_F(KubeconfigTest, PicksTheNamedContextAndExplainsWhatIsMissing) {
  const std::string text = R"(apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: https://a:6443}
- name: b
  cluster: {server: https://b:6443, insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t}
contexts:
- name: ctx-a
  context: {cluster: a, user: u}
- name: ctx-b
  context: {cluster: b, user: u}
- name: broken
  context: {cluster: nowhere, user: u}
current-context: ctx-a
)";
  auto a = LoadKubeconfig(Write(text));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->server, "https://a:6443");
  EXPECT_EQ(a->default_namespace, "default");
  auto b = LoadKubeconfig(Write(text), "ctx-b");
  ASSERT_TRUE(b);
  EXPECT_TRUE(b->insecure_skip_tls_verify);
  auto none = LoadKubeconfig(Write(text), "ctx-z");
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message().find("no context \"ctx-z\""), std::string::npos);
  auto broken = LoadKubeconfig(Write(text), "broken");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("names no cluster"), std::string::npos);
  // Not a kubeconfig at all, or fields of the wrong type: errors, never a crash.
  for (const char* bad : {"- a\n- b\n", "contexts: 5\n", "current-context: [1]\ncontexts: []\n",
                          "contexts:\n- name: x\n  context: {cluster: 5, user: [1]}\n"
                          "current-context: x\n"}) {
    EXPECT_FALSE(LoadKubeconfig(Write(bad))) << bad;
  }
  EXPECT_FALSE(LoadKubeconfig(path_.string() + ".missing"));
}

}  // namespace
}  // namespace wcloud::kube
