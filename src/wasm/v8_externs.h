// Functions, memories, tables, globals and instances of a V8 store, each holding its JS API
// object (WebAssembly.Memory, WebAssembly.Table, ...). Used like their store: one thread at a time.
#pragma once

#include <v8.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "wasm/engine.h"
#include "wasm/v8_store.h"

namespace wcloud::wasm {

class V8Func final : public Func {
 public:
  // `host` is set for host functions (whose `function` calls it).
  V8Func(V8Store& store, v8::Local<v8::Function> function, FuncType type, HostFuncData* host);
  ~V8Func() override;

  const FuncType& type() const override { return type_; }
  Status Call(std::span<const Val> args, std::span<Val> results) override;

  V8Store& store() const { return store_; }
  // What an import object binds.
  v8::Local<v8::Function> function() const { return function_.Get(store_.isolate()); }
  // What a funcref table can hold: host functions get a WebAssembly.Function wrapper.
  Result<v8::Local<v8::Function>> TableValue(v8::Local<v8::Context> context);

 private:
  V8Store& store_;
  v8::Global<v8::Function> function_;
  v8::Global<v8::Function> table_value_;
  const FuncType type_;
  HostFuncData* const host_;
};

class V8Memory final : public Memory {
 public:
  V8Memory(V8Store& store, v8::Local<v8::Object> memory);
  ~V8Memory() override;

  uint8_t* data() override;
  size_t size() const override;
  Result<uint32_t> Grow(uint32_t delta_pages) override;

  V8Store& store() const { return store_; }
  v8::Local<v8::Object> object() const { return memory_.Get(store_.isolate()); }

 private:
  void Refresh() const;

  V8Store& store_;
  v8::Global<v8::Object> memory_;
  // The buffer as of store_.epoch() == epoch_.
  mutable uint64_t epoch_ = UINT64_MAX;
  mutable uint8_t* data_ = nullptr;
  mutable size_t size_ = 0;
};

class V8Table final : public Table {
 public:
  V8Table(V8Store& store, v8::Local<v8::Object> table, ValType element);
  ~V8Table() override;

  uint32_t size() const override;
  Result<std::shared_ptr<Func>> Get(uint32_t index) override;
  Status Set(uint32_t index, std::shared_ptr<Func> func) override;
  Result<uint32_t> Grow(uint32_t delta, std::shared_ptr<Func> init) override;

  V8Store& store() const { return store_; }
  v8::Local<v8::Object> object() const { return table_.Get(store_.isolate()); }

 private:
  // The JS value for `func` in this table (null for nullptr).
  Result<v8::Local<v8::Value>> Element(v8::Local<v8::Context> context, Func* func);
  Status CheckFuncRef() const;

  V8Store& store_;
  v8::Global<v8::Object> table_;
  const ValType element_;
};

class V8Global final : public Global {
 public:
  V8Global(V8Store& store, v8::Local<v8::Object> global, ValType type, bool is_mutable);
  ~V8Global() override;

  ValType type() const override { return type_; }
  bool is_mutable() const override { return mutable_; }
  Val Get() const override;
  Status Set(Val value) override;

  V8Store& store() const { return store_; }
  v8::Local<v8::Object> object() const { return global_.Get(store_.isolate()); }

 private:
  V8Store& store_;
  v8::Global<v8::Object> global_;
  const ValType type_;
  const bool mutable_;
};

class V8Instance final : public Instance {
 public:
  explicit V8Instance(std::vector<std::pair<std::string, Extern>> exports)
      : exports_(std::move(exports)) {}

  const std::vector<std::pair<std::string, Extern>>& exports() const override { return exports_; }
  std::optional<Extern> GetExport(std::string_view name) const override;

 private:
  std::vector<std::pair<std::string, Extern>> exports_;
};

}  // namespace wcloud::wasm
