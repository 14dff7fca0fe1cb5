#include "apiserver/object_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace wcloud::apiserver {
namespace {

using namespace std::chrono_literals;

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("objstore-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    store_ = Open();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<ObjectStore> Open(ObjectStore::Options options = {}) {
    auto s = ObjectStore::Open(dir_ / "state.db", options);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }
  static Json Obj(const std::string& name, int v = 0) {
    return {{"metadata", {{"name", name}, {"namespace", "default"}}}, {"spec", {{"v", v}}}};
  }
  static ObjectKey Key(const std::string& name, const std::string& ns = "default") {
    return {"runtime.wasmcloud.dev/workloads", ns, name};
  }
  static int64_t Rv(const Json& o) {
    return std::stoll(o["metadata"]["resourceVersion"].get<std::string>());
  }

  std::filesystem::path dir_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, CreateGetUpdateDelete) {
  auto created = store_->Create(Key("a"), Obj("a"));
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_EQ(Rv(*created), 1);
  auto dup = store_->Create(Key("a"), Obj("a"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(dup.error().message(), "AlreadyExists: workloads \"a\" already exists");

  auto got = store_->Get(Key("a"));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, *created);

  auto updated = store_->Update(Key("a"), Obj("a", 2), 1);
  ASSERT_TRUE(updated);
  EXPECT_EQ(Rv(*updated), 2);
  auto stale = store_->Update(Key("a"), Obj("a", 3), 1);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(stale.error().message().rfind("Conflict: ", 0), 0u);
  EXPECT_TRUE(store_->Update(Key("a"), Obj("a", 3), 0)) << "0 means unconditional";

  EXPECT_FALSE(store_->Delete(Key("a"), 2));
  auto deleted = store_->Delete(Key("a"), 0);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(Rv(*deleted), 4);  // failed writes take no revision
  auto gone = store_->Get(Key("a"));
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Update(Key("a"), Obj("a"), 0).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Delete(Key("a"), 0).error().code(), ErrorCode::kNotFound);
}

TEST_F(ObjectStoreTest, ListPagesNamespacesAndFilters) {
  for (int i = 0; i < 7; ++i)
    ASSERT_TRUE(store_->Create(Key("w" + std::to_string(i)), Obj("x", i)));
  ASSERT_TRUE(store_->Create(Key("other", "kube-system"), Obj("other")));
  ASSERT_TRUE(store_->Create({"/configmaps", "default", "cm"}, Obj("cm")));

  auto all = store_->List("runtime.wasmcloud.dev/workloads", "", "", 0);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->items.size(), 8u);
  EXPECT_EQ(all->revision, 9);

  std::vector<std::string> names;
  std::string after;
  int pages = 0;
  do {
    auto page = store_->List("runtime.wasmcloud.dev/workloads", "default", after, 3);
    ASSERT_TRUE(page);
    for (auto& item : page->items) names.push_back(std::to_string(item["spec"]["v"].get<int>()));
    after = page->next_key;
    ++pages;
  } while (!after.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));

  auto odd = store_->List("runtime.wasmcloud.dev/workloads", "default", "", 0,
                          [](const Json& o) { return o["spec"]["v"].get<int>() % 2 == 1; });
  EXPECT_EQ(odd->items.size(), 3u);
  EXPECT_FALSE(store_->List("runtime.wasmcloud.dev/workloads", "", "no-slash", 0));
}

TEST_F(ObjectStoreTest, WatchReplaysThenStreamsLive) {
  ASSERT_TRUE(store_->Create(Key("a"), Obj("a")));  // rv 1
  ASSERT_TRUE(store_->Create(Key("b"), Obj("b")));  // rv 2
  auto watch = store_->Watch("runtime.wasmcloud.dev/workloads", "default", 1);
  ASSERT_TRUE(watch);
  ASSERT_TRUE(store_->Update(Key("a"), Obj("a", 1), 0));         // rv 3
  ASSERT_TRUE(store_->Create(Key("c", "elsewhere"), Obj("c")));  // rv 4, other namespace
  ASSERT_TRUE(store_->Delete(Key("b"), 0));                      // rv 5
  std::vector<std::string> seen;
  while (auto e = (*watch)->Next(100ms))
    seen.push_back(e->type + " " + std::to_string(e->revision));
  EXPECT_EQ(seen, (std::vector<std::string>{"ADDED 2", "MODIFIED 3", "DELETED 5"}));
}

TEST_F(ObjectStoreTest, WatchHasNoGapsOrRepeatsUnderConcurrentWriters) {
  constexpr int kWriters = 4, kPerWriter = 150;
  std::atomic<bool> go{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      while (!go) std::this_thread::yield();
      for (int i = 0; i < kPerWriter; ++i) {
        EXPECT_TRUE(
            store_->Create(Key("w" + std::to_string(w) + "-" + std::to_string(i)), Obj("x")));
      }
    });
  }
  go = true;
  std::this_thread::sleep_for(5ms);
  // Joins mid-stream: everything after its starting point must arrive exactly once.
  int64_t from = store_->revision();
  auto watch = store_->Watch("runtime.wasmcloud.dev/workloads", "", from);
  ASSERT_TRUE(watch);
  for (auto& t : writers) t.join();
  int64_t expect = from + 1;
  while (auto e = (*watch)->Next(200ms)) {
    EXPECT_EQ(e->revision, expect);
    expect = e->revision + 1;
  }
  EXPECT_EQ(expect - 1, kWriters * kPerWriter);
}

TEST_F(ObjectStoreTest, CompactedRevisionsAreGone) {
  store_.reset();
  store_ = Open({.change_log_entries = 10, .watch_buffer = 100});
  for (int i = 0; i < 1000; ++i)
    ASSERT_TRUE(store_->Create(Key("o" + std::to_string(i)), Obj("x")));
  auto old = store_->Watch("runtime.wasmcloud.dev/workloads", "", 5);
  ASSERT_FALSE(old);
  EXPECT_EQ(old.error().code(), ErrorCode::kGone);
  EXPECT_TRUE(store_->Watch("runtime.wasmcloud.dev/workloads", "", 995));
}

TEST_F(ObjectStoreTest, SlowWatcherIsClosedNotBlocking) {
  store_.reset();
  store_ = Open({.change_log_entries = 100000, .watch_buffer = 5});
  auto watch = store_->Watch("runtime.wasmcloud.dev/workloads", "", 0);
  ASSERT_TRUE(watch);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store_->Create(Key("o" + std::to_string(i)), Obj("x")));
  EXPECT_TRUE((*watch)->closed());
  EXPECT_EQ((*watch)->close_reason(), "watcher fell too far behind");
}

TEST_F(ObjectStoreTest, RevisionsStayMonotonicAcrossRestarts) {
  ASSERT_TRUE(store_->Create(Key("a"), Obj("a")));
  ASSERT_TRUE(store_->Delete(Key("a"), 0));
  store_.reset();
  store_ = Open();
  EXPECT_EQ(store_->revision(), 2);
  auto again = store_->Create(Key("a"), Obj("a"));
  ASSERT_TRUE(again);
  EXPECT_EQ(Rv(*again), 3);
  auto watch = store_->Watch("runtime.wasmcloud.dev/workloads", "", 0);
  ASSERT_TRUE(watch) << "the change log survives restarts";
}

// A child writes as fast as it can and reports each acknowledged revision; the parent kills it
// with SIGKILL mid-stream. Everything acknowledged must be there after reopening.
TEST_F(ObjectStoreTest, KillNineLosesNothingAcknowledged) {
  store_.reset();
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(pipefd[0]);
    auto s = ObjectStore::Open(dir_ / "state.db", {});
    if (!s) _exit(2);
    for (int i = 0;; ++i) {
      auto r = (*s)->Create(Key("k" + std::to_string(i)), Obj("k", i));
      if (!r) _exit(3);
      int64_t rv = Rv(*r);
      if (write(pipefd[1], &rv, sizeof rv) != sizeof rv) _exit(4);
    }
  }
  close(pipefd[1]);
  int64_t last = 0, rv = 0;
  int count = 0;
  while (count < 200 && read(pipefd[0], &rv, sizeof rv) == sizeof rv) {
    last = rv;
    ++count;
  }
  kill(pid, SIGKILL);
  // Acknowledgements already in the pipe count too.
  while (read(pipefd[0], &rv, sizeof rv) == sizeof rv) last = rv;
  close(pipefd[0]);
  waitpid(pid, nullptr, 0);
  ASSERT_GT(last, 0);

  store_ = Open();
  ASSERT_NE(store_, nullptr);
  EXPECT_GE(store_->revision(), last);
  for (int64_t i = 0; i < last; ++i) {
    ASSERT_TRUE(store_->Get(Key("k" + std::to_string(i))))
        << "acknowledged object k" << i << " lost";
  }
  auto next = store_->Create(Key("after"), Obj("after"));
  ASSERT_TRUE(next);
  EXPECT_GT(Rv(*next), last);
}

}  // namespace
}  // namespace wcloud::apiserver
