#include "kube/event_recorder.h"

#include <gtest/gtest.h>

#include <map>

#include "kube/fake_client.h"

namespace wcloud::kube {
namespace {

Json Object(const std::string& name, const std::string& uid) {
  return {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", name}, {"namespace", "apps"}, {"uid", uid}}}};
}

std::vector<Json> Events(FakeClient& client) {
  auto list = client.Get("/api/v1/namespaces/apps/events");
  EXPECT_TRUE(list) << list.error().message();
  return list ? list->value("items", std::vector<Json>{}) : std::vector<Json>{};
}

TEST(EventRecorderTest, AnEventNamesItsObjectReasonTypeAndReporter) {
  FakeClient client;
  EventRecorder recorder(client, "wcloud-operator", "test");
  recorder.Record(Object("web-1", "u1"), "Warning", "FailedScheduling", "0/1 hosts are available");
  recorder.Flush();
  auto events = Events(client);
  ASSERT_EQ(events.size(), 1u);
  const Json& e = events[0];
  EXPECT_EQ(e["involvedObject"]["kind"], "Workload");
  EXPECT_EQ(e["involvedObject"]["name"], "web-1");
  EXPECT_EQ(e["involvedObject"]["namespace"], "apps");
  EXPECT_EQ(e["involvedObject"]["uid"], "u1");
  EXPECT_EQ(e["involvedObject"]["apiVersion"], "runtime.wasmcloud.dev/v1alpha1");
  EXPECT_EQ(e["type"], "Warning");
  EXPECT_EQ(e["reason"], "FailedScheduling");
  EXPECT_EQ(e["message"], "0/1 hosts are available");
  EXPECT_EQ(e["count"], 1);
  EXPECT_EQ(e["source"]["component"], "wcloud-operator");
  EXPECT_EQ(e["metadata"]["namespace"], "apps");
}

// client-go's correlator: a repeat (same object, type, reason and message) raises the count of
// the Event already written instead of writing another.
TEST(EventRecorderTest, RepeatsAreCountedOnOneEvent) {
  FakeClient client;
  EventRecorder recorder(client, "wcloud-operator", "test");
  for (int i = 0; i < 3; ++i) {
    recorder.Record(Object("web-1", "u1"), "Warning", "Failed", "Failed to pull image \"x\"");
  }
  recorder.Record(Object("web-1", "u1"), "Warning", "Failed", "Failed to pull image \"y\"");
  recorder.Record(Object("web-2", "u2"), "Warning", "Failed", "Failed to pull image \"x\"");
  recorder.Flush();
  std::map<std::string, int> counts;  // name/message → count
  for (const Json& e : Events(client)) {
    counts[e["involvedObject"].value("name", "") + " " + e.value("message", "")] +=
        e.value("count", 0);
    EXPECT_LE(e.value("firstTimestamp", ""), e.value("lastTimestamp", ""));
  }
  EXPECT_EQ(counts, (std::map<std::string, int>{{"web-1 Failed to pull image \"x\"", 3},
                                                {"web-1 Failed to pull image \"y\"", 1},
                                                {"web-2 Failed to pull image \"x\"", 1}}));
  EXPECT_EQ(Events(client).size(), 3u);
}

}  // namespace
}  // namespace wcloud::kube
