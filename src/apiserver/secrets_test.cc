#include "apiserver/secrets.h"

#include <gtest/gtest.h>

#include "util/base64.h"

namespace wcloud::apiserver {
namespace {

TEST(Secrets, StringDataIsMergedIntoDataAndNeverKept) {
  Json s = {{"data", {{"a", Base64Encode("old")}, {"b", Base64Encode("kept")}}},
            {"stringData", {{"a", "new"}, {"c", "plain"}}}};
  api::FieldErrors errors;
  NormalizeSecret(s, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(s.contains("stringData"));
  EXPECT_EQ(s["data"]["a"], Base64Encode("new")) << "stringData wins, as in Kubernetes";
  EXPECT_EQ(s["data"]["b"], Base64Encode("kept"));
  EXPECT_EQ(s["data"]["c"], Base64Encode("plain"));
  EXPECT_EQ(s["type"], "Opaque");
}

TEST(Secrets, DataMustBeBase64) {
  Json s = {{"data", {{"k", "not base64!"}}}};
  api::FieldErrors errors;
  NormalizeSecret(s, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(), "data[k]: illegal base64 data");
}

TEST(Secrets, TypedSecretsNeedTheirKeys) {
  auto errors_of = [](Json s) {
    api::FieldErrors errors;
    NormalizeSecret(s, errors);
    std::string all;
    for (const auto& e : errors) all += e.ToString() + "\n";
    return all;
  };
  EXPECT_EQ(errors_of({{"type", "kubernetes.io/dockerconfigjson"}}),
            "data[.dockerconfigjson]: required value for type kubernetes.io/dockerconfigjson\n");
  EXPECT_EQ(errors_of({{"type", "kubernetes.io/dockerconfigjson"},
                       {"stringData", {{".dockerconfigjson", "{not json"}}}}),
            "data[.dockerconfigjson]: invalid JSON\n");
  EXPECT_EQ(errors_of({{"type", "kubernetes.io/dockerconfigjson"},
                       {"stringData", {{".dockerconfigjson", R"({"auths":{}})"}}}}),
            "");
  EXPECT_EQ(errors_of({{"type", "kubernetes.io/tls"}, {"stringData", {{"tls.crt", "c"}}}}),
            "data[tls.key]: required value for type kubernetes.io/tls\n");
  EXPECT_EQ(errors_of({{"type", "kubernetes.io/basic-auth"}}),
            "data: username or password is required for type kubernetes.io/basic-auth\n");
  EXPECT_EQ(errors_of({{"type", "example.com/custom"}}), "") << "other types are free-form";
}

}  // namespace
}  // namespace wcloud::apiserver
