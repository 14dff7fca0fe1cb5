#include "wasm/v8_externs.h"

#include <optional>
#include <string>

#include "wasm/v8_values.h"

namespace wcloud::wasm {
namespace {

std::string ExceptionText(v8::Isolate* isolate, const v8::TryCatch& try_catch) {
  if (try_catch.HasTerminated()) return "the store is being stopped";
  if (!try_catch.HasCaught()) return "failed without an exception";
  return JsString(isolate, try_catch.Exception());
}

}  // namespace

V8Func::V8Func(V8Store& store, v8::Local<v8::Function> function, FuncType type, HostFuncData* host)
    : store_(store), function_(store.isolate(), function), type_(std::move(type)), host_(host) {}

V8Func::~V8Func() {
  V8Store::Lock lock(store_);
  function_.Reset();
  table_value_.Reset();
}

Status V8Func::Call(std::span<const Val> args, std::span<Val> results) {
  if (args.size() != type_.params.size() || results.size() != type_.results.size()) {
    return Error("call with " + std::to_string(args.size()) + " arguments and " +
                 std::to_string(results.size()) + " result slots of a function " +
                 FuncTypeString(type_));
  }
  if (host_ != nullptr) {
    for (size_t i = 0; i < results.size(); ++i) {
      results[i] = Val();
      results[i].type = type_.results[i];
    }
    Status status = V8Store::RunHostCallback(host_->callback, args, results);
    if (!status && status.error().code() == ErrorCode::kUnknown) {
      return HostFunctionError(status.error().message());
    }
    return status;
  }

  V8Store::GuestScope guest(store_);
  if (guest.refused()) return *guest.refused();
  v8::Isolate* isolate = store_.isolate();
  v8::HandleScope handles(isolate);
  // Function::Call enters the context itself; a Context::Scope here would cost ~8% of a call.
  v8::Local<v8::Context> context = store_.context();
  v8::TryCatch try_catch(isolate);

  SmallBuffer<v8::Local<v8::Value>> argv(args.size());
  for (size_t i = 0; i < args.size(); ++i) argv[i] = ToJs(isolate, type_.params[i], args[i]);
  v8::Local<v8::Value> result;
  if (!function_.Get(isolate)
           ->Call(context, v8::Undefined(isolate), static_cast<int>(argv.size()), argv.data())
           .ToLocal(&result)) {
    return store_.ErrorFromException(try_catch, /*instantiating=*/false);
  }
  store_.BumpEpoch();
  if (results.size() == 1) {
    if (!FromJs(isolate, type_.results[0], result, results[0])) {
      return store_.ErrorFromException(try_catch, false);
    }
  } else if (results.size() > 1) {
    if (!result->IsArray()) return TrapError("a multi-value call returned no array");
    auto array = result.As<v8::Array>();
    for (size_t i = 0; i < results.size(); ++i) {
      v8::Local<v8::Value> item;
      if (!array->Get(context, static_cast<uint32_t>(i)).ToLocal(&item) ||
          !FromJs(isolate, type_.results[i], item, results[i])) {
        return store_.ErrorFromException(try_catch, false);
      }
    }
  }
  return Ok();
}

Result<v8::Local<v8::Function>> V8Func::TableValue(v8::Local<v8::Context> context) {
  v8::Isolate* isolate = store_.isolate();
  if (host_ == nullptr) return function();
  if (table_value_.IsEmpty()) {
    v8::TryCatch try_catch(isolate);
    v8::Local<v8::Value> argv[] = {FuncTypeToJs(isolate, type_), function()};
    v8::Local<v8::Object> wrapped;
    if (!store_.function_ctor()->NewInstance(context, 2, argv).ToLocal(&wrapped) ||
        !wrapped->IsFunction()) {
      return Error("host function " + FuncTypeString(type_) +
                   " cannot be a table entry: " + ExceptionText(isolate, try_catch));
    }
    table_value_.Reset(isolate, wrapped.As<v8::Function>());
  }
  return table_value_.Get(isolate);
}

V8Memory::V8Memory(V8Store& store, v8::Local<v8::Object> memory)
    : store_(store), memory_(store.isolate(), memory) {}

V8Memory::~V8Memory() {
  V8Store::Lock lock(store_);
  memory_.Reset();
}

void V8Memory::Refresh() const {
  if (epoch_ == store_.epoch()) return;
  // Inside guest code (a host function reading its arguments) this thread holds the isolate
  // already, and reading the buffer needs no context: a handle scope is all it takes, a third
  // of the cost of entering the isolate and context again.
  std::optional<V8Store::ApiScope> scope;
  if (!store_.in_guest()) scope.emplace(store_);
  v8::HandleScope handles(store_.isolate());
  v8::Local<v8::ArrayBuffer> buffer = object().As<v8::WasmMemoryObject>()->Buffer();
  data_ = static_cast<uint8_t*>(buffer->Data());
  size_ = buffer->ByteLength();
  epoch_ = store_.epoch();
}

uint8_t* V8Memory::data() {
  Refresh();
  return data_;
}

size_t V8Memory::size() const {
  Refresh();
  return size_;
}

Result<uint32_t> V8Memory::Grow(uint32_t delta_pages) {
  V8Store::ApiScope scope(store_);
  v8::Isolate* isolate = store_.isolate();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> argv[] = {v8::Integer::NewFromUnsigned(isolate, delta_pages)};
  v8::Local<v8::Value> result;
  const bool ok = store_.memory_grow()->Call(scope.context(), object(), 1, argv).ToLocal(&result);
  store_.BumpEpoch();
  if (!ok) {
    return Error("memory.grow by " + std::to_string(delta_pages) +
                 " pages failed: " + ExceptionText(isolate, try_catch));
  }
  return result->Uint32Value(scope.context()).FromMaybe(0);
}

V8Table::V8Table(V8Store& store, v8::Local<v8::Object> table, ValType element)
    : store_(store), table_(store.isolate(), table), element_(element) {}

V8Table::~V8Table() {
  V8Store::Lock lock(store_);
  table_.Reset();
}

uint32_t V8Table::size() const {
  V8Store::ApiScope scope(store_);
  v8::TryCatch try_catch(store_.isolate());
  v8::Local<v8::Value> length;
  if (!object()->Get(scope.context(), JsName(store_.isolate(), "length")).ToLocal(&length)) {
    return 0;
  }
  return length->Uint32Value(scope.context()).FromMaybe(0);
}

Status V8Table::CheckFuncRef() const {
  if (element_ == ValType::kFuncRef) return Ok();
  return Error("an externref table holds no functions");
}

Result<v8::Local<v8::Value>> V8Table::Element(v8::Local<v8::Context> context, Func* func) {
  if (func == nullptr) return v8::Null(store_.isolate()).As<v8::Value>();
  auto* v8_func = dynamic_cast<V8Func*>(func);
  if (v8_func == nullptr || &v8_func->store() != &store_) {
    return Error("the function belongs to another store");
  }
  WCLOUD_ASSIGN_OR_RETURN(v8::Local<v8::Function> value, v8_func->TableValue(context));
  return value.As<v8::Value>();
}

Result<std::shared_ptr<Func>> V8Table::Get(uint32_t index) {
  WCLOUD_TRY_STATUS(CheckFuncRef());
  V8Store::ApiScope scope(store_);
  v8::Isolate* isolate = store_.isolate();
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate);
  v8::Local<v8::Value> argv[] = {v8::Integer::NewFromUnsigned(isolate, index)};
  v8::Local<v8::Value> value;
  if (!store_.table_get()->Call(context, object(), 1, argv).ToLocal(&value)) {
    return Error("table.get(" + std::to_string(index) + "): " + ExceptionText(isolate, try_catch));
  }
  if (value->IsNull()) return std::shared_ptr<Func>();
  if (!value->IsFunction())
    return Error("table entry " + std::to_string(index) + " is no function");
  // The entry may be any module's function: ask V8 for its type.
  v8::Local<v8::Value> type_argv[] = {value};
  v8::Local<v8::Value> type;
  if (!store_.function_type()->Call(context, v8::Undefined(isolate), 1, type_argv).ToLocal(&type)) {
    return Error("table entry " + std::to_string(index) +
                 " has no type: " + ExceptionText(isolate, try_catch));
  }
  auto func_type = FuncTypeFromJs(context, type);
  if (!func_type) return func_type.error().Wrap("table entry " + std::to_string(index));
  return std::shared_ptr<Func>(
      std::make_shared<V8Func>(store_, value.As<v8::Function>(), *std::move(func_type), nullptr));
}

Status V8Table::Set(uint32_t index, std::shared_ptr<Func> func) {
  WCLOUD_TRY_STATUS(CheckFuncRef());
  V8Store::ApiScope scope(store_);
  v8::Isolate* isolate = store_.isolate();
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate);
  auto element = Element(context, func.get());
  if (!element) return element.error().Wrap("table.set(" + std::to_string(index) + ")");
  v8::Local<v8::Value> argv[] = {v8::Integer::NewFromUnsigned(isolate, index), *element};
  if (store_.table_set()->Call(context, object(), 2, argv).IsEmpty()) {
    return Error("table.set(" + std::to_string(index) + "): " + ExceptionText(isolate, try_catch));
  }
  return Ok();
}

Result<uint32_t> V8Table::Grow(uint32_t delta, std::shared_ptr<Func> init) {
  WCLOUD_TRY_STATUS(CheckFuncRef());
  V8Store::ApiScope scope(store_);
  v8::Isolate* isolate = store_.isolate();
  v8::Local<v8::Context> context = scope.context();
  v8::TryCatch try_catch(isolate);
  auto element = Element(context, init.get());
  if (!element) return element.error().Wrap("table.grow");
  v8::Local<v8::Value> argv[] = {v8::Integer::NewFromUnsigned(isolate, delta), *element};
  v8::Local<v8::Value> result;
  if (!store_.table_grow()->Call(context, object(), 2, argv).ToLocal(&result)) {
    return Error("table.grow by " + std::to_string(delta) +
                 " failed: " + ExceptionText(isolate, try_catch));
  }
  return result->Uint32Value(context).FromMaybe(0);
}

V8Global::V8Global(V8Store& store, v8::Local<v8::Object> global, ValType type, bool is_mutable)
    : store_(store), global_(store.isolate(), global), type_(type), mutable_(is_mutable) {}

V8Global::~V8Global() {
  V8Store::Lock lock(store_);
  global_.Reset();
}

Val V8Global::Get() const {
  V8Store::ApiScope scope(store_);
  v8::Isolate* isolate = store_.isolate();
  v8::TryCatch try_catch(isolate);
  Val out;
  out.type = type_;
  v8::Local<v8::Value> value;
  if (object()->Get(scope.context(), JsName(isolate, "value")).ToLocal(&value)) {
    FromJs(isolate, type_, value, out);
  }
  return out;
}

Status V8Global::Set(Val value) {
  if (!mutable_) return Error("the global is immutable");
  if (value.type != type_) return Error("the global's type differs from the value's");
  V8Store::ApiScope scope(store_);
  v8::Isolate* isolate = store_.isolate();
  v8::TryCatch try_catch(isolate);
  if (!object()
           ->Set(scope.context(), JsName(isolate, "value"), ToJs(isolate, type_, value))
           .FromMaybe(false)) {
    return Error("global.value: " + ExceptionText(isolate, try_catch));
  }
  return Ok();
}

std::optional<Extern> V8Instance::GetExport(std::string_view name) const {
  for (const auto& [export_name, item] : exports_) {
    if (export_name == name) return item;
  }
  return std::nullopt;
}

}  // namespace wcloud::wasm
