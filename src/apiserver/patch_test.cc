#include "apiserver/patch.h"

#include <gtest/gtest.h>

#include "api/types.h"
#include "apiserver/field_ownership.h"

namespace wcloud::apiserver {
namespace {

const ResourceDef& ConfigMaps() { return *FindResource("", "v1", "configmaps"); }
const ResourceDef& Artifacts() { return *FindResource(api::kGroup, api::kVersion, "artifacts"); }

TEST(Patch, MediaTypesAsARealServerTakesThem) {
  DecodedPatch p;
  EXPECT_FALSE(DecodePatch(StrategyFor(ConfigMaps()),
                           "application/strategic-merge-patch+json; charset=utf-8", "{}", p));
  EXPECT_EQ(p.type, PatchType::kStrategicMergePatch);
  // Custom resources take no strategic merge patch, and the answer lists what they do take.
  auto refused =
      DecodePatch(StrategyFor(Artifacts()), "application/strategic-merge-patch+json", "{}", p);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->code, 415);
  EXPECT_EQ(refused->body["message"].get<std::string>().find("strategic"), std::string::npos);
  auto unknown = DecodePatch(StrategyFor(ConfigMaps()), "text/plain", "{}", p);
  ASSERT_TRUE(unknown);
  EXPECT_NE(unknown->body["message"].get<std::string>().find("strategic"), std::string::npos);
}

TEST(Patch, BodiesThatDoNotParseAreBadRequests) {
  DecodedPatch p;
  auto bad_json = DecodePatch(StrategyFor(ConfigMaps()), "application/merge-patch+json", "{", p);
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->code, 400);
  auto list = DecodePatch(StrategyFor(ConfigMaps()), "application/apply-patch+yaml", "- a\n", p);
  ASSERT_TRUE(list);
  EXPECT_EQ(list->body["message"], "apply patch: not an object");
  EXPECT_FALSE(
      DecodePatch(StrategyFor(ConfigMaps()), "application/apply-patch+yaml", "data:\n  k: v\n", p));
  EXPECT_EQ(p.type, PatchType::kApply);
  EXPECT_EQ(p.body["data"]["k"], "v");
}

TEST(Patch, ConditionalOnlyWhenItNamesAResourceVersion) {
  DecodedPatch merge{PatchType::kMergePatch, {{"data", {{"k", "v"}}}}};
  EXPECT_FALSE(merge.NamesResourceVersion());
  merge.body["metadata"] = {{"resourceVersion", "7"}};
  EXPECT_TRUE(merge.NamesResourceVersion());
  DecodedPatch json{
      PatchType::kJsonPatch,
      Json::array({{{"op", "replace"}, {"path", "/metadata/resourceVersion"}, {"value", "7"}}})};
  EXPECT_TRUE(json.NamesResourceVersion());
  DecodedPatch apply{PatchType::kApply, merge.body};
  EXPECT_FALSE(apply.NamesResourceVersion());
}

TEST(Patch, AppliesJsonAndMergePatches) {
  const Json live = {{"data", {{"a", "1"}, {"b", "2"}}}};
  Json out;
  ASSERT_FALSE(
      ApplyPatch({PatchType::kMergePatch, {{"data", {{"a", nullptr}, {"c", "3"}}}}}, live, out));
  EXPECT_EQ(out["data"], Json({{"b", "2"}, {"c", "3"}}));
  ASSERT_FALSE(ApplyPatch(
      {PatchType::kJsonPatch, Json::array({{{"op", "remove"}, {"path", "/data/b"}}})}, live, out));
  EXPECT_EQ(out["data"], Json({{"a", "1"}}));
  auto failed = ApplyPatch(
      {PatchType::kJsonPatch, Json::array({{{"op", "remove"}, {"path", "/data/zz"}}})}, live, out);
  ASSERT_TRUE(failed);
  EXPECT_EQ(failed->code, 422);
  auto not_object = ApplyPatch({PatchType::kMergePatch, Json::array()}, live, out);
  ASSERT_TRUE(not_object);
  EXPECT_EQ(not_object->code, 400);
}

TEST(Patch, ApplyConflictsNameEachFieldAndForceTakesThemOver) {
  Json live = {{"apiVersion", "v1"},
               {"kind", "ConfigMap"},
               {"metadata", {{"name", "c"}, {"namespace", "default"}}},
               {"data", {{"k", "old"}}}};
  live["metadata"]["managedFields"] = Json::array({{{"manager", "other"},
                                                    {"operation", "Apply"},
                                                    {"apiVersion", "v1"},
                                                    {"fieldsType", "FieldsV1"},
                                                    {"fieldsV1", ToFieldsV1({"/data/k"})}}});
  const Json config = {{"data", {{"k", "new"}}}};
  Json merged;
  auto conflict = MergeApplied(ConfigMaps(), "default", "c", "me", false, live, config, merged);
  ASSERT_TRUE(conflict);
  EXPECT_EQ(conflict->code, 409);
  EXPECT_EQ(conflict->body["details"]["causes"].size(), 1u) << conflict->body.dump();
  ASSERT_FALSE(MergeApplied(ConfigMaps(), "default", "c", "me", true, live, config, merged));
  EXPECT_EQ(merged["data"]["k"], "new");
}

TEST(Patch, AnApplyCreatesWhatItOwnsEntirely) {
  Json created = AppliedObject(ConfigMaps(), "c", "me", {{"data", {{"k", "v"}}}});
  EXPECT_EQ(created["metadata"]["name"], "c");
  const Json& managed = created["metadata"]["managedFields"];
  ASSERT_EQ(managed.size(), 1u);
  EXPECT_EQ(managed[0]["manager"], "me");
  EXPECT_EQ(managed[0]["operation"], "Apply");
  EXPECT_EQ(FromFieldsV1(managed[0]["fieldsV1"]), FieldSet{"/data/k"});
}

}  // namespace
}  // namespace wcloud::apiserver
