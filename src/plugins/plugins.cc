#include "plugins/plugins.h"

#include "plugins/plugin_state.h"
#include "wasi/host_call.h"

namespace wcloud::plugins {

namespace {

// `call(state, cx, args, out)` behind the checks every plugin function shares.
template <class Call>
void Define(component::Linker& linker, std::string_view interface, std::string_view name,
            size_t arity, Call call) {
  std::string where = std::string(interface) + "#" + std::string(name);
  linker.DefineFunc(interface, name,
                    [call = std::move(call), arity, where](component::CallContext& cx,
                                                           std::span<const Value> args,
                                                           std::vector<Value>& out) -> Status {
                      if (args.size() != arity) {
                        return Error(where + ": called with " + std::to_string(args.size()) +
                                     " arguments, expected " + std::to_string(arity));
                      }
                      PluginState* state = cx.data().Find<PluginState>();
                      if (state == nullptr) {
                        return Error(where + ": the instance has no host interfaces attached");
                      }
                      auto done = call(*state, cx, args, out);
                      if (!done) return done.error().Wrap(where);
                      return Ok();
                    });
}

}  // namespace

void DefinePlugin(component::Linker& linker, std::string_view interface, std::string_view name,
                  size_t arity, PluginFunction fn) {
  Define(
      linker, interface, name, arity,
      [fn = std::move(fn)](PluginState& state, component::CallContext&, std::span<const Value> args,
                           std::vector<Value>& out) { return fn(state, args, out); });
}

void DefinePlugin(component::Linker& linker, std::string_view interface, std::string_view name,
                  size_t arity, PluginContextFunction fn) {
  Define(linker, interface, name, arity, std::move(fn));
}

PluginResources AddPluginsToLinker(component::Linker& linker) {
  PluginResources res;
  res.bucket = linker.DefineResource(std::string("wasi:keyvalue/store@") + kKeyValueVersion,
                                     "bucket", [](component::CallContext& cx, uint32_t rep) {
                                       if (PluginState* state = cx.data().Find<PluginState>())
                                         state->buckets.Remove(rep);
                                     });
  auto drop_from = [](auto table) {
    return [table](component::CallContext& cx, uint32_t rep) {
      if (PluginState* state = cx.data().Find<PluginState>()) (state->*table).Remove(rep);
    };
  };
  const std::string container = std::string("wasi:blobstore/container@") + kBlobstoreVersion;
  const std::string types = std::string("wasi:blobstore/types@") + kBlobstoreVersion;
  res.container =
      linker.DefineResource(container, "container", drop_from(&PluginState::containers));
  res.stream_object_names = linker.DefineResource(container, "stream-object-names",
                                                  drop_from(&PluginState::object_names));
  res.outgoing_value =
      linker.DefineResource(types, "outgoing-value", drop_from(&PluginState::outgoing_values));
  res.incoming_value =
      linker.DefineResource(types, "incoming-value", drop_from(&PluginState::incoming_values));
  res.input_stream = linker.FindResource(wasi::Versioned("wasi:io/streams"), "input-stream");
  res.output_stream = linker.FindResource(wasi::Versioned("wasi:io/streams"), "output-stream");
  DefineKeyValue(linker, res);
  DefineBlobstore(linker, res);
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
