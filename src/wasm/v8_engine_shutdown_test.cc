// A process that runs stores on two threads, tears everything down and exits: it must not hang
// (CTest's timeout fails it) or crash.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "wasm/v8_engine.h"
#include "wasm/wat_for_test.h"

namespace wcloud::wasm {
namespace {

using namespace std::chrono_literals;

TEST(V8EngineShutdownTest, StoresOnTwoThreadsThenExit) {
  const auto start = std::chrono::steady_clock::now();
  auto created = NewV8Engine();
  ASSERT_TRUE(created) << created.error().message();
  std::unique_ptr<Engine> engine = *std::move(created);
  EXPECT_FALSE(NewV8Engine());  // V8 starts once per process

  auto compiled = engine->Compile(testing::Wat(R"((module
    (import "env" "cb" (func $cb (param i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "run") (param i32) (result i32) (call $cb (local.get 0)))
    (func (export "spin") (loop $l (br $l)))))"));
  ASSERT_TRUE(compiled) << compiled.error().message();
  std::shared_ptr<const Module> module = *compiled;

  auto work = [&](int* ok) {
    auto store = engine->NewStore();
    if (!store) return;
    auto cb = (*store)->NewHostFunc({{ValType::kI32}, {ValType::kI32}},
                                    [](std::span<const Val> args, std::span<Val> results) {
                                      results[0] = Val::I32(args[0].i32 + 1);
                                      return Ok();
                                    });
    auto instance = (*store)->Instantiate(*module, std::vector<Extern>{cb});
    if (!instance) return;
    auto run = std::get<std::shared_ptr<Func>>(*(*instance)->GetExport("run"));
    auto spin = std::get<std::shared_ptr<Func>>(*(*instance)->GetExport("spin"));
    for (uint32_t i = 0; i < 1000; ++i) {
      Val args[] = {Val::I32(i)};
      Val results[1];
      if (!run->Call(args, results) || results[0].i32 != i + 1) return;
    }
    // Leave a deadline armed and a terminated call behind.
    (*store)->SetDeadline(std::chrono::steady_clock::now() + 20ms);
    Status stopped = spin->Call({}, {});
    if (stopped || stopped.error().code() != ErrorCode::kDeadlineExceeded) return;
    (*store)->SetDeadline(std::chrono::steady_clock::now() + 1h);
    *ok = 1;
  };
  int ok[2] = {0, 0};
  std::thread a(work, &ok[0]);
  std::thread b(work, &ok[1]);
  a.join();
  b.join();
  EXPECT_EQ(ok[0], 1);
  EXPECT_EQ(ok[1], 1);

  // A store made here, used on another thread, destroyed here.
  auto made = engine->NewStore();
  ASSERT_TRUE(made);
  std::unique_ptr<Store> store = *std::move(made);
  std::thread([&] {
    auto instance = store->Instantiate(*module, {});  // lacks its import
    EXPECT_FALSE(instance);
  }).join();
  store.reset();

  compiled = Error("released");
  module.reset();
  engine.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

}  // namespace
}  // namespace wcloud::wasm
