// Engine seam costs on V8: calls across the host/guest boundary, instantiation of a small
// module, and resetting an instance (InstanceSnapshot::Restore) next to instantiating it anew.
// Run by hand: build-*/bench/wasm_bench.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

#include "wasm/instance_reset.h"
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

// A memory of `Pages` pages whose first `NonZeroKiB` KiB are data (filled by the start function,
// so the snapshot sees them) and a "request" that writes one byte into each of 4 pages spread
// over the memory and moves a stack-pointer-like global: a small C component is 2 to 17 pages,
// mostly untouched per request; a JavaScript engine holds tens of MB.
template <int Pages, int NonZeroKiB>
std::shared_ptr<const Module> ResetModule(Fixture& f) {
  const std::string size = std::to_string(Pages);
  const std::string stride = std::to_string(Pages * 65536 / 4);
  auto prepared = Fixture::Check(PrepareResettable(
      testing::Wat("(module (memory " + size + " " + size +
                   ") (global $sp (mut i32) (i32.const 0))"
                   "  (func $init (memory.fill (i32.const 0) (i32.const 7) (i32.const " +
                   std::to_string(NonZeroKiB * 1024) +
                   ")))"
                   "  (start $init)"
                   "  (func (export \"request\") (local $i i32)"
                   "    (loop $l"
                   "      (i32.store8 (i32.add (i32.mul (local.get $i) (i32.const " +
                   stride +
                   "))"
                   "                           (i32.const 100)) (i32.const 1))"
                   "      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))"
                   "                          (i32.const 4))))"
                   "    (global.set $sp (i32.const 4096))))")));
  if (!prepared.resettable) {
    std::fprintf(stderr, "%s\n", prepared.reason.c_str());
    std::abort();
  }
  return Fixture::Check(f.engine->Compile(prepared.bytes));
}

// The request alone, to subtract from RequestAndRestore.
template <int Pages, int NonZeroKiB>
void Request(benchmark::State& state, Fixture& f) {
  auto module = ResetModule<Pages, NonZeroKiB>(f);
  auto instance = Fixture::Check(f.store->Instantiate(*module, {}));
  auto request = std::get<std::shared_ptr<Func>>(*instance->GetExport("request"));
  for (auto _ : state) {
    if (!request->Call({}, {})) state.SkipWithError("call failed");
  }
}

template <int Pages, int NonZeroKiB>
void RequestAndRestore(benchmark::State& state, Fixture& f) {
  auto module = ResetModule<Pages, NonZeroKiB>(f);
  auto instance = Fixture::Check(f.store->Instantiate(*module, {}));
  auto snapshot = Fixture::Check(InstanceSnapshot::Capture(*instance));
  auto request = std::get<std::shared_ptr<Func>>(*instance->GetExport("request"));
  for (auto _ : state) {
    if (!request->Call({}, {}) || !snapshot.Restore()) state.SkipWithError("request failed");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * snapshot.memory_bytes()));
}

// What a reset replaces: a new instance of the same module (start function included).
template <int Pages, int NonZeroKiB>
void Instantiate(benchmark::State& state, Fixture& f) {
  auto module = ResetModule<Pages, NonZeroKiB>(f);
  for (auto _ : state) {
    auto instance = f.store->Instantiate(*module, {});
    if (!instance) state.SkipWithError("instantiation failed");
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
      {"Reset/2pages/Request", wcloud::wasm::Request<2, 36>},
      {"Reset/2pages/RequestAndRestore", wcloud::wasm::RequestAndRestore<2, 36>},
      {"Reset/2pages/Instantiate", wcloud::wasm::Instantiate<2, 36>},
      {"Reset/17pages/Request", wcloud::wasm::Request<17, 128>},
      {"Reset/17pages/RequestAndRestore", wcloud::wasm::RequestAndRestore<17, 128>},
      {"Reset/17pages/Instantiate", wcloud::wasm::Instantiate<17, 128>},
      {"Reset/512pages/Request", wcloud::wasm::Request<512, 26 * 1024>},
      {"Reset/512pages/RequestAndRestore", wcloud::wasm::RequestAndRestore<512, 26 * 1024>},
      {"Reset/512pages/Instantiate", wcloud::wasm::Instantiate<512, 26 * 1024>},
  };
  for (const auto& [name, body] : kBenchmarks) {
    benchmark::RegisterBenchmark(
        name, [body, &fixture](benchmark::State& state) { body(state, fixture); });
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
