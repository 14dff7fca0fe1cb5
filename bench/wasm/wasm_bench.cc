// Engine seam costs on V8: calls across the host/guest boundary and instantiation of a small
// module. Run by hand: build-*/bench/wasm_bench.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "wasm/v8_engine.h"
#include "wasm/wat_for_test.h"

namespace wcloud::wasm {
namespace {

const char* const kModule = R"((module
  (import "env" "host" (func $host (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "call_host") (param i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (call $host (local.get $acc)))
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))
    (local.get $acc))))";

// One engine, module and store for the whole run (V8 starts once per process).
struct Fixture {
  std::unique_ptr<Engine> engine;
  std::shared_ptr<const Module> module;
  std::unique_ptr<Store> store;
  std::shared_ptr<Func> host;
  std::unique_ptr<Instance> instance;

  Fixture() {
    engine = Check(NewV8Engine());
    module = Check(engine->Compile(testing::Wat(kModule)));
    store = Check(engine->NewStore());
    host = store->NewHostFunc({{ValType::kI32}, {ValType::kI32}},
                              [](std::span<const Val> args, std::span<Val> results) {
                                results[0] = Val::I32(args[0].i32 + 1);
                                return Ok();
                              });
    instance = Instantiate();
  }
  ~Fixture() {
    instance.reset();
    host.reset();
    store.reset();
    module.reset();
  }

  std::unique_ptr<Instance> Instantiate() {
    const Extern imports[] = {host};
    return Check(store->Instantiate(*module, imports));
  }
  std::shared_ptr<Func> Export(const char* name) {
    return std::get<std::shared_ptr<Func>>(*instance->GetExport(name));
  }

  template <typename T>
  static T Check(Result<T> result) {
    if (!result) {
      std::fprintf(stderr, "%s\n", result.error().message().c_str());
      std::abort();
    }
    return std::move(result).value();
  }
};

void HostToGuestCall(benchmark::State& state, Fixture& f) {
  auto add = f.Export("add");
  const Val args[] = {Val::I32(1), Val::I32(2)};
  Val results[1];
  for (auto _ : state) {
    if (!add->Call(args, results)) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(results[0].i32);
  }
}

void HostToGuestCallI64(benchmark::State& state, Fixture& f) {
  auto add = f.Export("add64");
  const Val args[] = {Val::I64(uint64_t{1} << 60), Val::I64(2)};
  Val results[1];
  for (auto _ : state) {
    if (!add->Call(args, results)) state.SkipWithError("call failed");
    benchmark::DoNotOptimize(results[0].i64);
  }
}

// The guest calls the host 1000 times per iteration: items_per_second counts host calls.
void GuestToHostCall(benchmark::State& state, Fixture& f) {
  auto call_host = f.Export("call_host");
  constexpr uint32_t kCalls = 1000;
  const Val args[] = {Val::I32(kCalls)};
  Val results[1];
  for (auto _ : state) {
    if (!call_host->Call(args, results) || results[0].i32 != kCalls) {
      state.SkipWithError("call failed");
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kCalls);
}

void InstantiateSmallModule(benchmark::State& state, Fixture& f) {
  for (auto _ : state) {
    auto instance = f.Instantiate();
    benchmark::DoNotOptimize(instance.get());
  }
}

}  // namespace
}  // namespace wcloud::wasm

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  wcloud::wasm::Fixture fixture;
  using Body = void (*)(benchmark::State&, wcloud::wasm::Fixture&);
  const std::pair<const char*, Body> kBenchmarks[] = {
      {"HostToGuestCall", wcloud::wasm::HostToGuestCall},
      {"HostToGuestCallI64", wcloud::wasm::HostToGuestCallI64},
      {"GuestToHostCall", wcloud::wasm::GuestToHostCall},
      {"InstantiateSmallModule", wcloud::wasm::InstantiateSmallModule},
  };
  for (const auto& [name, body] : kBenchmarks) {
    benchmark::RegisterBenchmark(
        name, [body, &fixture](benchmark::State& state) { body(state, fixture); });
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
