#include "apiserver/field_ownership.h"

#include <gtest/gtest.h>

namespace wcloud::apiserver {
namespace {

constexpr char kGroupVersion[] = "runtime.wasmcloud.dev/v1alpha1";
constexpr char kLastApplied[] = "kubectl.kubernetes.io/last-applied-configuration";

Json Entry(const std::string& manager, const std::string& operation, const FieldSet& fields) {
  return {{"manager", manager},
          {"operation", operation},
          {"apiVersion", "v1"},
          {"fieldsType", "FieldsV1"},
          {"fieldsV1", ToFieldsV1(fields)}};
}

// What kubectl's client-side apply of {image, pullPolicy} leaves: the values, its annotation, and
// kubectl-client-side-apply owning both.
Json AfterClientSideApply() {
  Json last = {{"apiVersion", kGroupVersion},
               {"kind", "Artifact"},
               {"metadata", {{"annotations", Json::object()}, {"name", "a"}}},
               {"spec", {{"image", "x:1"}, {"pullPolicy", "Always"}}}};
  Json live = {{"apiVersion", kGroupVersion},
               {"kind", "Artifact"},
               {"metadata", {{"name", "a"}, {"annotations", {{kLastApplied, last.dump()}}}}},
               {"spec", {{"image", "x:1"}, {"pullPolicy", "Always"}}}};
  live["metadata"]["managedFields"] = Json::array(
      {Entry("kubectl-client-side-apply", "Update",
             {"/spec/image", "/spec/pullPolicy",
              "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"})});
  return live;
}

Json Applied(const std::string& image) {
  return {{"apiVersion", kGroupVersion},
          {"kind", "Artifact"},
          {"metadata", {{"name", "a"}}},
          {"spec", {{"image", image}}}};
}

TEST(FieldOwnership, KubectlTakesOverWhatItsClientSideApplySet) {
  Json live = AfterClientSideApply();
  auto out =
      ApplyConfiguration(live, Applied("x:2"), Applied("x:2"), "kubectl", false, kGroupVersion);
  ASSERT_TRUE(out.conflicts.empty()) << out.conflicts[0];
  EXPECT_EQ(out.object["spec"]["image"], "x:2");
  // The annotation now holds what was applied, as Go encodes it.
  EXPECT_EQ(out.object["metadata"]["annotations"][kLastApplied],
            nlohmann::json::parse(Applied("x:2").dump()).dump() + "\n");
  const Json& managed = out.object["metadata"]["managedFields"];
  ASSERT_EQ(managed.size(), 2u) << managed.dump();
  EXPECT_EQ(FromFieldsV1(managed[0]["fieldsV1"]),
            (FieldSet{"/spec/pullPolicy",
                      "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration"}));
  EXPECT_EQ(managed[1]["manager"], "kubectl");
  EXPECT_EQ(FromFieldsV1(managed[1]["fieldsV1"]), FieldSet{"/spec/image"});
}

TEST(FieldOwnership, OnlyKubectlAndOnlyUnchangedFieldsAreTakenOver) {
  Json live = AfterClientSideApply();
  auto other =
      ApplyConfiguration(live, Applied("x:2"), Applied("x:2"), "deployer", false, kGroupVersion);
  ASSERT_EQ(other.conflicts.size(), 1u);
  EXPECT_EQ(other.conflicts[0], "conflict with \"kubectl-client-side-apply\": .spec.image");
  // Changed since by someone else: the annotation no longer says who set it.
  live["spec"]["image"] = "x:9";
  auto changed =
      ApplyConfiguration(live, Applied("x:2"), Applied("x:2"), "kubectl", false, kGroupVersion);
  EXPECT_EQ(changed.conflicts.size(), 1u);
  // No annotation, no takeover.
  live = AfterClientSideApply();
  live["metadata"].erase("annotations");
  auto bare =
      ApplyConfiguration(live, Applied("x:2"), Applied("x:2"), "kubectl", false, kGroupVersion);
  EXPECT_EQ(bare.conflicts.size(), 1u);
  EXPECT_FALSE(bare.object.is_object());
}

TEST(FieldOwnership, AWriteMayRewriteManagedFields) {
  Json live = AfterClientSideApply();
  // kubectl's upgrade: the client-side apply fields move to its Apply manager.
  Json updated = live;
  updated["metadata"]["managedFields"] =
      Json::array({Entry("kubectl", "Apply", {"/spec/image", "/spec/pullPolicy"})});
  EXPECT_TRUE(CheckManagedFields(updated).empty());
  RecordUpdate(live, updated, "kubectl", kGroupVersion);
  ASSERT_EQ(updated["metadata"]["managedFields"].size(), 1u);
  EXPECT_EQ(updated["metadata"]["managedFields"][0]["manager"], "kubectl");
  // None sent (or an empty list): the stored ones stay.
  for (Json sent : {Json(), Json::array()}) {
    Json unaware = live;
    unaware["metadata"]["managedFields"] = sent;
    RecordUpdate(live, unaware, "editor", kGroupVersion);
    EXPECT_EQ(unaware["metadata"]["managedFields"], live["metadata"]["managedFields"]);
  }
}

TEST(FieldOwnership, ManagedFieldsAreChecked) {
  Json o = {
      {"metadata",
       {{"managedFields",
         Json::array({7, {{"manager", "m"}, {"operation", "Delete"}, {"fieldsType", "X"}}})}}}};
  auto errors = CheckManagedFields(o);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].ToString(), "metadata.managedFields[0]: expected object");
  EXPECT_EQ(errors[1].ToString(),
            "metadata.managedFields[1].operation: Unsupported value: \"Delete\": supported "
            "values: \"Apply\", \"Update\"");
  EXPECT_EQ(errors[2].ToString(),
            "metadata.managedFields[1].fieldsType: Invalid value: \"X\": must be `FieldsV1`");
  EXPECT_EQ(CheckManagedFields({{"metadata", {{"managedFields", "x"}}}}).size(), 1u);
}

}  // namespace
}  // namespace wcloud::apiserver
