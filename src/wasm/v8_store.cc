#include "wasm/v8_store.h"

#include <libplatform/libplatform.h>

#include <exception>
#include <string>
#include <thread>
#include <type_traits>

#include "wasm/v8_externs.h"
#include "wasm/v8_values.h"

namespace wcloud::wasm {
namespace {

constexpr uint64_t kPageSize = 65536;
// The most pages a 32-bit memory can declare; a larger cap means no cap.
constexpr uint64_t kMaxPages = 65536;

// A byte limit in whole pages; none when it is no lower than what a 32-bit memory can hold.
std::optional<uint64_t> PagesFor(std::optional<uint64_t> max_memory_bytes) {
  if (!max_memory_bytes || *max_memory_bytes / kPageSize >= kMaxPages) return std::nullopt;
  return *max_memory_bytes / kPageSize;
}

// V8 posts foreground tasks (finalizers, memory reduction) that run only when the store pumps
// its message loop: every this many outermost guest entries.
constexpr uint64_t kPumpInterval = 256;

Result<v8::Local<v8::Function>> GetFunction(v8::Local<v8::Context> context,
                                            v8::Local<v8::Object> object, const char* name) {
  v8::Local<v8::Value> value;
  if (!object->Get(context, JsName(context->GetIsolate(), name)).ToLocal(&value) ||
      !value->IsFunction()) {
    return Error(std::string("V8 lacks the JS API function ") + name);
  }
  return value.As<v8::Function>();
}

Result<v8::Local<v8::Object>> GetPrototype(v8::Local<v8::Context> context,
                                           v8::Local<v8::Function> constructor) {
  v8::Local<v8::Value> value;
  if (!constructor->Get(context, JsName(context->GetIsolate(), "prototype")).ToLocal(&value) ||
      !value->IsObject()) {
    return Error("V8 lacks a JS API prototype");
  }
  return value.As<v8::Object>();
}

const char* KindName(ExternKind kind) {
  switch (kind) {
    case ExternKind::kFunc:
      return "function";
    case ExternKind::kTable:
      return "table";
    case ExternKind::kMemory:
      return "memory";
    case ExternKind::kGlobal:
      return "global";
    case ExternKind::kTag:
      return "tag";
  }
  return "?";
}

// A property of an error object, or "" when it has none or reading it fails.
std::string ErrorProperty(v8::Local<v8::Context> context, v8::Local<v8::Value> error,
                          const char* name) {
  if (!error->IsObject()) return "";
  v8::Isolate* isolate = context->GetIsolate();
  v8::TryCatch inner(isolate);
  v8::Local<v8::Value> value;
  if (!error.As<v8::Object>()->Get(context, JsName(isolate, name)).ToLocal(&value) ||
      !value->IsString()) {
    return "";
  }
  return JsString(isolate, value);
}

// The innermost frame of a JS error's stack ("add (wasm://wasm/1f2e:wasm-function[1]:0x2e)").
std::string TopFrame(const std::string& stack) {
  const std::string kAt = "\n    at ";
  size_t begin = stack.find(kAt);
  if (begin == std::string::npos) return "";
  begin += kAt.size();
  return stack.substr(begin, stack.find('\n', begin) - begin);
}

}  // namespace

V8Store::Lock::Lock(const V8Store& store) {
  if (!store.uses_locker_ && std::this_thread::get_id() != store.home_thread_) {
    store.uses_locker_ = true;
  }
  if (store.uses_locker_) locker_.emplace(store.isolate_);
}

V8Store::ApiScope::ApiScope(const V8Store& store)
    : lock_(store),
      isolate_scope_(store.isolate_),
      handles_(store.isolate_),
      context_(store.context()),
      context_scope_(context_) {}

V8Store::GuestScope::GuestScope(V8Store& store) : store_(store) {
  if (store_.depth_ == 0) {
    lock_.emplace(store_);
    isolate_scope_.emplace(store_.isolate_);
    store_.EnterGuest();
    if (store_.deadline_ && std::chrono::steady_clock::now() >= *store_.deadline_) {
      refused_ = Error("deadline exceeded before the guest ran", ErrorCode::kDeadlineExceeded);
    }
  }
  ++store_.depth_;
}

V8Store::GuestScope::~GuestScope() {
  if (--store_.depth_ == 0) store_.LeaveGuest();
}

Result<std::unique_ptr<V8Store>> V8Store::Create(const V8Runtime& runtime,
                                                 const StoreOptions& options) {
  v8::Isolate::CreateParams params;
  params.array_buffer_allocator = runtime.allocator;
  v8::Isolate* isolate = v8::Isolate::New(params);
  if (isolate == nullptr) return Error("V8 could not create an isolate");
  std::unique_ptr<V8Store> store(new V8Store(runtime, options, isolate));
  WCLOUD_TRY_STATUS(store->Init());
  return store;
}

V8Store::V8Store(const V8Runtime& runtime, const StoreOptions& options, v8::Isolate* isolate)
    : runtime_(runtime),
      default_max_pages_(PagesFor(options.max_memory_bytes)),
      max_pages_(default_max_pages_),
      isolate_(isolate) {}

Status V8Store::Init() {
  v8::Isolate::Scope isolate_scope(isolate_);
  // Nothing here uses promises; explicit keeps V8 from running checkpoints after every call.
  isolate_->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  v8::HandleScope handles(isolate_);
  v8::Local<v8::Context> context = v8::Context::New(isolate_);
  if (context.IsEmpty()) return Error("V8 could not create a context");
  context_.Reset(isolate_, context);
  v8::Context::Scope context_scope(context);
  v8::TryCatch try_catch(isolate_);

  v8::Local<v8::Value> value;
  if (!context->Global()->Get(context, JsName(isolate_, "WebAssembly")).ToLocal(&value) ||
      !value->IsObject()) {
    return Error("V8 has no WebAssembly object");
  }
  auto webassembly = value.As<v8::Object>();
  WCLOUD_ASSIGN_OR_RETURN(auto instance, GetFunction(context, webassembly, "Instance"));
  WCLOUD_ASSIGN_OR_RETURN(auto memory, GetFunction(context, webassembly, "Memory"));
  WCLOUD_ASSIGN_OR_RETURN(auto table, GetFunction(context, webassembly, "Table"));
  WCLOUD_ASSIGN_OR_RETURN(auto function, GetFunction(context, webassembly, "Function"));
  WCLOUD_ASSIGN_OR_RETURN(auto function_type, GetFunction(context, function, "type"));
  WCLOUD_ASSIGN_OR_RETURN(auto memory_proto, GetPrototype(context, memory));
  WCLOUD_ASSIGN_OR_RETURN(auto table_proto, GetPrototype(context, table));
  WCLOUD_ASSIGN_OR_RETURN(auto memory_grow, GetFunction(context, memory_proto, "grow"));
  WCLOUD_ASSIGN_OR_RETURN(auto table_get, GetFunction(context, table_proto, "get"));
  WCLOUD_ASSIGN_OR_RETURN(auto table_set, GetFunction(context, table_proto, "set"));
  WCLOUD_ASSIGN_OR_RETURN(auto table_grow, GetFunction(context, table_proto, "grow"));
  instance_ctor_.Reset(isolate_, instance);
  memory_ctor_.Reset(isolate_, memory);
  table_ctor_.Reset(isolate_, table);
  function_ctor_.Reset(isolate_, function);
  function_type_.Reset(isolate_, function_type);
  memory_grow_.Reset(isolate_, memory_grow);
  table_get_.Reset(isolate_, table_get);
  table_set_.Reset(isolate_, table_set);
  table_grow_.Reset(isolate_, table_grow);
  exports_name_.Reset(isolate_, JsName(isolate_, "exports"));
  host_error_token_.Reset(isolate_, v8::Object::New(isolate_));
  return Ok();
}

V8Store::~V8Store() {
  runtime_.watchdog->Disarm(this);
  {
    Lock lock(*this);
    v8::Isolate::Scope isolate_scope(isolate_);
    v8::HandleScope handles(isolate_);
    // Every handle goes before the isolate does.
    host_funcs_.clear();
    collected_host_funcs_.clear();
    modules_.clear();
    for (auto* handle : {&instance_ctor_, &memory_ctor_, &table_ctor_, &function_ctor_,
                         &function_type_, &memory_grow_, &table_get_, &table_set_, &table_grow_}) {
      handle->Reset();
    }
    exports_name_.Reset();
    host_error_token_.Reset();
    context_.Reset();
  }
  v8::platform::NotifyIsolateShutdown(runtime_.platform, isolate_);
  isolate_->Dispose();
}

void V8Store::EnterGuest() {
  // Running is published before the deadline is read, so a watchdog that finds the store idle
  // fired before the read and the read sees the deadline passed.
  run_state_.store(kRunning);
}

void V8Store::LeaveGuest() {
  int expected = kRunning;
  if (!run_state_.compare_exchange_strong(expected, kIdle)) {
    // A stop is under way: once TerminateExecution has been called, undo it so the next call
    // runs.
    while (run_state_.load() == kStoppingForDeadline ||
           run_state_.load() == kStoppingForInterrupt) {
      std::this_thread::yield();
    }
    isolate_->CancelTerminateExecution();
    run_state_.store(kIdle);
  }
  pending_host_error_.reset();
  BumpEpoch();
  if (++outer_calls_ % kPumpInterval == 0) {
    v8::HandleScope handles(isolate_);
    while (v8::platform::PumpMessageLoop(runtime_.platform, isolate_)) {
    }
  }
  if (!collected_host_funcs_.empty()) FreeCollectedHostFuncs();
}

void V8Store::Stop(RunState stopping, RunState stopped) {
  int expected = kRunning;
  if (run_state_.compare_exchange_strong(expected, stopping)) {
    isolate_->TerminateExecution();
    run_state_.store(stopped);
  }
}

void V8Store::OnDeadline() { Stop(kStoppingForDeadline, kStoppedForDeadline); }

void V8Store::Interrupt() { Stop(kStoppingForInterrupt, kStoppedForInterrupt); }

void V8Store::ReleaseFreedMemory() {
  ApiScope scope(*this);
  // A full, compacting collection: unreferenced WebAssembly.Memory objects release their
  // backing stores, which unmaps them.
  isolate_->LowMemoryNotification();
}

void V8Store::SetMemoryLimit(std::optional<uint64_t> max_memory_bytes) {
  max_pages_ = max_memory_bytes ? PagesFor(max_memory_bytes) : default_max_pages_;
}

void V8Store::SetDeadline(std::optional<std::chrono::steady_clock::time_point> deadline) {
  deadline_ = deadline;
  if (deadline) {
    runtime_.watchdog->Arm(this, *deadline);
  } else {
    runtime_.watchdog->Disarm(this);
  }
}

Error V8Store::ErrorFromException(const v8::TryCatch& try_catch, bool instantiating) {
  if (try_catch.HasTerminated() || isolate_->IsExecutionTerminating()) {
    const int state = run_state_.load();
    if (state == kStoppingForDeadline || state == kStoppedForDeadline) {
      return Error("deadline exceeded: the guest ran past its store's deadline",
                   ErrorCode::kDeadlineExceeded);
    }
    return Error("interrupted: the guest was stopped while it ran", ErrorCode::kCancelled);
  }
  v8::Local<v8::Value> exception = try_catch.Exception();
  if (exception.IsEmpty()) {
    const std::string what = "the guest failed without an exception";
    return instantiating ? Error(what, ErrorCode::kFailedPrecondition) : TrapError(what);
  }
  if (pending_host_error_ && exception->StrictEquals(host_error_token_.Get(isolate_))) {
    Error error = std::move(*pending_host_error_);
    pending_host_error_.reset();
    return error;
  }
  v8::Local<v8::Context> context = this->context();
  v8::Context::Scope context_scope(context);
  std::string message = ErrorProperty(context, exception, "message");
  if (message.empty()) message = JsString(isolate_, exception);
  const std::string name = ErrorProperty(context, exception, "name");
  const bool stack_overflow =
      name == "RangeError" && message.find("Maximum call stack size exceeded") == 0;
  const bool trap = !instantiating || name == "RuntimeError" || stack_overflow;
  if (trap) {
    const std::string frame = TopFrame(ErrorProperty(context, exception, "stack"));
    if (!frame.empty()) message += " (at " + frame + ")";
  }
  return trap ? TrapError(message) : Error(message, ErrorCode::kFailedPrecondition);
}

Status V8Store::RunHostCallback(const HostCallback& callback, std::span<const Val> args,
                                std::span<Val> results) {
  try {
    return callback(args, results);
  } catch (const std::exception& e) {
    return HostFunctionError(std::string("host function threw: ") + e.what());
  } catch (...) {
    return HostFunctionError("host function threw a non-standard exception");
  }
}

void V8Store::HostCall(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* data = static_cast<HostFuncData*>(info.Data().As<v8::External>()->Value());
  V8Store& store = *data->store;
  store.BumpEpoch();
  const FuncType& type = data->type;
  v8::Isolate* isolate = info.GetIsolate();

  // Inline room for every core signature a component import flattens to: 16 parameters and a
  // return pointer.
  SmallBuffer<Val, 17> args(type.params.size());
  const int given = info.Length();
  for (size_t i = 0; i < args.size(); ++i) {
    const int at = static_cast<int>(i);
    v8::Local<v8::Value> arg = at < given ? info[at] : v8::Undefined(isolate).As<v8::Value>();
    // Wasm passes an i32 as an Int32: the common case, converted here without a call to FromJs.
    if (type.params[i] == ValType::kI32 && arg->IsInt32()) {
      args[i].type = ValType::kI32;
      args[i].i32 = static_cast<uint32_t>(arg.As<v8::Int32>()->Value());
      continue;
    }
    if (!FromJs(isolate, type.params[i], arg, args[i])) return;
  }
  SmallBuffer<Val> results(type.results.size());
  for (size_t i = 0; i < results.size(); ++i) results[i].type = type.results[i];

  Status status =
      RunHostCallback(data->callback, {args.data(), args.size()}, {results.data(), results.size()});
  store.BumpEpoch();
  if (!status) {
    // Termination already unwinds the guest, and its reason wins.
    if (isolate->IsExecutionTerminating()) return;
    const Error& error = status.error();
    store.pending_host_error_ =
        error.code() == ErrorCode::kUnknown ? HostFunctionError(error.message()) : error;
    isolate->ThrowException(store.host_error_token_.Get(isolate));
    return;
  }
  if (results.size() == 1) {
    if (type.results[0] == ValType::kI32) {
      info.GetReturnValue().Set(static_cast<int32_t>(results[0].i32));
    } else {
      info.GetReturnValue().Set(ToJs(isolate, type.results[0], results[0]));
    }
  } else if (results.size() > 1) {
    SmallBuffer<v8::Local<v8::Value>> values(results.size());
    for (size_t i = 0; i < results.size(); ++i) {
      values[i] = ToJs(isolate, type.results[i], results[i]);
    }
    info.GetReturnValue().Set(v8::Array::New(isolate, values.data(), values.size()));
  }
}

void V8Store::OnHostFunctionCollected(const v8::WeakCallbackInfo<HostFuncData>& info) {
  // Only the handle may be touched during GC; the data goes at the next outermost exit.
  HostFuncData* data = info.GetParameter();
  data->function.Reset();
  data->store->collected_host_funcs_.push_back(data);
}

void V8Store::FreeCollectedHostFuncs() {
  // Freeing a callback can release handles and so collect more: loop until none are left.
  while (!collected_host_funcs_.empty()) {
    std::vector<const HostFuncData*> collected;
    collected.swap(collected_host_funcs_);
    for (const HostFuncData* data : collected) host_funcs_.erase(data);
  }
}

std::shared_ptr<Func> V8Store::NewHostFunc(FuncType type, HostCallback callback) {
  ApiScope scope(*this);
  if (depth_ == 0) FreeCollectedHostFuncs();
  auto data = std::make_unique<HostFuncData>();
  data->store = this;
  data->type = type;
  data->callback = std::move(callback);
  v8::Local<v8::Function> function;
  if (!v8::Function::New(scope.context(), &HostCall, v8::External::New(isolate_, data.get()),
                         static_cast<int>(type.params.size()), v8::ConstructorBehavior::kThrow)
           .ToLocal(&function)) {
    return nullptr;  // only while the store is being terminated
  }
  data->function.Reset(isolate_, function);
  data->function.SetWeak(data.get(), &OnHostFunctionCollected, v8::WeakCallbackType::kParameter);
  HostFuncData* raw = data.get();
  host_funcs_.emplace(raw, std::move(data));
  return std::make_shared<V8Func>(*this, function, std::move(type), raw);
}

Result<std::shared_ptr<Memory>> V8Store::NewMemory(Limits limits) {
  if (max_pages_) {
    if (limits.min > *max_pages_) {
      return Error("a memory of at least " + std::to_string(limits.min) +
                   " pages is over the store's limit of " + std::to_string(*max_pages_) + " pages");
    }
    if (!limits.max || *limits.max > *max_pages_) limits.max = *max_pages_;
  }
  ApiScope scope(*this);
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Object> descriptor = LimitsToJs(isolate_, limits, nullptr);
  v8::Local<v8::Value> argv[] = {descriptor};
  v8::Local<v8::Object> memory;
  if (!memory_ctor_.Get(isolate_)->NewInstance(context, 1, argv).ToLocal(&memory)) {
    return Error("new memory: " + JsString(isolate_, try_catch.Exception()));
  }
  return std::shared_ptr<Memory>(std::make_shared<V8Memory>(*this, memory));
}

Result<std::shared_ptr<Table>> V8Store::NewTable(Limits limits) {
  ApiScope scope(*this);
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate_);
  v8::Local<v8::Object> descriptor = LimitsToJs(isolate_, limits, "anyfunc");
  v8::Local<v8::Value> argv[] = {descriptor};
  v8::Local<v8::Object> table;
  if (!table_ctor_.Get(isolate_)->NewInstance(context, 1, argv).ToLocal(&table)) {
    return Error("new table: " + JsString(isolate_, try_catch.Exception()));
  }
  return std::shared_ptr<Table>(std::make_shared<V8Table>(*this, table, ValType::kFuncRef));
}

Result<v8::Local<v8::WasmModuleObject>> V8Store::ModuleObject(const V8Module& module) {
  const std::pair<uint64_t, uint64_t> key(module.id(), max_pages_.value_or(~uint64_t{0}));
  if (auto it = modules_.find(key); it != modules_.end()) {
    return it->second.object.Get(isolate_);
  }
  WCLOUD_ASSIGN_OR_RETURN(auto compiled, module.CompiledFor(max_pages_));
  v8::Local<v8::WasmModuleObject> object;
  if (!v8::WasmModuleObject::FromCompiledModule(isolate_, *compiled).ToLocal(&object)) {
    return Error("V8 could not load the compiled module into the store",
                 ErrorCode::kFailedPrecondition);
  }
  for (auto it = modules_.begin(); it != modules_.end();) {
    it = it->second.module.expired() ? modules_.erase(it) : std::next(it);
  }
  modules_.emplace(key, CachedModule{module.weak_from_this(),
                                     v8::Global<v8::WasmModuleObject>(isolate_, object)});
  return object;
}

Result<v8::Local<v8::Object>> V8Store::ImportObject(v8::Local<v8::Context> context,
                                                    const V8Module& module,
                                                    std::span<const Extern> imports) {
  const std::vector<ImportType>& types = module.imports();
  v8::Local<v8::Object> root = v8::Object::New(isolate_);
  // Namespaces in order of first use; modules import from a handful.
  std::vector<std::pair<const std::string*, v8::Local<v8::Object>>> namespaces;
  for (size_t i = 0; i < types.size(); ++i) {
    const ImportType& type = types[i];
    const std::string where =
        "import " + std::to_string(i) + " (" + type.module + "." + type.name + ")";
    auto fail = [&](const std::string& what) {
      return Error(where + ": " + what, ErrorCode::kFailedPrecondition);
    };

    // Our own checks first: V8 accepts any callable for a function import, and its messages
    // do not name our types.
    v8::Local<v8::Value> value;
    Status status = std::visit(
        [&](const auto& item) -> Status {
          using T = typename std::decay_t<decltype(item)>::element_type;
          if (!item) return fail("no value given");
          ExternKind kind;
          if constexpr (std::is_same_v<T, Func>) {
            kind = ExternKind::kFunc;
          } else if constexpr (std::is_same_v<T, Table>) {
            kind = ExternKind::kTable;
          } else if constexpr (std::is_same_v<T, Memory>) {
            kind = ExternKind::kMemory;
          } else {
            kind = ExternKind::kGlobal;
          }
          if (kind != type.type.kind) {
            return fail(std::string("expected a ") + KindName(type.type.kind) + ", got a " +
                        KindName(kind));
          }
          if constexpr (std::is_same_v<T, Func>) {
            auto* func = dynamic_cast<V8Func*>(item.get());
            if (!func || &func->store() != this) return fail("function of another store");
            if (func->type() != type.type.func) {
              return fail("expected a function " + FuncTypeString(type.type.func) + ", got " +
                          FuncTypeString(func->type()));
            }
            value = func->function();
          } else if constexpr (std::is_same_v<T, Table>) {
            auto* table = dynamic_cast<V8Table*>(item.get());
            if (!table || &table->store() != this) return fail("table of another store");
            value = table->object();
          } else if constexpr (std::is_same_v<T, Memory>) {
            auto* memory = dynamic_cast<V8Memory*>(item.get());
            if (!memory || &memory->store() != this) return fail("memory of another store");
            value = memory->object();
          } else {
            auto* global = dynamic_cast<V8Global*>(item.get());
            if (!global || &global->store() != this) return fail("global of another store");
            if (global->type() != type.type.global ||
                global->is_mutable() != type.type.global_mutable) {
              return fail("global type or mutability differs from the import");
            }
            value = global->object();
          }
          return Ok();
        },
        imports[i]);
    WCLOUD_TRY_STATUS(status);

    v8::Local<v8::Object> ns;
    for (const auto& [name, object] : namespaces) {
      if (*name == type.module) ns = object;
    }
    v8::Local<v8::String> key = JsName(isolate_, type.name);
    if (ns.IsEmpty()) {
      ns = v8::Object::New(isolate_);
      namespaces.emplace_back(&type.module, ns);
      // CreateDataProperty: a name like "__proto__" must become an own property.
      if (!root->CreateDataProperty(context, JsName(isolate_, type.module), ns).FromMaybe(false)) {
        return fail("cannot build the import object");
      }
    } else if (ns->HasOwnProperty(context, key).FromMaybe(false)) {
      // The JS API binds one value per name: a repeated name needs the same value.
      v8::Local<v8::Value> earlier;
      if (!ns->Get(context, key).ToLocal(&earlier) || !earlier->StrictEquals(value)) {
        return fail("the same module and name are imported earlier with a different value");
      }
      continue;
    }
    if (!ns->CreateDataProperty(context, key, value).FromMaybe(false)) {
      return fail("cannot build the import object");
    }
  }
  return root;
}

Result<Extern> V8Store::WrapExport(const ExportType& type, v8::Local<v8::Value> value) {
  auto fail = [&](const char* what) {
    return Error("export '" + type.name + "' is not a " + what, ErrorCode::kFailedPrecondition);
  };
  switch (type.type.kind) {
    case ExternKind::kFunc:
      if (!value->IsFunction()) return fail("function");
      return Extern(
          std::make_shared<V8Func>(*this, value.As<v8::Function>(), type.type.func, nullptr));
    case ExternKind::kMemory:
      if (!value->IsObject()) return fail("memory");
      return Extern(std::make_shared<V8Memory>(*this, value.As<v8::Object>()));
    case ExternKind::kTable:
      if (!value->IsObject()) return fail("table");
      return Extern(std::make_shared<V8Table>(*this, value.As<v8::Object>(), type.type.element));
    case ExternKind::kGlobal:
      if (!value->IsObject()) return fail("global");
      return Extern(std::make_shared<V8Global>(*this, value.As<v8::Object>(), type.type.global,
                                               type.type.global_mutable));
    case ExternKind::kTag:
      break;
  }
  return fail("function, table, memory or global");
}

Result<std::unique_ptr<Instance>> V8Store::Instantiate(const Module& module,
                                                       std::span<const Extern> imports) {
  const auto* m = dynamic_cast<const V8Module*>(&module);
  if (m == nullptr)
    return Error("the module was not compiled by the V8 engine", ErrorCode::kFailedPrecondition);
  if (imports.size() != m->imports().size()) {
    return Error("the module has " + std::to_string(m->imports().size()) + " imports, " +
                     std::to_string(imports.size()) + " were given",
                 ErrorCode::kFailedPrecondition);
  }
  for (const ImportType& import : m->imports()) {
    if (import.type.kind == ExternKind::kTag) {
      return Error("import " + import.module + "." + import.name + ": tags cannot be imported",
                   ErrorCode::kFailedPrecondition);
    }
  }
  GuestScope guest(*this);
  if (guest.refused()) return *guest.refused();
  v8::HandleScope handles(isolate_);
  v8::Local<v8::Context> ctx = context();
  v8::Context::Scope context_scope(ctx);
  v8::TryCatch try_catch(isolate_);

  auto module_object = ModuleObject(*m);
  if (!module_object) {
    if (try_catch.HasTerminated()) return ErrorFromException(try_catch, true);
    return module_object.error();
  }
  WCLOUD_ASSIGN_OR_RETURN(v8::Local<v8::Object> import_object, ImportObject(ctx, *m, imports));
  v8::Local<v8::Value> argv[] = {*module_object, import_object};
  // A memory's guard regions take ~10 GiB of address space each; when a reservation fails, V8
  // collects garbage and retries by itself, so dead instances make room (see
  // v8_memory_reservation_test) and live ones running out is an Error here.
  v8::Local<v8::Object> instance;
  // When the start function traps, V8 10.2 returns a bare object with the exception pending.
  if (!instance_ctor_.Get(isolate_)->NewInstance(ctx, 2, argv).ToLocal(&instance) ||
      try_catch.HasCaught()) {
    return ErrorFromException(try_catch, true);
  }
  v8::Local<v8::Value> exports_value;
  if (!instance->Get(ctx, exports_name_.Get(isolate_)).ToLocal(&exports_value) ||
      !exports_value->IsObject()) {
    return ErrorFromException(try_catch, true);
  }
  auto exports_object = exports_value.As<v8::Object>();
  std::vector<std::pair<std::string, Extern>> exports;
  exports.reserve(m->exports().size());
  for (const ExportType& type : m->exports()) {
    if (type.type.kind == ExternKind::kTag) continue;  // Extern has no tags
    v8::Local<v8::Value> value;
    if (!exports_object->Get(ctx, JsName(isolate_, type.name)).ToLocal(&value)) {
      return ErrorFromException(try_catch, true);
    }
    WCLOUD_ASSIGN_OR_RETURN(Extern item, WrapExport(type, value));
    exports.emplace_back(type.name, std::move(item));
  }
  return std::unique_ptr<Instance>(std::make_unique<V8Instance>(std::move(exports)));
}

}  // namespace wcloud::wasm
