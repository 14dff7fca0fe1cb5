#include "apiserver/field_selector.h"

#include <gtest/gtest.h>

#include "apiserver/event_conversion.h"
#include "apiserver/watch_filter.h"

namespace wcloud::apiserver {
namespace {

const ResourceDef& Def(std::string_view group, std::string_view plural) {
  const ResourceDef* def = FindResource(group, "v1", plural);
  EXPECT_NE(def, nullptr) << group << "/" << plural;
  return *def;
}

Json CoreEvent() {
  return {{"apiVersion", "v1"},
          {"kind", "Event"},
          {"metadata", {{"name", "w.1"}, {"namespace", "default"}}},
          {"involvedObject",
           {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
            {"kind", "Workload"},
            {"name", "w"},
            {"uid", "u-1"}}},
          {"reason", "Placed"},
          {"message", "placed on host h"},
          {"type", "Normal"},
          {"source", {{"component", "wcloud-operator"}, {"host", "node-1"}}},
          {"firstTimestamp", "2026-01-01T00:00:00Z"},
          {"lastTimestamp", "2026-01-01T00:01:00Z"},
          {"count", 2},
          {"reportingComponent", "wcloud-operator"},
          {"reportingInstance", "op-1"}};
}

bool Selects(std::string_view group, std::string_view plural, const std::string& selector,
             const Json& stored) {
  auto parsed = FieldSelector::Parse(Def(group, plural), selector);
  EXPECT_TRUE(parsed.has_value()) << selector << ": " << parsed.error().message();
  return parsed.has_value() && parsed->Matches(stored);
}

TEST(FieldSelector, EventsBySelectableFields) {
  Json e = CoreEvent();
  EXPECT_TRUE(Selects("", "events", "reason=Placed", e));
  EXPECT_TRUE(Selects("", "events", "reason==Placed,type!=Warning", e));
  EXPECT_FALSE(Selects("", "events", "reason!=Placed", e));
  EXPECT_TRUE(Selects("", "events",
                      "involvedObject.kind=Workload,involvedObject.name=w,involvedObject.uid=u-1,"
                      "involvedObject.apiVersion=runtime.wasmcloud.dev/v1alpha1",
                      e));
  EXPECT_TRUE(Selects("", "events", "involvedObject.fieldPath=", e)) << "missing reads as empty";
  EXPECT_TRUE(
      Selects("", "events", "source=wcloud-operator,reportingComponent=wcloud-operator", e));
  e.erase("source");
  EXPECT_TRUE(Selects("", "events", "source=wcloud-operator", e)) << "falls back to the reporter";
  EXPECT_TRUE(Selects("", "events", "metadata.name=w.1,metadata.namespace=default", e));
}

TEST(FieldSelector, EscapedValuesAndEmptyTerms) {
  Json e = CoreEvent();
  e["involvedObject"]["name"] = "a,b=c\\d";
  EXPECT_TRUE(Selects("", "events", "involvedObject.name=a\\,b\\=c\\\\d,", e));
  EXPECT_TRUE(Selects("", "events", "", e));
}

TEST(FieldSelector, RefusesWhatTheRealServerRefuses) {
  auto error = [](std::string_view group, std::string_view plural, const std::string& selector) {
    auto parsed = FieldSelector::Parse(Def(group, plural), selector);
    return parsed.has_value() ? std::string("accepted") : parsed.error().message();
  };
  EXPECT_EQ(error("", "events", "message=x"), "field label not supported: message");
  EXPECT_EQ(error("", "configmaps", "data.k=v"), "field label not supported: data.k");
  EXPECT_EQ(error("", "namespaces", "metadata.namespace=x"),
            "field label not supported: metadata.namespace");
  EXPECT_EQ(error("", "namespaces", "status.phase=Active"), "accepted");
  EXPECT_EQ(error("", "secrets", "type=Opaque"), "accepted");
  EXPECT_EQ(error("", "events", "reason"), "invalid selector: 'reason'; can't understand 'reason'");
  EXPECT_EQ(error("", "events", "reason=a=b"),
            "invalid field selector: unescaped character in value: =");
  EXPECT_EQ(error("", "events", "reason=a\\x"),
            "invalid field selector: invalid escape sequence: \\x");
  EXPECT_EQ(error("events.k8s.io", "events", "source=x"), "field label not supported: source");
}

TEST(FieldSelector, SecretsByTypeAndNamespacesByPhase) {
  Json secret = {{"metadata", {{"name", "s"}}}, {"type", "kubernetes.io/tls"}};
  EXPECT_TRUE(Selects("", "secrets", "type=kubernetes.io/tls", secret));
  EXPECT_FALSE(Selects("", "secrets", "type=Opaque", secret));
  Json ns = {{"metadata", {{"name", "team-a"}}}, {"status", {{"phase", "Terminating"}}}};
  EXPECT_TRUE(Selects("", "namespaces", "status.phase=Terminating,metadata.name=team-a", ns));
}

TEST(EventConversion, EventsV1IsTheCoreEventInAnotherShape) {
  Json v1 = CoreEventToEventsV1(CoreEvent());
  EXPECT_EQ(v1["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(v1["regarding"]["name"], "w");
  EXPECT_EQ(v1["note"], "placed on host h");
  EXPECT_EQ(v1["reportingController"], "wcloud-operator");
  EXPECT_EQ(v1["reportingInstance"], "op-1");
  EXPECT_EQ(v1["deprecatedSource"]["host"], "node-1");
  EXPECT_EQ(v1["deprecatedCount"], 2);
  EXPECT_EQ(v1["deprecatedLastTimestamp"], "2026-01-01T00:01:00Z");
  for (const char* core_only : {"involvedObject", "message", "source", "count"}) {
    EXPECT_FALSE(v1.contains(core_only)) << core_only;
  }
  EXPECT_EQ(EventsV1ToCoreEvent(v1), CoreEvent()) << "a lossless round trip";
  EXPECT_EQ(CoreEventToEventsV1(v1), v1) << "already in that version";
  // Its selectors read the stored core Event.
  EXPECT_TRUE(Selects(
      "events.k8s.io", "events",
      "regarding.kind=Workload,regarding.name=w,reportingController=wcloud-operator", CoreEvent()));
}

TEST(EventConversion, EventsV1WritesNeedWhatTheRealServerRequires) {
  Json complete = CoreEventToEventsV1(CoreEvent());
  complete["eventTime"] = "2026-01-01T00:00:00.000000Z";
  complete["action"] = "Place";
  EXPECT_TRUE(ValidateEventsV1(complete).empty());
  Json bare = {{"apiVersion", "events.k8s.io/v1"}, {"kind", "Event"}, {"type", "Info"}};
  std::string all;
  for (const auto& e : ValidateEventsV1(bare)) all += e.ToString() + "\n";
  EXPECT_EQ(all,
            "eventTime: Required value\nreportingController: Required value\n"
            "reportingInstance: Required value\naction: Required value\nreason: Required value\n"
            "type: Unsupported value: \"Info\": supported values: \"Normal\", \"Warning\"\n");
}

TEST(WatchFilter, ObjectsEnteringAndLeavingTheSelection) {
  WatchFilter filter([](const Json& o) { return o.value("reason", "") == "X"; }, {"default/held"});
  auto object = [](const std::string& name, const std::string& reason) {
    return Json({{"metadata", {{"namespace", "default"}, {"name", name}}}, {"reason", reason}});
  };
  EXPECT_EQ(filter.TypeFor("MODIFIED", object("held", "X")), "MODIFIED");
  EXPECT_EQ(filter.TypeFor("MODIFIED", object("held", "Y")), "DELETED") << "stopped matching";
  EXPECT_EQ(filter.TypeFor("MODIFIED", object("held", "Y")), std::nullopt);
  EXPECT_EQ(filter.TypeFor("MODIFIED", object("held", "X")), "ADDED") << "matches again";
  EXPECT_EQ(filter.TypeFor("ADDED", object("other", "Y")), std::nullopt);
  EXPECT_EQ(filter.TypeFor("DELETED", object("other", "Y")), std::nullopt);
  EXPECT_EQ(filter.TypeFor("DELETED", object("held", "Y")), "DELETED");
}

}  // namespace
}  // namespace wcloud::apiserver
