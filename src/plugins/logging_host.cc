// wasi:logging/logging@0.1.0-draft: guest lines to the host's log, rate limited per instance.
#include "plugins/plugin_state.h"

namespace wcloud::plugins {

void DefineLogging(component::Linker& linker) {
  DefinePlugin(linker, std::string("wasi:logging/logging@") + kLoggingVersion, "log", 3,
               [](PluginState& state, std::span<const Value> args, std::vector<Value>&) -> Status {
                 uint32_t level = args[0].as_case().index;
                 if (level > static_cast<uint32_t>(GuestLevel::kCritical)) {
                   return Status(Error("level " + std::to_string(level) + " is not a level"));
                 }
                 if (state.log) {
                   state.log->Log(static_cast<GuestLevel>(level), args[1].as_string(),
                                  args[2].as_string());
                 }
                 return Ok();
               });
}

}  // namespace wcloud::plugins
