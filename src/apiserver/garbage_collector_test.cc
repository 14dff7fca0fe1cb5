#include "apiserver/garbage_collector.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <thread>

namespace wcloud::apiserver {
namespace {

using namespace std::chrono_literals;

// ConfigMaps own each other here: the collector treats every kind alike, and ConfigMaps need no
// spec to be valid.
class GarbageCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("gc-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    Open({});
  }
  void Open(ObjectStore::Options options) {
    collector_.reset();
    registry_.reset();
    store_.reset();
    auto opened = ObjectStore::Open(dir_ / "state.db", options);
    ASSERT_TRUE(opened) << opened.error().message();
    store_ = std::move(*opened);
    registry_ = std::make_unique<Registry>(*store_);
  }
  void TearDown() override {
    collector_.reset();
    registry_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  void StartCollector() {
    collector_ = std::make_unique<GarbageCollector>(*registry_);
    collector_->Start();
  }

  static RequestScope Scope(const std::string& name) {
    return {FindResource("", "v1", "configmaps"), "default", name, "", "", "", false};
  }
  static Json Ref(const Json& owner, bool block = false) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"name", owner["metadata"]["name"]},
            {"uid", owner["metadata"]["uid"]},
            {"blockOwnerDeletion", block}};
  }
  Json Create(const std::string& name, const std::vector<Json>& owners = {},
              const std::vector<std::string>& finalizers = {}) {
    Json body = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}};
    if (!owners.empty()) body["metadata"]["ownerReferences"] = owners;
    if (!finalizers.empty()) body["metadata"]["finalizers"] = finalizers;
    ApiResult r = registry_->Create(Scope(name), body);
    EXPECT_EQ(r.code, 201) << r.body.dump();
    return r.body;
  }
  ApiResult Delete(const std::string& name, const std::string& policy) {
    ApiResult r = registry_->Delete(Scope(name), {{"propagationPolicy", policy}});
    EXPECT_EQ(r.code, 200) << r.body.dump();
    return r;
  }
  std::optional<Json> Get(const std::string& name) {
    ApiResult r = registry_->Get(Scope(name));
    if (r.code == 404) return std::nullopt;
    EXPECT_EQ(r.code, 200) << r.body.dump();
    return r.body;
  }
  bool Exists(const std::string& name) { return Get(name).has_value(); }
  Json OwnerUids(const std::string& name) {
    Json uids = Json::array();
    auto got = Get(name);
    if (got && got->at("metadata").contains("ownerReferences")) {
      for (const auto& ref : (*got)["metadata"]["ownerReferences"]) uids.push_back(ref["uid"]);
    }
    return uids;
  }
  void DropFinalizers(const std::string& name) {
    Json object = *Get(name);
    object["metadata"].erase("finalizers");
    ApiResult r = registry_->Update(Scope(name), object);
    EXPECT_TRUE(r.ok()) << r.body.dump();
  }
  // The collector works asynchronously: wait (generously) for what it is to do.
  static bool Eventually(const std::function<bool()>& done) {
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(5ms)) {
      if (done()) return true;
    }
    return done();
  }

  std::filesystem::path dir_;
  std::unique_ptr<ObjectStore> store_;
  std::unique_ptr<Registry> registry_;
  std::unique_ptr<GarbageCollector> collector_;
};

TEST_F(GarbageCollectorTest, BackgroundDeletionTakesTheDependentsAfterTheOwner) {
  StartCollector();
  Json owner = Create("owner");
  Json child = Create("child", {Ref(owner)});
  Create("grandchild", {Ref(child)});
  Create("bystander");
  ApiResult deleted = Delete("owner", "Background");
  EXPECT_FALSE(deleted.body["metadata"].contains("finalizers")) << "gone at once";
  EXPECT_FALSE(Exists("owner"));
  EXPECT_TRUE(Eventually([&] { return !Exists("child") && !Exists("grandchild"); }));
  EXPECT_TRUE(Exists("bystander"));
  EXPECT_EQ(collector_->failures(), 0u);
}

TEST_F(GarbageCollectorTest, OrphanDeletionReleasesTheDependentsThenTheOwner) {
  StartCollector();
  Json owner = Create("owner");
  Json other = Create("other-owner");
  Create("child", {Ref(owner), Ref(other)});
  ApiResult deleted = Delete("owner", "Orphan");
  EXPECT_EQ(deleted.body["metadata"]["finalizers"], Json::array({"orphan"}));
  EXPECT_FALSE(deleted.body["metadata"].value("deletionTimestamp", "").empty());
  EXPECT_TRUE(Eventually([&] { return !Exists("owner"); }));
  EXPECT_EQ(OwnerUids("child"), Json::array({other["metadata"]["uid"]}))
      << "only the reference to the orphaning owner goes";
}

TEST_F(GarbageCollectorTest, ForegroundDeletionWaitsForTheBlockingDependents) {
  StartCollector();
  Json owner = Create("owner");
  Create("blocker", {Ref(owner, /*block=*/true)}, {"example.com/hold"});
  Create("free", {Ref(owner, /*block=*/false)}, {"example.com/hold"});
  Create("plain", {Ref(owner)});
  ApiResult deleted = Delete("owner", "Foreground");
  EXPECT_EQ(deleted.body["metadata"]["finalizers"], Json::array({"foregroundDeletion"}));
  // Every dependent is deleted; two are held by their own finalizer.
  auto being_deleted = [&](const std::string& name) {
    auto got = Get(name);
    return got && got->at("metadata").contains("deletionTimestamp");
  };
  EXPECT_TRUE(Eventually(
      [&] { return !Exists("plain") && being_deleted("blocker") && being_deleted("free"); }));
  auto waiting = Get("owner");
  ASSERT_TRUE(waiting) << "the owner waits for its blocking dependent";
  EXPECT_EQ((*waiting)["metadata"]["finalizers"], Json::array({"foregroundDeletion"}));
  DropFinalizers("blocker");
  EXPECT_FALSE(Exists("blocker"));
  // As in Kubernetes, only dependents with blockOwnerDeletion hold the owner.
  EXPECT_TRUE(Eventually([&] { return !Exists("owner"); }));
  EXPECT_TRUE(being_deleted("free"));
}

TEST_F(GarbageCollectorTest, ForegroundDeletionOfAnObjectWithoutDependents) {
  StartCollector();
  Create("alone");
  Delete("alone", "Foreground");
  EXPECT_TRUE(Eventually([&] { return !Exists("alone"); }));
}

TEST_F(GarbageCollectorTest, ForegroundDeletionGoesDownTheTree) {
  StartCollector();
  Json owner = Create("owner");
  Json child = Create("child", {Ref(owner, true)});
  Create("grandchild", {Ref(child, true)}, {"example.com/hold"});
  Delete("owner", "Foreground");
  // The child, which has a dependent of its own, is deleted in the foreground too.
  EXPECT_TRUE(Eventually([&] {
    auto c = Get("child");
    return c && c->at("metadata").value("finalizers", Json::array()) ==
                    Json::array({"foregroundDeletion"});
  }));
  EXPECT_TRUE(Eventually([&] {
    auto g = Get("grandchild");
    return g && g->at("metadata").contains("deletionTimestamp");
  }));
  EXPECT_TRUE(Exists("owner"));
  DropFinalizers("grandchild");
  EXPECT_TRUE(Eventually([&] { return !Exists("child") && !Exists("owner"); }));
}

TEST_F(GarbageCollectorTest, ADependentWithAnotherLiveOwnerOnlyLosesTheReference) {
  StartCollector();
  Json a = Create("a");
  Json b = Create("b");
  Create("shared", {Ref(a), Ref(b)});
  Delete("a", "Background");
  EXPECT_TRUE(
      Eventually([&] { return OwnerUids("shared") == Json::array({b["metadata"]["uid"]}); }));
  EXPECT_TRUE(Exists("shared"));
  Delete("b", "Background");
  EXPECT_TRUE(Eventually([&] { return !Exists("shared"); }));
}

TEST_F(GarbageCollectorTest, ADependentCreatedAfterItsOwnerWentIsCollected) {
  StartCollector();
  Json owner = Create("owner");
  Json gone = owner;
  gone["metadata"]["uid"] = "6f1c0a0e-0000-4000-8000-000000000001";
  gone["metadata"]["name"] = "never-was";
  Create("late", {Ref(gone)});
  // Same name, another uid: the owner it names is not the one that exists.
  Json replaced = owner;
  replaced["metadata"]["uid"] = "6f1c0a0e-0000-4000-8000-000000000002";
  Create("mismatched", {Ref(replaced)});
  Create("kept", {Ref(owner)});
  EXPECT_TRUE(Eventually([&] { return !Exists("late") && !Exists("mismatched"); }));
  EXPECT_TRUE(Exists("kept"));
}

TEST_F(GarbageCollectorTest, ARestartedCollectorFinishesWhatWasLeft) {
  // Deleted while no collector ran: one owner outright, one with the orphan finalizer.
  Json owner = Create("owner");
  Create("child", {Ref(owner)});
  Json orphaning = Create("orphaning");
  Create("kept", {Ref(orphaning)});
  Delete("owner", "Background");
  Delete("orphaning", "Orphan");
  EXPECT_TRUE(Exists("child"));
  StartCollector();
  EXPECT_TRUE(Eventually([&] { return !Exists("child"); }));
  EXPECT_TRUE(Eventually([&] { return !Exists("orphaning"); }));
  EXPECT_TRUE(Exists("kept"));
  EXPECT_EQ(OwnerUids("kept"), Json::array());
}

TEST_F(GarbageCollectorTest, ClosedWatchesAreListedAgain) {
  // A store that closes every watch at its first live event: the collector relists each time.
  ObjectStore::Options options;
  options.watch_buffer = 0;
  Open(options);
  StartCollector();
  Json owner = Create("owner");
  Create("child", {Ref(owner)});
  Json orphaning = Create("orphaning");
  Create("kept", {Ref(orphaning)});
  Delete("owner", "Background");
  Delete("orphaning", "Orphan");
  EXPECT_TRUE(Eventually([&] { return !Exists("child") && !Exists("orphaning"); }));
  EXPECT_EQ(OwnerUids("kept"), Json::array());
}

TEST_F(GarbageCollectorTest, AFailedWriteIsRetried) {
  Json owner = Create("owner");
  Create("child", {Ref(owner)});
  Delete("owner", "Background");
  // Another connection holds the database's write lock: the collector's delete fails once the
  // store's busy timeout (5 s) has passed.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "state.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  StartCollector();
  EXPECT_TRUE(Eventually([&] { return collector_->failures() > 0; }));
  EXPECT_TRUE(Exists("child"));
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_TRUE(Eventually([&] { return !Exists("child"); })) << "deleted on a later attempt";
}

TEST_F(GarbageCollectorTest, StopsWhileWorkIsPending) {
  StartCollector();
  Json owner = Create("owner");
  for (int i = 0; i < 50; ++i) Create("child-" + std::to_string(i), {Ref(owner)});
  Delete("owner", "Background");
  collector_->Stop();
  collector_->Stop();  // twice is fine
  // A new collector picks up where the stopped one left off.
  StartCollector();
  EXPECT_TRUE(Eventually([&] {
    for (int i = 0; i < 50; ++i) {
      if (Exists("child-" + std::to_string(i))) return false;
    }
    return true;
  }));
}

}  // namespace
}  // namespace wcloud::apiserver
