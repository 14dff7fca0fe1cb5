// The host side of component imports: implementations of imported interfaces, defined by name
// and matched by semver compatibility, so one `wasi:io/streams@0.2.x` implementation serves a
// component that imports both @0.2.10 and @0.2.12 (componentize-js output does exactly that).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component/instance_data.h"
#include "component/value.h"
#include "util/result.h"

namespace wcloud::component {

class ComponentInstance;

// What a host function sees of the call: the calling instance's host state.
class CallContext {
 public:
  CallContext(ComponentInstance* instance, InstanceData* data) : instance_(instance), data_(data) {}
  InstanceData& data() { return *data_; }
  ComponentInstance* instance() { return instance_; }

 private:
  ComponentInstance* instance_;
  InstanceData* data_;
};

// A host function of an imported interface. `args` are lifted according to the component's
// declared import type; `results` receives one Value per declared result. Returning an Error
// traps the guest. A host function that meets a Value of an unexpected shape may let
// std::bad_variant_access escape: the runtime turns it into a trap naming the function.
using HostFunction = std::function<Status(CallContext& cx, std::span<const Value> args,
                                          std::vector<Value>& results)>;

// A resource type implemented by the host. `rep` values are the host's own (an index into a
// per-instance object table, typically); the destructor runs when the guest drops the last own
// handle.
struct RuntimeResource {
  std::string interface;  // "wasi:io/streams@0.2.12"
  std::string name;       // "output-stream"
  std::function<void(CallContext& cx, uint32_t rep)> dtor;
  // Set for resources defined by a guest component instance, nullptr for host resources.
  const void* guest_owner = nullptr;
};

// "wasi:io/streams@0.2.12" → "wasi:io/streams@0.2": the part of a versioned name that semver
// compatibility keeps (major, or major.minor for 0.x, or the full 0.0.x). Unversioned names are
// returned unchanged.
std::string CompatibleName(std::string_view name);

class Linker {
 public:
  Linker() = default;
  Linker(const Linker&) = delete;
  Linker& operator=(const Linker&) = delete;

  // `interface` is the import's full name ("wasi:cli/environment@0.2.0"); an empty interface
  // defines a top-level function import named `name`. A later definition replaces an earlier.
  void DefineFunc(std::string_view interface, std::string_view name, HostFunction fn);
  const RuntimeResource* DefineResource(std::string_view interface, std::string_view name,
                                        std::function<void(CallContext&, uint32_t)> dtor);

  // Lookups use CompatibleName on the interface; nullptr when absent.
  const HostFunction* FindFunc(std::string_view interface, std::string_view name) const;
  const RuntimeResource* FindResource(std::string_view interface, std::string_view name) const;
  // Whether anything is defined for the interface (for "missing import" reports).
  bool HasInterface(std::string_view interface) const;

 private:
  struct Interface {
    std::map<std::string, HostFunction, std::less<>> funcs;
    std::map<std::string, std::unique_ptr<RuntimeResource>, std::less<>> resources;
  };
  std::map<std::string, Interface, std::less<>> interfaces_;  // by CompatibleName
};

}  // namespace wcloud::component
