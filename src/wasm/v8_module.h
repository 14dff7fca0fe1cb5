// A compiled core module: V8's compiled code (shared by every isolate that instantiates it) and
// our own reading of its imports, exports and memories.
#pragma once

#include <v8.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>

#include "util/mutex.h"
#include "util/result.h"
#include "wasm/engine.h"
#include "wasm/module_info.h"

namespace wcloud::wasm {

// Compiles bytes outside any store (the engine's compile isolate).
class V8Compiler {
 public:
  virtual Result<std::shared_ptr<v8::CompiledWasmModule>> CompileBytes(
      std::span<const uint8_t> bytes, bool lazy) = 0;

 protected:
  ~V8Compiler() = default;
};

class V8Module final : public Module, public std::enable_shared_from_this<V8Module> {
 public:
  V8Module(uint64_t id, ModuleInfo info, std::shared_ptr<v8::CompiledWasmModule> compiled,
           bool lazy, V8Compiler& compiler)
      : id_(id),
        info_(std::move(info)),
        compiled_(std::move(compiled)),
        lazy_(lazy),
        compiler_(compiler) {}

  const std::vector<ImportType>& imports() const override { return info_.imports; }
  const std::vector<ExportType>& exports() const override { return info_.exports; }

  // Unique per engine, so stores can cache their module objects by it.
  uint64_t id() const { return id_; }

  // The code to instantiate when memories may hold at most `max_pages`: the module as given
  // when its own maxima are within the limit, else a copy with lowered maxima, compiled on first
  // request and shared by every store with that limit.
  Result<std::shared_ptr<v8::CompiledWasmModule>> CompiledFor(
      std::optional<uint64_t> max_pages) const;

 private:
  const uint64_t id_;
  const ModuleInfo info_;
  const std::shared_ptr<v8::CompiledWasmModule> compiled_;
  const bool lazy_;
  V8Compiler& compiler_;
  mutable Mutex mu_;
  mutable std::map<uint64_t, std::shared_ptr<v8::CompiledWasmModule>> limited_ GUARDED_BY(mu_);
};

}  // namespace wcloud::wasm
