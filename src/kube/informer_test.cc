// The informer's cache and handler semantics, driven through its ListWatch seam by a scripted
// source; tests/ runs it against the real API server.
#include "kube/informer.h"

#include <gtest/gtest.h>

#include <deque>

namespace wcloud::kube {
namespace {

using namespace std::chrono_literals;

Json Obj(const std::string& name, int rv, const std::string& host = "") {
  Json o = {{"metadata",
             {{"name", name}, {"namespace", "default"}, {"resourceVersion", std::to_string(rv)}}}};
  if (!host.empty()) o["status"] = {{"hostId", host}};
  return o;
}

// Serves lists from `state` (2 items a page) and watch events from a queue; an empty queue ends
// the watch stream. A queued Status with code 410 plays a compacted resourceVersion.
class ScriptedListWatch : public ListWatch {
 public:
  Result<Json> List(const std::string& continue_token, int) override {
    std::lock_guard lock(mu);
    ++lists;
    size_t start = continue_token.empty() ? 0 : std::stoul(continue_token);
    Json page = {{"metadata", {{"resourceVersion", std::to_string(list_rv)}}},
                 {"items", Json::array()}};
    for (size_t i = start; i < state.size() && i < start + 2; ++i)
      page["items"].push_back(state[i]);
    if (start + 2 < state.size()) page["metadata"]["continue"] = std::to_string(start + 2);
    return page;
  }
  Status Watch(const std::string& rv, const std::function<bool(const WatchEvent&)>& on_event,
               const std::atomic<bool>& stop) override {
    {
      std::lock_guard lock(mu);
      watched_from.push_back(rv);
    }
    while (!stop) {
      WatchEvent e;
      {
        std::lock_guard lock(mu);
        if (events.empty()) break;
        e = events.front();
        events.pop_front();
      }
      if (!on_event(e)) break;
    }
    std::this_thread::sleep_for(5ms);
    return Ok();
  }

  std::mutex mu;
  std::vector<Json> state;
  int list_rv = 0;
  std::deque<WatchEvent> events;
  int lists = 0;
  std::vector<std::string> watched_from;
};

TEST(InformerTest, ListsAllPagesThenAppliesWatchEvents) {
  auto lw = std::make_unique<ScriptedListWatch>();
  ScriptedListWatch* source = lw.get();
  source->state = {Obj("a", 1), Obj("b", 2), Obj("c", 3)};
  source->list_rv = 3;
  source->events = {{WatchEvent::Type::kAdded, Obj("d", 4)},
                    {WatchEvent::Type::kModified, Obj("a", 5)},
                    {WatchEvent::Type::kDeleted, Obj("b", 6)},
                    {WatchEvent::Type::kBookmark, {{"metadata", {{"resourceVersion", "9"}}}}}};
  Informer informer(std::move(lw));
  std::mutex mu;
  std::vector<std::string> seen;
  informer.AddEventHandler({
      [&](const ObjectPtr& o) {
        std::lock_guard l(mu);
        seen.push_back("add " + ObjectKey(*o));
      },
      [&](const ObjectPtr&, const ObjectPtr& n) {
        std::lock_guard l(mu);
        seen.push_back("update " + ObjectKey(*n));
      },
      [&](const ObjectPtr& o) {
        std::lock_guard l(mu);
        seen.push_back("delete " + ObjectKey(*o));
      },
  });
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  for (int i = 0; i < 200 && informer.LastResourceVersion() != "9"; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  informer.Stop();
  EXPECT_EQ(informer.LastResourceVersion(), "9");
  EXPECT_EQ(informer.List().size(), 3u);
  EXPECT_EQ((*informer.Get("default/a"))["metadata"]["resourceVersion"], "5");
  EXPECT_EQ(informer.Get("default/b"), nullptr);
  std::vector<std::string> want = {"add default/a", "add default/b",    "add default/c",
                                   "add default/d", "update default/a", "delete default/b"};
  EXPECT_EQ(seen, want);
  EXPECT_EQ(source->watched_from.front(), "3");
}

TEST(InformerTest, GoneRelistsAndReconcilesDeletionsMissedMeanwhile) {
  auto lw = std::make_unique<ScriptedListWatch>();
  ScriptedListWatch* source = lw.get();
  source->state = {Obj("a", 1), Obj("b", 2)};
  source->list_rv = 2;
  // The first watch fails with 410; meanwhile b was deleted and c created.
  source->events = {{WatchEvent::Type::kError,
                     {{"kind", "Status"}, {"code", 410}, {"message", "too old resource version"}}}};
  Informer informer(std::move(lw));
  std::atomic<int> deletes{0};
  informer.AddEventHandler({nullptr, nullptr, [&](const ObjectPtr&) { ++deletes; }});
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  {
    std::lock_guard lock(source->mu);
    source->state = {Obj("a", 1), Obj("c", 7)};
    source->list_rv = 7;
  }
  for (int i = 0; i < 400 && informer.LastResourceVersion() != "7"; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  informer.Stop();
  EXPECT_GE(source->lists, 2);
  EXPECT_EQ(deletes.load(), 1);
  EXPECT_NE(informer.Get("default/c"), nullptr);
  EXPECT_EQ(informer.Get("default/b"), nullptr);
}

TEST(InformerTest, IndexesFollowUpdatesAndDeletes) {
  auto lw = std::make_unique<ScriptedListWatch>();
  ScriptedListWatch* source = lw.get();
  source->state = {Obj("w1", 1, "host-a"), Obj("w2", 2, "host-a"), Obj("w3", 3, "host-b")};
  source->list_rv = 3;
  source->events = {{WatchEvent::Type::kModified, Obj("w1", 4, "host-b")},
                    {WatchEvent::Type::kDeleted, Obj("w3", 5, "host-b")}};
  Informer informer(std::move(lw));
  informer.AddIndex("host", [](const Json& o) -> std::vector<std::string> {
    if (!o.contains("status")) return {};
    return {o["status"].value("hostId", "")};
  });
  informer.Start();
  ASSERT_TRUE(informer.WaitForSync(5s));
  for (int i = 0; i < 200 && informer.LastResourceVersion() != "5"; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  informer.Stop();
  auto on_a = informer.ByIndex("host", "host-a");
  auto on_b = informer.ByIndex("host", "host-b");
  ASSERT_EQ(on_a.size(), 1u);
  EXPECT_EQ(ObjectKey(*on_a[0]), "default/w2");
  ASSERT_EQ(on_b.size(), 1u);
  EXPECT_EQ(ObjectKey(*on_b[0]), "default/w1");
  EXPECT_TRUE(informer.ByIndex("host", "nowhere").empty());
}

}  // namespace
}  // namespace wcloud::kube
