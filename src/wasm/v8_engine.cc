#include "wasm/v8_engine.h"

#include <libplatform/libplatform.h>
#include <v8.h>

#include <atomic>

#include "util/mutex.h"
#include "wasm/module_info.h"
#include "wasm/v8_module.h"
#include "wasm/v8_store.h"
#include "wasm/v8_values.h"
#include "wasm/v8_watchdog.h"

namespace wcloud::wasm {
namespace {

// V8 keeps process-wide state and cannot be started again after V8::Dispose(): this is the one
// piece of global state the engine needs.
std::atomic<bool> v8_started{false};

// Type reflection provides WebAssembly.Function (host functions as table entries) and
// WebAssembly.Function.type (the types of table entries).
constexpr char kFlags[] = "--experimental-wasm-type-reflection --wasm-lazy-compilation ";

class V8Engine final : public Engine, private V8Compiler {
 public:
  explicit V8Engine(std::unique_ptr<v8::Platform> platform)
      : platform_(std::move(platform)),
        allocator_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()) {
    runtime_.platform = platform_.get();
    runtime_.allocator = allocator_.get();
    runtime_.watchdog = &watchdog_;
  }

  ~V8Engine() override {
    if (compile_isolate_ != nullptr) {
      {
        v8::Locker locker(compile_isolate_);
        v8::Isolate::Scope isolate_scope(compile_isolate_);
        compile_context_.Reset();
      }
      v8::platform::NotifyIsolateShutdown(platform_.get(), compile_isolate_);
      compile_isolate_->Dispose();
    }
    v8::V8::Dispose();
    v8::V8::DisposePlatform();
  }

  Status Init() {
    v8::Isolate::CreateParams params;
    params.array_buffer_allocator = allocator_.get();
    compile_isolate_ = v8::Isolate::New(params);
    if (compile_isolate_ == nullptr) return Error("V8 could not create an isolate");
    v8::Locker locker(compile_isolate_);
    v8::Isolate::Scope isolate_scope(compile_isolate_);
    v8::HandleScope handles(compile_isolate_);
    v8::Local<v8::Context> context = v8::Context::New(compile_isolate_);
    if (context.IsEmpty()) return Error("V8 could not create a context");
    compile_context_.Reset(compile_isolate_, context);
    return Ok();
  }

  Result<std::shared_ptr<const Module>> Compile(std::span<const uint8_t> bytes,
                                                const CompileOptions& options) override {
    WCLOUD_ASSIGN_OR_RETURN(auto compiled, CompileBytes(bytes, options.lazy));
    auto info = ParseModuleInfo(bytes);
    if (!info) return info.error();
    V8Compiler& compiler = *this;
    return std::shared_ptr<const Module>(std::make_shared<V8Module>(
        next_module_id_++, *std::move(info), std::move(compiled), options.lazy, compiler));
  }

  Result<std::unique_ptr<Store>> NewStore(const StoreOptions& options) override {
    WCLOUD_ASSIGN_OR_RETURN(auto store, V8Store::Create(runtime_, options));
    return std::unique_ptr<Store>(std::move(store));
  }

 private:
  Result<std::shared_ptr<v8::CompiledWasmModule>> CompileBytes(std::span<const uint8_t> bytes,
                                                               bool lazy) override {
    MutexLock lock(compile_mu_);
    // Lazy compilation is a V8 flag read when a module is compiled; compiles are serialized
    // here, so each one sees the setting it asked for.
    if (lazy != lazy_) {
      v8::V8::SetFlagsFromString(lazy ? "--wasm-lazy-compilation" : "--no-wasm-lazy-compilation");
      lazy_ = lazy;
    }
    v8::Locker locker(compile_isolate_);
    v8::Isolate::Scope isolate_scope(compile_isolate_);
    v8::HandleScope handles(compile_isolate_);
    v8::Local<v8::Context> context = compile_context_.Get(compile_isolate_);
    v8::Context::Scope context_scope(context);
    v8::TryCatch try_catch(compile_isolate_);
    v8::Local<v8::WasmModuleObject> object;
    const bool ok = v8::WasmModuleObject::Compile(compile_isolate_, {bytes.data(), bytes.size()})
                        .ToLocal(&object);
    std::shared_ptr<v8::CompiledWasmModule> compiled;
    if (ok) compiled = std::make_shared<v8::CompiledWasmModule>(object->GetCompiledModule());
    std::string message = ok ? "" : JsString(compile_isolate_, try_catch.Exception());
    while (v8::platform::PumpMessageLoop(platform_.get(), compile_isolate_)) {
    }
    if (!ok) return Error(message, ErrorCode::kInvalidArgument);
    return compiled;
  }

  std::unique_ptr<v8::Platform> platform_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  Watchdog watchdog_;
  V8Runtime runtime_;
  Mutex compile_mu_;
  bool lazy_ GUARDED_BY(compile_mu_) = true;  // as kFlags sets it
  v8::Isolate* compile_isolate_ = nullptr;
  v8::Global<v8::Context> compile_context_;
  std::atomic<uint64_t> next_module_id_{1};
};

}  // namespace

Result<std::unique_ptr<Engine>> NewV8Engine(const V8EngineOptions& options) {
  bool expected = false;
  if (!v8_started.compare_exchange_strong(expected, true)) {
    return Error("V8 starts once per process and an engine was already created");
  }
  const std::string flags = kFlags + options.flags;
  v8::V8::SetFlagsFromString(flags.c_str(), flags.size());
  // Without the trap handler V8 falls back to explicit bounds checks: slower, still correct.
  v8::V8::EnableWebAssemblyTrapHandler(/*use_v8_signal_handler=*/true);
  std::unique_ptr<v8::Platform> platform =
      v8::platform::NewDefaultPlatform(options.platform_threads);
  v8::V8::InitializePlatform(platform.get());
  if (!v8::V8::Initialize()) return Error("V8 failed to initialize");
  auto engine = std::make_unique<V8Engine>(std::move(platform));
  WCLOUD_TRY_STATUS(engine->Init());
  return std::unique_ptr<Engine>(std::move(engine));
}

}  // namespace wcloud::wasm
