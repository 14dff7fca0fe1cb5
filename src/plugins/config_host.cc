// wasi:config/store@0.2.0-rc.1: the component's layered runtime configuration. The values are in
// memory, so neither function fails.
#include "plugins/plugin_state.h"

namespace wcloud::plugins {

void DefineConfig(component::Linker& linker) {
  const std::string store = std::string("wasi:config/store@") + kConfigVersion;
  DefinePlugin(
      linker, store, "get", 1,
      [](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        std::optional<std::string> v;
        if (state.plugins.config) v = state.plugins.config->Get(args[0].as_string());
        out.push_back(Value::Ok(v ? Value::Some(Value::String(*v)) : Value::None()));
        return Ok();
      });
  DefinePlugin(linker, store, "get-all", 0,
               [](PluginState& state, std::span<const Value>, std::vector<Value>& out) -> Status {
                 std::vector<Value> pairs;
                 if (state.plugins.config) {
                   for (const auto& [k, v] : state.plugins.config->values()) {
                     pairs.push_back(Value::Aggregate({Value::String(k), Value::String(v)}));
                   }
                 }
                 out.push_back(Value::Ok(Value::Aggregate(std::move(pairs))));
                 return Ok();
               });
}

}  // namespace wcloud::plugins
