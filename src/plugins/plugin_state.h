// One instance's plugin state and the helper every plugin host function is defined with.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "component/linker.h"
#include "component/value.h"
#include "plugins/plugins.h"
#include "util/result.h"
#include "wasi/resource_table.h"

namespace wcloud::plugins {

using component::Value;

struct PluginState {
  explicit PluginState(ComponentPlugins p)
      : plugins(std::move(p)),
        log(plugins.log ? std::optional<GuestLog::Instance>(plugins.log) : std::nullopt) {}

  ComponentPlugins plugins;
  std::optional<GuestLog::Instance> log;
  wasi::ResourceTable<BucketBinding> buckets{"wasi:keyvalue/store bucket"};
};

using PluginFunction =
    std::function<Status(PluginState& state, std::span<const Value> args, std::vector<Value>& out)>;

// Defines `name` in `interface` (full name with version). A call with other than `arity`
// arguments, or from an instance without AttachPlugins, traps naming the function.
void DefinePlugin(component::Linker& linker, std::string_view interface, std::string_view name,
                  size_t arity, PluginFunction fn);

void DefineKeyValue(component::Linker& linker, const PluginResources& res);
void DefineConfig(component::Linker& linker);
void DefineLogging(component::Linker& linker);

}  // namespace wcloud::plugins
