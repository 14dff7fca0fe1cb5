// Instance pools against the real engine: fresh instances per use by default, warm reuse with a
// pool size, retirement after max_invocations, poisoned instances never reused, idle reclaim.
#include "host/instance_pool.h"

#include <gtest/gtest.h>

#include "component/component_file.h"
#include "component/linker.h"
#include "wasm/v8_engine.h"

namespace wcloud::host {
namespace {

using component::Value;

// Counts the instances the factory made, so a test can tell reuse from re-instantiation.
struct Tag {
  int id;
};

class InstancePoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto engine = wasm::NewV8Engine();
    ASSERT_TRUE(engine.has_value()) << engine.error().message();
    engine_ = std::move(*engine).release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }

  void SetUp() override {
    store_ = std::move(engine_->NewStore()).value();
    auto linker = std::make_shared<component::Linker>();
    linker->DefineFunc(
        "test:host/math@0.2.0", "double",
        [](component::CallContext&, std::span<const Value> args, std::vector<Value>& out) {
          out.push_back(Value::Unsigned(args[0].as_unsigned() * 2));
          return Ok();
        });
    auto load = [&](const char* name) {
      auto c = component::LoadComponentFile(std::string(WCLOUD_WAT_COMPONENTS_DIR) + "/" + name +
                                            ".wasm");
      EXPECT_TRUE(c.has_value()) << c.error().message();
      auto pre = component::InstancePre::Create(*engine_, *c, linker);
      EXPECT_TRUE(pre.has_value()) << pre.error().message();
      return *pre;
    };
    bench_ = load("bench");
  }

  std::unique_ptr<InstancePool> Pool(PoolOptions options) {
    return std::make_unique<InstancePool>(bench_, *store_, options, [this]() {
      auto data = std::make_unique<component::InstanceData>();
      data->Emplace<Tag>(Tag{++made_});
      return Result<std::unique_ptr<component::InstanceData>>(std::move(data));
    });
  }

  static int IdOf(InstancePool::Lease& lease) { return lease.instance().data().Find<Tag>()->id; }

  static wasm::Engine* engine_;
  std::unique_ptr<wasm::Store> store_;
  std::shared_ptr<const component::InstancePre> bench_;
  int made_ = 0;
};

wasm::Engine* InstancePoolTest::engine_ = nullptr;

TEST_F(InstancePoolTest, WithoutSettingsEveryUseIsAFreshInstance) {
  auto pool = Pool({});
  for (int i = 1; i <= 3; ++i) {
    auto lease = pool->Acquire();
    ASSERT_TRUE(lease.has_value()) << lease.error().message();
    EXPECT_EQ(IdOf(*lease), i);  // new host state for every use
    EXPECT_EQ(lease->invocations(), 0u);
    const component::ExportedFunc* echo = lease->instance().GetExport("", "echo");
    std::vector<Value> args{Value::String("use " + std::to_string(i))};
    auto r = lease->instance().Call(*echo, args);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    pool->Release(std::move(*lease));
    // Kept, reset to its state right after instantiation, with the next use's host state.
    EXPECT_EQ(pool->idle(), 1u);
  }
  EXPECT_EQ(pool->instantiated(), 1u);
  EXPECT_EQ(pool->resets(), 3u);
}

TEST_F(InstancePoolTest, AFreshInstanceThatCannotBeResetIsReplaced) {
  auto pool = Pool({});
  auto lease = std::move(pool->Acquire()).value();
  pool->Release(std::move(lease), /*discard=*/true);
  EXPECT_EQ(pool->idle(), 0u);
  lease = std::move(pool->Acquire()).value();
  EXPECT_EQ(pool->instantiated(), 2u);
  pool->Release(std::move(lease));
  EXPECT_EQ(pool->idle(), 1u);
}

TEST_F(InstancePoolTest, PooledInstancesAreWarmAndReused) {
  auto pool = Pool({.pool_size = 2});
  ASSERT_TRUE(pool->Prewarm());
  EXPECT_EQ(pool->idle(), 2u);
  EXPECT_EQ(made_, 2);
  for (int i = 0; i < 10; ++i) {
    auto lease = pool->Acquire();
    ASSERT_TRUE(lease.has_value());
    const component::ExportedFunc* add = lease->instance().GetExport("", "add");
    std::vector<Value> args{Value::Unsigned(2), Value::Unsigned(3)};
    auto r = lease->instance().Call(*add, args);
    ASSERT_TRUE(r.has_value());
    pool->Release(std::move(*lease));
  }
  EXPECT_EQ(made_, 2);  // no new instance for ten uses
  // Two at once use both warm instances; a third is made on demand and not kept.
  auto a = std::move(pool->Acquire()).value();
  auto b = std::move(pool->Acquire()).value();
  auto c = std::move(pool->Acquire()).value();
  EXPECT_EQ(made_, 3);
  pool->Release(std::move(a));
  pool->Release(std::move(b));
  pool->Release(std::move(c));
  EXPECT_EQ(pool->idle(), 2u);
}

TEST_F(InstancePoolTest, MaxInvocationsRetiresAnInstance) {
  auto pool = Pool({.pool_size = 1, .max_invocations = 3});
  std::vector<int> ids;
  for (int i = 0; i < 7; ++i) {
    auto lease = std::move(pool->Acquire()).value();
    ids.push_back(IdOf(lease));
    pool->Release(std::move(lease));
  }
  EXPECT_EQ(ids, (std::vector<int>{1, 1, 1, 2, 2, 2, 3}));
}

TEST_F(InstancePoolTest, PoisonedOrDiscardedInstancesAreNotReused) {
  auto pool = Pool({.pool_size = 1});
  auto lease = std::move(pool->Acquire()).value();
  pool->Release(std::move(lease), /*discard=*/true);
  EXPECT_EQ(pool->idle(), 0u);

  lease = std::move(pool->Acquire()).value();
  const component::ExportedFunc* echo = lease.instance().GetExport("", "echo");
  // A string past the end of memory makes lifting the result fail: the instance is poisoned.
  std::vector<Value> args{Value::String(std::string(70000, 'x'))};
  auto r = lease.instance().Call(*echo, args);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(lease.instance().poisoned());
  pool->Release(std::move(lease));
  EXPECT_EQ(pool->idle(), 0u);
}

TEST_F(InstancePoolTest, IdleInstancesAreReclaimed) {
  auto pool = Pool({.pool_size = 3, .idle_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(pool->Prewarm());
  EXPECT_EQ(pool->ReclaimIdle(), 0u);
  EXPECT_EQ(pool->ReclaimIdle(InstancePool::Clock::now() + std::chrono::seconds(1)), 3u);
  EXPECT_EQ(pool->idle(), 0u);
  auto lease = pool->Acquire();  // refills on demand
  ASSERT_TRUE(lease.has_value());
}

}  // namespace
}  // namespace wcloud::host
