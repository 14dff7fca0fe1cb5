#include "apiserver/strategy.h"

#include <gtest/gtest.h>

#include "api/types.h"
#include "util/base64.h"

namespace wcloud::apiserver {
namespace {

const Strategy& Of(std::string_view group, std::string_view plural) {
  const ResourceDef* def = FindResource(group, group == api::kGroup ? api::kVersion : "v1", plural);
  EXPECT_NE(def, nullptr) << plural;
  return StrategyFor(*def);
}

TEST(Strategy, CustomResourcesKeepStatusCountGenerationsAndNeedPreconditions) {
  const Strategy& s = Of(api::kGroup, "workloads");
  EXPECT_TRUE(s.CountsGeneration());
  EXPECT_TRUE(s.StatusIsSubresource());
  EXPECT_FALSE(s.AllowUnconditionalUpdate());
  EXPECT_FALSE(s.AcceptsStrategicMergePatch());
}

TEST(Strategy, CoreKindsTakeStrategicMergeAndUnconditionalUpdates) {
  for (const char* plural : {"configmaps", "secrets", "events", "namespaces"}) {
    const Strategy& s = Of("", plural);
    EXPECT_TRUE(s.AllowUnconditionalUpdate()) << plural;
    EXPECT_TRUE(s.AcceptsStrategicMergePatch()) << plural;
    EXPECT_FALSE(s.StatusIsSubresource()) << plural;
    EXPECT_FALSE(s.CountsGeneration()) << plural;
  }
  EXPECT_TRUE(Of("coordination.k8s.io", "leases").CountsGeneration());
}

TEST(Strategy, NamespacesAreDnsLabelsLabelledWithTheirNameAndActive) {
  const Strategy& s = Of("", "namespaces");
  EXPECT_EQ(s.NameRule(), api::NameRule::kDnsLabel);
  EXPECT_EQ(Of("", "configmaps").NameRule(), api::NameRule::kDnsSubdomain);
  EXPECT_TRUE(s.DeletesNamespaceContents());
  EXPECT_FALSE(Of("", "configmaps").DeletesNamespaceContents());

  Json ns = {{"metadata", {{"name", "team-a"}}}};
  s.PrepareForCreate(ns);
  EXPECT_EQ(ns["status"]["phase"], "Active");
  EXPECT_EQ(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team-a");
  // A writer cannot take the label away or change it.
  ns["metadata"]["labels"]["kubernetes.io/metadata.name"] = "other";
  s.PrepareForUpdate(ns);
  EXPECT_EQ(ns["metadata"]["labels"]["kubernetes.io/metadata.name"], "team-a");
}

TEST(Strategy, ConfigMapKeysAndSecretDataAreChecked) {
  Json cm = {{"metadata", {{"name", "c"}}}, {"data", {{"bad key", "v"}}}};
  auto admitted = Of("", "configmaps").Admit(cm, false);
  ASSERT_EQ(admitted.errors.size(), 1u);
  EXPECT_EQ(admitted.errors[0].path, "data[bad key]");

  Json secret = {{"metadata", {{"name", "s"}}}, {"stringData", {{"k", "v"}}}};
  admitted = Of("", "secrets").Admit(secret, false);
  EXPECT_TRUE(admitted.errors.empty());
  EXPECT_EQ(secret["data"]["k"], Base64Encode("v")) << secret.dump();
  EXPECT_FALSE(secret.contains("stringData"));
}

TEST(Strategy, ObjectMetaRulesHoldForCoreKinds) {
  Json bad = {{"metadata", {{"name", "Not_A_Name"}}}};
  auto admitted = Of("", "configmaps").Admit(bad, false);
  ASSERT_FALSE(admitted.errors.empty());
  EXPECT_EQ(admitted.errors[0].path, "metadata.name");
}

TEST(Strategy, OnlyEventsV1MustBeCompleteOnCreate) {
  Json incomplete = {{"metadata", {{"name", "e"}}}, {"reason", "Started"}};
  EXPECT_FALSE(Of("events.k8s.io", "events").ValidateCreate(incomplete).empty());
  EXPECT_TRUE(Of("", "events").ValidateCreate(incomplete).empty());
}

TEST(Strategy, CustomResourcesAreDecodedAndValidatedByTheirSchema) {
  Json unknown = {{"apiVersion", std::string(api::kGroup) + "/" + api::kVersion},
                  {"kind", "Workload"},
                  {"metadata", {{"name", "w"}}},
                  {"spec", {{"noSuchField", 1}}}};
  Json strict = unknown;
  EXPECT_FALSE(Of(api::kGroup, "workloads").Admit(strict, true).errors.empty());
}

}  // namespace
}  // namespace wcloud::apiserver
