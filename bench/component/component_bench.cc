// Component-model costs on top of the engine: lifted calls (host → guest), lowered calls
// (guest → host), strings through the canonical ABI, and instantiation from an InstancePre —
// each next to the raw engine doing the same core work in the same run.
//
// Run by hand: build/bench/component_bench [--benchmark_filter=...] after building the
// test_components and test_component_js_http targets.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "component/component_file.h"
#include "component/component_instance.h"
#include "component/linker.h"
#include "wasm/v8_engine.h"

namespace wcloud::component {
namespace {

template <typename T>
T Check(Result<T> result, const char* what) {
  if (!result) {
    std::fprintf(stderr, "%s: %s\n", what, result.error().message().c_str());
    std::exit(1);
  }
  return std::move(result).value();
}

// Defines every function the component imports as one that fails when called and every
// resource without a destructor: instantiation never calls them, so this measures it alone.
std::shared_ptr<Linker> LinkerForInstantiationOnly(const Component& component) {
  auto linker = std::make_shared<Linker>();
  for (const ImportDef& import : component.imports) {
    if (import.type.kind != ExternKind::kInstance || !import.type.instance) continue;
    for (const NamedExtern& e : import.type.instance->exports) {
      if (e.type.kind == ExternKind::kFunc) {
        linker->DefineFunc(import.name, e.name,
                           [](CallContext&, std::span<const Value>, std::vector<Value>&) {
                             return Status(Error("not provided by the benchmark"));
                           });
      } else if (e.type.kind == ExternKind::kType) {
        linker->DefineResource(import.name, e.name, nullptr);
      }
    }
  }
  return linker;
}

struct Fixture {
  std::unique_ptr<wasm::Engine> engine;
  std::unique_ptr<wasm::Store> store;
  std::shared_ptr<const InstancePre> pre;
  std::unique_ptr<ComponentInstance> instance;

  Fixture() {
    engine = Check(wasm::NewV8Engine(), "engine");
    store = Check(engine->NewStore(), "store");
    auto linker = std::make_shared<Linker>();
    linker->DefineFunc("test:host/math@0.2.0", "double",
                       [](CallContext&, std::span<const Value> args, std::vector<Value>& out) {
                         out.push_back(Value::Unsigned(args[0].as_unsigned() * 2));
                         return Ok();
                       });
    auto component = Check(LoadComponentFile(Path("bench")), "bench.wasm");
    pre = Check(InstancePre::Create(*engine, component, linker), "link");
    instance = Check(pre->Instantiate(*store, nullptr), "instantiate");
  }
  ~Fixture() {
    instance.reset();
    pre.reset();
    store.reset();
  }

  static std::string Path(const std::string& name) {
    return std::string(WCLOUD_WAT_COMPONENTS_DIR) + "/" + name + ".wasm";
  }
};

Fixture& Get() {
  static Fixture* fixture = new Fixture();  // NOLINT: lives for the process, V8 starts once
  return *fixture;
}

void BM_LiftedCall_Add(benchmark::State& state) {
  auto& f = Get();
  const ExportedFunc* add = f.instance->GetExport("", "add");
  std::vector<Value> args{Value::Unsigned(1), Value::Unsigned(2)};
  for (auto _ : state) {
    auto r = f.instance->Call(*add, args);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_LiftedCall_Add);

// The bench component's core module, instantiated by the engine alone with a host import.
struct CoreReference {
  std::shared_ptr<const wasm::Module> module;
  std::shared_ptr<wasm::Func> host;
  std::unique_ptr<wasm::Instance> instance;

  explicit CoreReference(Fixture& f) {
    auto component = Check(LoadComponentFile(Fixture::Path("bench")), "bench.wasm");
    for (const Definition& d : component->definitions) {
      if (const auto* m = std::get_if<CoreModuleDef>(&d)) {
        module = Check(f.engine->Compile(m->bytes), "compile");
      }
    }
    host = f.store->NewHostFunc({{wasm::ValType::kI32}, {wasm::ValType::kI32}},
                                [](std::span<const wasm::Val> args, std::span<wasm::Val> out) {
                                  out[0] = wasm::Val::I32(args[0].i32 * 2);
                                  return Ok();
                                });
    instance = Check(Instantiate(*f.store), "instantiate");
  }
  Result<std::unique_ptr<wasm::Instance>> Instantiate(wasm::Store& store) {
    const wasm::Extern imports[] = {host};
    return store.Instantiate(*module, imports);
  }
  std::shared_ptr<wasm::Func> Export(const char* name) {
    return std::get<std::shared_ptr<wasm::Func>>(*instance->GetExport(name));
  }
};

// Reference: the engine calling the same core function, with no canonical ABI around it.
void BM_EngineCall_Add_Reference(benchmark::State& state) {
  auto& f = Get();
  CoreReference core(f);
  auto add = core.Export("add");
  const wasm::Val in[] = {wasm::Val::I32(1), wasm::Val::I32(2)};
  wasm::Val out[1];
  for (auto _ : state) {
    auto s = add->Call(in, out);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_EngineCall_Add_Reference);

// Reference: guest → host calls into a plain engine host function.
void BM_EngineCall_Host_Reference(benchmark::State& state) {
  auto& f = Get();
  CoreReference core(f);
  auto call = core.Export("call-host");
  const auto n = static_cast<uint32_t>(state.range(0));
  const wasm::Val in[] = {wasm::Val::I32(n)};
  wasm::Val out[1];
  for (auto _ : state) {
    auto s = call->Call(in, out);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_EngineCall_Host_Reference)->Arg(1000);

// Guest → host through `canon lower`, per call (the guest loops `range(0)` times).
void BM_LoweredCall_Double(benchmark::State& state) {
  auto& f = Get();
  const ExportedFunc* call = f.instance->GetExport("", "call-host");
  const auto n = static_cast<uint64_t>(state.range(0));
  std::vector<Value> args{Value::Unsigned(n)};
  for (auto _ : state) {
    auto r = f.instance->Call(*call, args);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_LoweredCall_Double)->Arg(1000);

void BM_LiftedCall_EchoString(benchmark::State& state) {
  auto& f = Get();
  const ExportedFunc* echo = f.instance->GetExport("", "echo");
  std::vector<Value> args{Value::String(std::string(static_cast<size_t>(state.range(0)), 'x'))};
  for (auto _ : state) {
    auto r = f.instance->Call(*echo, args);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LiftedCall_EchoString)->Arg(16)->Arg(4096);

void InstantiateComponent(benchmark::State& state, const std::string& path, bool stub_imports) {
  auto& f = Get();
  auto component = Check(LoadComponentFile(path), path.c_str());
  std::shared_ptr<Linker> linker;
  if (stub_imports) {
    linker = LinkerForInstantiationOnly(*component);
  } else {
    linker =
        std::const_pointer_cast<Linker>(std::shared_ptr<const Linker>(f.pre, &f.pre->linker()));
  }
  auto pre = Check(InstancePre::Create(*f.engine, component, linker), "link");
  for (auto _ : state) {
    auto instance = pre->Instantiate(*f.store, nullptr);
    if (!instance) {
      state.SkipWithError(instance.error().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(instance);
  }
}

// One core module, one lowered import.
void BM_Instantiate_Small(benchmark::State& state) {
  InstantiateComponent(state, Fixture::Path("bench"), false);
}
BENCHMARK(BM_Instantiate_Small)->Unit(benchmark::kMicrosecond);

// The preview1-adapter shape: shim, main and fixup modules.
void BM_Instantiate_AdapterShape(benchmark::State& state) {
  InstantiateComponent(state, Fixture::Path("adapter_shape"), true);
}
BENCHMARK(BM_Instantiate_AdapterShape)->Unit(benchmark::kMicrosecond);

// Reference: the engine instantiating the same one core module with a host function import.
void BM_EngineInstantiate_Small_Reference(benchmark::State& state) {
  auto& f = Get();
  CoreReference core(f);
  for (auto _ : state) {
    auto instance = core.Instantiate(*f.store);
    benchmark::DoNotOptimize(instance);
  }
}
BENCHMARK(BM_EngineInstantiate_Small_Reference)->Unit(benchmark::kMicrosecond);

// The fixtures of tests/components: a hand-written C wasi:http handler, a wasi-libc command
// with the preview1 adapter (main, adapter, shim and fixup modules) and componentize-js.
void BM_Instantiate_HttpHello(benchmark::State& state) {
  InstantiateComponent(state, std::string(WCLOUD_TEST_COMPONENTS_DIR) + "/http_hello.wasm", true);
}
BENCHMARK(BM_Instantiate_HttpHello)->Unit(benchmark::kMicrosecond);

void BM_Instantiate_CCommand(benchmark::State& state) {
  InstantiateComponent(state, std::string(WCLOUD_TEST_COMPONENTS_DIR) + "/cli_hello.wasm", true);
}
BENCHMARK(BM_Instantiate_CCommand)->Unit(benchmark::kMicrosecond);

void BM_Instantiate_JavaScript(benchmark::State& state) {
  InstantiateComponent(state, std::string(WCLOUD_TEST_COMPONENTS_DIR) + "/js_http.wasm", true);
}
BENCHMARK(BM_Instantiate_JavaScript)->Unit(benchmark::kMillisecond)->Iterations(20);

}  // namespace
}  // namespace wcloud::component

BENCHMARK_MAIN();
