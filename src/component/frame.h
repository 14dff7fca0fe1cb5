// Internal to instantiation: the runtime index spaces of one component instance (in the
// spec's sense: the root component or an instance of a nested one), filled as its definitions
// are replayed, plus its handle table and the resource types it defines.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "component/canonical_abi.h"
#include "component/component.h"
#include "component/instance_data.h"
#include "component/linker.h"
#include "component/resource_table.h"
#include "wasm/engine.h"

namespace wcloud::component {

class ComponentInstance;
class InstancePre;
struct Frame;

struct CanonRuntimeOptions {
  StringEncoding encoding = StringEncoding::kUtf8;
  std::shared_ptr<wasm::Memory> memory;
  std::shared_ptr<wasm::Func> realloc;
  std::shared_ptr<wasm::Func> post_return;
};

// A component-level function: a host function (an import) or a lifted core function.
struct FuncItem {
  std::string name;  // for messages: "wasi:cli/environment@0.2.0#get-environment"
  FuncTypeRef type;
  const HostFunction* host = nullptr;
  Frame* frame = nullptr;  // lifted: the instance it runs in
  std::shared_ptr<wasm::Func> core;
  CanonRuntimeOptions options;
  // Lifted: how `type` flattens, worked out where the `canon lift` is defined. Refers to *type,
  // which the item holds.
  std::optional<FlatSignature> signature;
};

// A resource type defined by a guest instance: its runtime identity and destructor.
struct GuestResource {
  RuntimeResource runtime;
  std::shared_ptr<wasm::Func> dtor;  // may be null
  Frame* owner = nullptr;
};

struct TypeItem {
  TypeDefRef def;
  const RuntimeResource* resource = nullptr;  // resources: the runtime type
};

struct InstanceItem;
struct ComponentItem {
  std::shared_ptr<const Component> component;
  Frame* scope = nullptr;  // the frame it was defined in (outer aliases resolve there)
};

struct CoreInstanceItem {
  std::unique_ptr<wasm::Instance> instance;                   // instantiated module, or
  std::vector<std::pair<std::string, wasm::Extern>> exports;  // inline exports
  std::optional<wasm::Extern> Get(std::string_view name) const;
};

using Item = std::variant<std::shared_ptr<FuncItem>, TypeItem, std::shared_ptr<InstanceItem>,
                          ComponentItem, const wasm::Module*>;

struct InstanceItem {
  std::vector<std::pair<std::string, Item>> exports;
  const Item* Find(std::string_view name) const;
};

// What a lowered import's trampoline needs, owned by the frame: V8 keeps a host function's
// closure alive as long as the function, and a closure holding the memory or realloc itself
// would keep the whole instance graph reachable from a GC root forever.
struct LoweredImport {
  std::weak_ptr<FuncItem> func;
  CanonRuntimeOptions options;
};

struct Frame {
  ComponentInstance* root = nullptr;
  bool is_root = false;
  std::vector<std::unique_ptr<Frame>>* all_frames = nullptr;  // owned by the root instance
  Frame* scope = nullptr;  // lexically enclosing component instance (outer aliases)
  const Component* component = nullptr;

  std::vector<std::shared_ptr<wasm::Func>> core_funcs;
  std::vector<std::shared_ptr<wasm::Table>> core_tables;
  std::vector<std::shared_ptr<wasm::Memory>> core_memories;
  std::vector<std::shared_ptr<wasm::Global>> core_globals;
  std::vector<const CoreTypeDef*> core_types;
  std::vector<const wasm::Module*> core_modules;
  std::vector<std::shared_ptr<CoreInstanceItem>> core_instances;

  std::vector<std::shared_ptr<FuncItem>> funcs;
  std::vector<TypeItem> types;
  std::vector<ComponentItem> components;
  std::vector<std::shared_ptr<InstanceItem>> instances;

  std::vector<std::pair<std::string, Item>> imports;  // nested: the instantiate args by name
  std::shared_ptr<InstanceItem> exports = std::make_shared<InstanceItem>();

  // Static resource types of this component's type definitions → runtime types.
  std::unordered_map<const ResourceType*, const RuntimeResource*> resources;
  std::vector<std::unique_ptr<GuestResource>> defined_resources;
  std::vector<std::unique_ptr<LoweredImport>> lowered;
  ResourceTable handles;
  uint32_t live_borrows = 0;  // borrow handles lent into the call in progress
  bool may_enter = true;

  // The runtime type of a static resource type, searching enclosing frames (outer aliases).
  const RuntimeResource* ResolveResource(const ResourceType& type) const;
  // Binds every resource type that `type` (an import's or an instance's type) mentions.
  void BindResources(const ExternType& type, const Item& item);
};

// Replays `component`'s definitions into `frame`. Defined in component_instance.cc.
Status ReplayDefinitions(const InstancePre& pre, wasm::Store& store, Frame& frame);

// Calls a lifted function (`canon lift`) or a host function with component values.
Result<std::vector<Value>> CallFunc(FuncItem& func, std::span<const Value> args);

// The core function a `canon lower` of `func` produces in `frame`.
std::shared_ptr<wasm::Func> LowerFunc(wasm::Store& store, Frame& frame,
                                      std::shared_ptr<FuncItem> func, CanonRuntimeOptions options);

// Drops a handle's resource: runs the guest dtor or the host's.
Status DestroyResource(Frame& frame, const RuntimeResource* type, uint32_t rep);

}  // namespace wcloud::component
