// A store: one V8 isolate and context, the unit of single-threaded execution.
#pragma once

#include <v8.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/result.h"
#include "wasm/engine.h"
#include "wasm/v8_module.h"
#include "wasm/v8_watchdog.h"

namespace wcloud::wasm {

class V8Store;

// What a store needs from its engine, all owned by the engine and outliving the store.
struct V8Runtime {
  v8::Platform* platform = nullptr;
  v8::ArrayBuffer::Allocator* allocator = nullptr;
  Watchdog* watchdog = nullptr;
};

// A host function's callback, owned by the store and alive as long as its JS function is: V8
// may still call it from a table after the last Func handle is gone.
struct HostFuncData {
  V8Store* store = nullptr;
  FuncType type;
  HostCallback callback;
  v8::Global<v8::Function> function;  // weak
};

class V8Store final : public Store, private DeadlineTarget {
 public:
  static Result<std::unique_ptr<V8Store>> Create(const V8Runtime& runtime,
                                                 const StoreOptions& options);
  ~V8Store() override;

  Result<std::unique_ptr<Instance>> Instantiate(const Module& module,
                                                std::span<const Extern> imports) override;
  std::shared_ptr<Func> NewHostFunc(FuncType type, HostCallback callback) override;
  Result<std::shared_ptr<Memory>> NewMemory(Limits limits) override;
  Result<std::shared_ptr<Table>> NewTable(Limits limits) override;
  void SetDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) override;
  void SetMemoryLimit(std::optional<uint64_t> max_memory_bytes) override;
  void Interrupt() override;
  void ReleaseFreedMemory() override;

  v8::Isolate* isolate() const { return isolate_; }
  v8::Local<v8::Context> context() const { return context_.Get(isolate_); }

  // Changes whenever guest code may have run, so a memory's cached base pointer stays valid
  // while it is unchanged.
  uint64_t epoch() const { return epoch_; }
  void BumpEpoch() { ++epoch_; }
  // Guest code is running on this thread (the store's API is single-threaded): the isolate is
  // entered and locked by the outermost GuestScope.
  bool in_guest() const { return depth_ > 0; }

  // Takes V8's lock when the store needs it. A store runs unlocked on the thread that made it:
  // a Locker re-initializes V8's per-thread state on every entry, which doubled the cost of a
  // call. Once used on another thread, the store locks on every entry from then on, as V8
  // requires of an isolate that has seen a Locker.
  class Lock {
   public:
    explicit Lock(const V8Store& store);

   private:
    std::optional<v8::Locker> locker_;
  };

  // Locks and enters the isolate and context for V8 API calls that run no guest code.
  class ApiScope {
   public:
    explicit ApiScope(const V8Store& store);
    v8::Local<v8::Context> context() const { return context_; }

   private:
    Lock lock_;
    v8::Isolate::Scope isolate_scope_;
    v8::HandleScope handles_;
    v8::Local<v8::Context> context_;
    v8::Context::Scope context_scope_;
  };

  // Brackets guest execution (a call, an instantiation). The outermost one locks the isolate,
  // takes part in deadlines and interrupts and refuses to start past the deadline; nested ones
  // (a host function calling back into the guest) only count depth.
  class GuestScope {
   public:
    explicit GuestScope(V8Store& store);
    ~GuestScope();
    GuestScope(const GuestScope&) = delete;
    GuestScope& operator=(const GuestScope&) = delete;
    // Set when the deadline had passed before anything ran.
    const std::optional<Error>& refused() const { return refused_; }

   private:
    V8Store& store_;
    std::optional<Lock> lock_;
    std::optional<v8::Isolate::Scope> isolate_scope_;
    std::optional<Error> refused_;
  };

  // The Error for what `try_catch` caught while guest code ran: termination (deadline,
  // interrupt), a failed host function (its own Error) or a trap.
  Error ErrorFromException(const v8::TryCatch& try_catch, bool instantiating);

  // Runs a host callback with a thrown C++ exception turned into an Error.
  static Status RunHostCallback(const HostCallback& callback, std::span<const Val> args,
                                std::span<Val> results);

  // JS API functions of this context, fetched once.
  v8::Local<v8::Function> memory_grow() const { return memory_grow_.Get(isolate_); }
  v8::Local<v8::Function> table_get() const { return table_get_.Get(isolate_); }
  v8::Local<v8::Function> table_set() const { return table_set_.Get(isolate_); }
  v8::Local<v8::Function> table_grow() const { return table_grow_.Get(isolate_); }
  v8::Local<v8::Function> function_ctor() const { return function_ctor_.Get(isolate_); }
  v8::Local<v8::Function> function_type() const { return function_type_.Get(isolate_); }

 private:
  enum RunState : int {
    kIdle,
    kRunning,
    kStoppingForDeadline,  // TerminateExecution is being called
    kStoppingForInterrupt,
    kStoppedForDeadline,  // TerminateExecution was called
    kStoppedForInterrupt,
  };

  struct CachedModule {
    std::weak_ptr<const V8Module> module;
    v8::Global<v8::WasmModuleObject> object;
  };

  V8Store(const V8Runtime& runtime, const StoreOptions& options, v8::Isolate* isolate);
  Status Init();

  void OnDeadline() override;
  // From any thread: terminates the guest code running now, if any.
  void Stop(RunState stopping, RunState stopped);
  void EnterGuest();
  void LeaveGuest();

  static void HostCall(const v8::FunctionCallbackInfo<v8::Value>& info);
  static void OnHostFunctionCollected(const v8::WeakCallbackInfo<HostFuncData>& info);
  void FreeCollectedHostFuncs();

  Result<v8::Local<v8::WasmModuleObject>> ModuleObject(const V8Module& module);
  Result<v8::Local<v8::Object>> ImportObject(v8::Local<v8::Context> context, const V8Module& module,
                                             std::span<const Extern> imports);
  Result<Extern> WrapExport(const ExportType& type, v8::Local<v8::Value> value);

  const V8Runtime runtime_;
  const std::optional<uint64_t> default_max_pages_;  // StoreOptions'
  std::optional<uint64_t> max_pages_;                // SetMemoryLimit's, else the default
  v8::Isolate* const isolate_;
  const std::thread::id home_thread_ = std::this_thread::get_id();
  mutable bool uses_locker_ = false;
  v8::Global<v8::Context> context_;

  std::atomic<int> run_state_{kIdle};
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  int depth_ = 0;
  uint64_t epoch_ = 0;
  uint64_t outer_calls_ = 0;

  // The error of the host function whose token exception is unwinding the guest.
  std::optional<Error> pending_host_error_;
  v8::Global<v8::Object> host_error_token_;

  std::unordered_map<const HostFuncData*, std::unique_ptr<HostFuncData>> host_funcs_;
  std::vector<const HostFuncData*> collected_host_funcs_;
  // By module id and the page limit it was loaded with (nullopt: the module's own, as ~0).
  std::map<std::pair<uint64_t, uint64_t>, CachedModule> modules_;

  v8::Global<v8::Function> instance_ctor_;
  v8::Global<v8::Function> memory_ctor_;
  v8::Global<v8::Function> table_ctor_;
  v8::Global<v8::Function> function_ctor_;
  v8::Global<v8::Function> function_type_;
  v8::Global<v8::Function> memory_grow_;
  v8::Global<v8::Function> table_get_;
  v8::Global<v8::Function> table_set_;
  v8::Global<v8::Function> table_grow_;
  v8::Global<v8::String> exports_name_;
};

}  // namespace wcloud::wasm
