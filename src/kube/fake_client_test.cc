#include "kube/fake_client.h"

#include <gtest/gtest.h>

#include <thread>

namespace wcloud::kube {
namespace {

const ResourceType kWorkloads{"runtime.wasmcloud.dev", "v1alpha1", "workloads", true};
const ResourceType kConfigMaps{"", "v1", "configmaps", true};

Json Workload(const std::string& name) {
  return {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata", {{"name", name}, {"labels", {{"app", name}}}}},
          {"spec", {{"hostSelector", {{"hostgroup", "default"}}}}},
          {"status", {{"phase", "ignored on create"}}}};
}

TEST(FakeClientTest, CreateFillsMetadataAndDropsTheStatusOfOurKinds) {
  FakeClient client;
  Json w = Workload("");
  w["metadata"].erase("name");
  w["metadata"]["generateName"] = "web-";
  auto created = client.Do("POST", CollectionPath(kWorkloads, "ns1"), &w);
  ASSERT_TRUE(created) << created.error().message();
  const Json& meta = (*created)["metadata"];
  EXPECT_EQ(meta["name"].get<std::string>().rfind("web-", 0), 0u);
  EXPECT_EQ(meta["name"].get<std::string>().size(), 9u);
  EXPECT_EQ(meta["namespace"], "ns1");
  EXPECT_EQ(meta["generation"], 1);
  EXPECT_FALSE(meta.value("uid", "").empty());
  EXPECT_FALSE(meta.value("resourceVersion", "").empty());
  EXPECT_FALSE(created->contains("status"));

  auto again = client.Do("POST", CollectionPath(kWorkloads, "ns1"), &*created);
  ASSERT_FALSE(again);
  EXPECT_TRUE(IsAlreadyExists(again.error())) << again.error().message();

  auto missing = client.Get(ObjectPath(kWorkloads, "ns1", "nope"));
  ASSERT_FALSE(missing);
  EXPECT_TRUE(IsNotFound(missing.error()));
}

TEST(FakeClientTest, StatusMovesOnlyThroughItsSubresourceAndSpecMovesTheGeneration) {
  FakeClient client;
  client.Seed(kWorkloads, Workload("a"));
  const std::string path = ObjectPath(kWorkloads, "", "a");
  Json status_patch = {{"status", {{"phase", "Running"}}}, {"spec", {{"hostId", "ignored"}}}};
  auto s = client.Do("PATCH", ObjectPath(kWorkloads, "", "a", "status"), &status_patch,
                     "application/merge-patch+json");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ((*s)["status"]["phase"], "Running");
  EXPECT_FALSE((*s)["spec"].contains("hostId"));
  EXPECT_EQ((*s)["metadata"]["generation"], 1);

  Json spec_patch = {{"spec", {{"hostId", "H1"}}}, {"status", {{"phase", "ignored"}}}};
  auto p = client.Do("PATCH", path, &spec_patch, "application/merge-patch+json");
  ASSERT_TRUE(p);
  EXPECT_EQ((*p)["spec"]["hostId"], "H1");
  EXPECT_EQ((*p)["status"]["phase"], "Running");
  EXPECT_EQ((*p)["metadata"]["generation"], 2);

  // A label is not spec: no new generation. A stale resourceVersion conflicts.
  Json put = *p;
  put["metadata"]["labels"]["tier"] = "web";
  auto u = client.Do("PUT", path, &put);
  ASSERT_TRUE(u);
  EXPECT_EQ((*u)["metadata"]["generation"], 2);
  auto stale = client.Do("PUT", path, &put);
  ASSERT_FALSE(stale);
  EXPECT_TRUE(IsConflict(stale.error())) << stale.error().message();
}

TEST(FakeClientTest, FinalizersHoldADeleteUntilRemoved) {
  FakeClient client;
  Json w = Workload("held");
  w["metadata"]["finalizers"] = Json::array({"example.com/keep"});
  client.Seed(kWorkloads, w);
  const std::string path = ObjectPath(kWorkloads, "", "held");
  ASSERT_TRUE(client.Do("DELETE", path));
  auto held = client.Get(path);
  ASSERT_TRUE(held);
  EXPECT_TRUE((*held)["metadata"].contains("deletionTimestamp"));
  Json release = {{"metadata", {{"finalizers", nullptr}}}};
  ASSERT_TRUE(client.Do("PATCH", path, &release, "application/merge-patch+json"));
  EXPECT_TRUE(IsNotFound(client.Get(path).error()));
}

TEST(FakeClientTest, ListsAndWatchesByNamespaceAndLabels) {
  FakeClient client;
  Json a = Workload("a"), b = Workload("b"), c = Workload("c");
  a["metadata"]["namespace"] = "one";
  b["metadata"]["namespace"] = "one";
  c["metadata"]["namespace"] = "two";
  for (const Json& w : {a, b, c}) client.Seed(kWorkloads, w);
  client.Seed(kConfigMaps, {{"metadata", {{"name", "cm"}, {"namespace", "one"}}}});

  auto one = client.Get(CollectionPath(kWorkloads, "one"));
  ASSERT_TRUE(one);
  EXPECT_EQ((*one)["items"].size(), 2u);
  auto all = client.Get(CollectionPath(kWorkloads, "") + "?labelSelector=app%3Dc");
  ASSERT_TRUE(all);
  ASSERT_EQ((*all)["items"].size(), 1u);
  EXPECT_EQ((*all)["items"][0]["metadata"]["name"], "c");

  // From the list's version on: only what happens afterwards, in namespace one.
  const std::string rv = (*one)["metadata"]["resourceVersion"];
  std::atomic<bool> stop{false};
  std::vector<std::string> seen;
  std::thread watcher([&] {
    Status s = client.Watch(
        CollectionPath(kWorkloads, "one") + "?watch=1&resourceVersion=" + rv,
        [&](const Json& e) {
          seen.push_back(e["type"].get<std::string>() + " " +
                         e["object"]["metadata"]["name"].get<std::string>());
          return seen.size() < 2;
        },
        &stop);
    EXPECT_TRUE(s);
  });
  Json d = Workload("d");
  d["metadata"]["namespace"] = "two";
  ASSERT_TRUE(client.Do("POST", CollectionPath(kWorkloads, "two"), &d));
  ASSERT_TRUE(client.Do("DELETE", ObjectPath(kWorkloads, "one", "a")));
  Json e = Workload("e");
  ASSERT_TRUE(client.Do("POST", CollectionPath(kWorkloads, "one"), &e));
  watcher.join();
  EXPECT_EQ(seen, (std::vector<std::string>{"DELETED a", "ADDED e"}));
}

TEST(FakeClientTest, ReactorsAnswerInsteadAndEveryRequestIsRecorded) {
  FakeClient client;
  client.AddReactor([](const FakeClient::Action& a) -> std::optional<Result<Json>> {
    if (a.method == "POST") return Result<Json>(ApiError(409, "Conflict", "injected"));
    return std::nullopt;
  });
  Json w = Workload("x");
  auto created = client.Do("POST", CollectionPath(kWorkloads, "ns"), &w);
  ASSERT_FALSE(created);
  EXPECT_TRUE(IsConflict(created.error()));
  (void)client.Get(CollectionPath(kWorkloads, "ns"));
  ASSERT_EQ(client.Actions().size(), 2u);
  ASSERT_EQ(client.Writes().size(), 1u);
  EXPECT_EQ(client.Writes()[0].body["metadata"]["name"], "x");
}

}  // namespace
}  // namespace wcloud::kube
