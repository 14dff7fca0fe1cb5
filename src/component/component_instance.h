// Instantiation (Explainer.md "Instance Definitions"): an InstancePre compiles a component's
// core modules once and checks its imports against a Linker; each Instantiate replays the
// component's definitions in order against a Store, wiring core instances exactly as the
// component's instance graph says (including the preview1 adapter's shim and fixup modules and
// nested components), and yields a ComponentInstance whose exports the host calls.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "component/component.h"
#include "component/instance_data.h"
#include "component/linker.h"
#include "component/value.h"
#include "util/result.h"
#include "wasm/engine.h"
#include "wasm/instance_reset.h"

namespace wcloud::component {

struct Frame;
struct FuncItem;

class ComponentInstance;

struct InstantiateOptions {
  // Saves the new instance's core state so that ComponentInstance::Reset can bring it back
  // (a copy of its memories: worth it only when the instance will be reset).
  bool resettable = false;
};

class InstancePre {
 public:
  // Compiles every core module (nested components' too) and checks that `linker` provides every
  // import; the Error lists all missing imports by name before anything runs.
  static Result<std::shared_ptr<const InstancePre>> Create(
      wasm::Engine& engine, std::shared_ptr<const Component> component,
      std::shared_ptr<const Linker> linker);

  // A new instance in `store`, whose host functions see `data`. The instance must be destroyed
  // before the store.
  Result<std::unique_ptr<ComponentInstance>> Instantiate(
      wasm::Store& store, std::unique_ptr<InstanceData> data,
      const InstantiateOptions& options = {}) const;

  // Whether instances can be reset (every core module is resettable); otherwise the reason.
  bool resettable() const { return not_resettable_.empty(); }
  const std::string& not_resettable_reason() const { return not_resettable_; }

  const Component& component() const { return *component_; }
  const Linker& linker() const { return *linker_; }
  const wasm::Module* ModuleFor(const CoreModuleDef* def) const;

 private:
  InstancePre() = default;
  std::shared_ptr<const Component> component_;
  std::shared_ptr<const Linker> linker_;
  std::unordered_map<const CoreModuleDef*, std::shared_ptr<const wasm::Module>> modules_;
  std::string not_resettable_;
};

// An exported function the host can call.
class ExportedFunc {
 public:
  const FuncType& type() const;
  const std::string& name() const { return name_; }

 private:
  friend class ComponentInstance;
  ExportedFunc(std::string name, std::shared_ptr<FuncItem> func)
      : name_(std::move(name)), func_(std::move(func)) {}
  std::string name_;
  std::shared_ptr<FuncItem> func_;
};

class ComponentInstance {
 public:
  ~ComponentInstance();
  ComponentInstance(const ComponentInstance&) = delete;
  ComponentInstance& operator=(const ComponentInstance&) = delete;

  // A function the component exports: at top level (`interface` empty) or inside the exported
  // instance `interface` (matched by semver compatibility). nullptr when there is none.
  const ExportedFunc* GetExport(std::string_view interface, std::string_view func);

  // Calls an export (`canon lift`). A trap poisons the instance: later calls fail at once.
  Result<std::vector<Value>> Call(const ExportedFunc& func, std::span<const Value> args);

  // Releases an own handle of a guest-defined resource the host received (runs its dtor).
  Status DropResource(const ResourceValue& resource);

  // Makes this instance indistinguishable from a new one: core memories and globals as they were
  // right after instantiation, empty handle tables (no destructor runs: a fresh instance never
  // had those resources), and `data` as its host state. Needs InstantiateOptions::resettable. An
  // Error (a memory grew, a trap poisoned it, a call is in progress) means: discard it.
  Status Reset(std::unique_ptr<InstanceData> data);
  // Whether it was instantiated with InstantiateOptions::resettable (Reset may still fail).
  bool resettable() const { return resettable_; }

  InstanceData& data() { return *data_; }
  bool poisoned() const;

  // The bytes of linear memory its core instances hold now (each memory counted once).
  size_t memory_bytes() const;

 private:
  friend class InstancePre;
  friend struct Frame;
  ComponentInstance() = default;

  std::unique_ptr<InstanceData> data_;
  std::vector<std::unique_ptr<Frame>> frames_;  // frames_[0] is the root component
  std::vector<std::unique_ptr<ExportedFunc>> exported_;
  std::vector<wasm::InstanceSnapshot> snapshots_;  // with InstantiateOptions::resettable
  bool resettable_ = false;
  bool poisoned_ = false;
};

}  // namespace wcloud::component
