// Its own process with a low address-space limit: each memory reserves ~10 GiB of guard regions,
// so a few live instances exhaust the limit, and dead ones must be collected to make room.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <vector>

#include "wasm/v8_engine.h"
#include "wasm/wat_for_test.h"

namespace wcloud::wasm {
namespace {

TEST(V8MemoryReservationTest, DeadInstancesMakeRoomAndExhaustionIsAnError) {
  const rlimit limit{uint64_t{64} << 30, uint64_t{64} << 30};
  ASSERT_EQ(setrlimit(RLIMIT_AS, &limit), 0);
  auto engine = NewV8Engine();
  ASSERT_TRUE(engine) << engine.error().message();
  auto module = (*engine)->Compile(testing::Wat(R"((module
    (memory (export "memory") 1)
    (func (export "touch") (i32.store (i32.const 0) (i32.const 1)))))"));
  ASSERT_TRUE(module) << module.error().message();
  auto store = (*engine)->NewStore();
  ASSERT_TRUE(store);

  // Far more instances than fit at once, one after the other.
  for (int i = 0; i < 40; ++i) {
    auto instance = (*store)->Instantiate(**module, {});
    ASSERT_TRUE(instance) << i << ": " << instance.error().message();
    auto touch = std::get<std::shared_ptr<Func>>(*(*instance)->GetExport("touch"));
    ASSERT_TRUE(touch->Call({}, {}));
  }

  // Held at once, they run out: an Error, not a crash.
  std::vector<std::unique_ptr<Instance>> held;
  Error error;
  for (int i = 0; i < 40; ++i) {
    auto instance = (*store)->Instantiate(**module, {});
    if (!instance) {
      error = instance.error();
      break;
    }
    held.push_back(*std::move(instance));
  }
  EXPECT_GT(held.size(), 0u);
  EXPECT_LT(held.size(), 40u);
  EXPECT_NE(error.message().find("Out of memory"), std::string::npos) << error.message();
  held.clear();
  store = Error("released");
  module = Error("released");
}

}  // namespace
}  // namespace wcloud::wasm
