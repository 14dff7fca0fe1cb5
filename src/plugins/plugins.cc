#include "plugins/plugins.h"

#include "plugins/plugin_state.h"

namespace wcloud::plugins {

void DefinePlugin(component::Linker& linker, std::string_view interface, std::string_view name,
                  size_t arity, PluginFunction fn) {
  std::string where = std::string(interface) + "#" + std::string(name);
  linker.DefineFunc(
      interface, name,
      [fn = std::move(fn), arity, where](component::CallContext& cx, std::span<const Value> args,
                                         std::vector<Value>& out) -> Status {
        if (args.size() != arity) {
          return Error(where + ": called with " + std::to_string(args.size()) +
                       " arguments, expected " + std::to_string(arity));
        }
        PluginState* state = cx.data().Find<PluginState>();
        if (state == nullptr) {
          return Error(where + ": the instance has no host interfaces attached");
        }
        auto done = fn(*state, args, out);
        if (!done) return done.error().Wrap(where);
        return Ok();
      });
}

PluginResources AddPluginsToLinker(component::Linker& linker) {
  PluginResources res;
  res.bucket = linker.DefineResource(std::string("wasi:keyvalue/store@") + kKeyValueVersion,
                                     "bucket", [](component::CallContext& cx, uint32_t rep) {
                                       if (PluginState* state = cx.data().Find<PluginState>())
                                         state->buckets.Remove(rep);
                                     });
  DefineKeyValue(linker, res);
  DefineConfig(linker);
  DefineLogging(linker);
  return res;
}

void AttachPlugins(component::InstanceData& data, ComponentPlugins plugins) {
  data.Emplace<PluginState>(std::move(plugins));
}

ComponentPlugins ForComponent(std::shared_ptr<const WorkloadBindings> bindings,
                              const std::string& component,
                              const std::optional<api::LocalResources>& local_resources,
                              ResolvedReferences references, std::shared_ptr<spdlog::logger> logger,
                              GuestLogOptions log_options) {
  EnvironmentInputs environment{
      {}, std::move(references.config_maps), std::move(references.secrets)};
  api::StringMap local_config;
  if (local_resources) {
    local_config = local_resources->config;
    if (local_resources->environment) environment.config = local_resources->environment->config;
  }
  auto config = std::make_shared<const RuntimeConfig>(
      bindings ? bindings->ConfigOf("wasi", "config") : api::StringMap(), local_config,
      environment);
  std::string workload =
      bindings ? bindings->identity().namespace_ + "/" + bindings->identity().name : "";
  auto log = std::make_shared<GuestLog>(std::move(logger), std::move(workload), component, config,
                                        log_options);
  return {std::move(bindings), std::move(config), std::move(log)};
}

}  // namespace wcloud::plugins
