// The workload host interfaces of src/plugins as component imports: wasi:keyvalue (store,
// atomics, batch) @0.2.0-draft, wasi:blobstore (blobstore, container, types) @0.2.0-draft,
// wasi:config/store@0.2.0-rc.1 and wasi:logging/logging@0.1.0-draft.
//
// How a host uses it, per workload:
//   KeyValueConnections connections;                     // one per host, from main
//   auto bindings = WorkloadBindings::Create(identity, spec.host_interfaces, connections);
//   auto volumes = WorkloadVolumes::Create(spec.volumes, data_dir);    // lives as the workload
//   for each component:
//     bindings->CheckImports(*component, *linker);       // before InstancePre::Create
//     ComponentPlugins plugins = ForComponent(bindings, c.name, c.local_resources, refs, logger);
//     WasiConfig wasi{.env = plugins.config->Environment(),
//                     .preopens = volumes->Preopens(c.local_resources->volume_mounts)};
//   per instance: AttachWasi(data, wasi); AttachPlugins(data, plugins);
// and once per Linker: AddWasiToLinker(linker); AddPluginsToLinker(linker).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/types.h"
#include "component/instance_data.h"
#include "component/linker.h"
#include "plugins/bindings.h"
#include "plugins/guest_log.h"
#include "plugins/runtime_config.h"

namespace spdlog {
class logger;
}

namespace wcloud::plugins {

// The data of a component's localResources.environment configFrom ConfigMaps and secretFrom
// Secrets, in the manifest's order, as the operator read them.
struct ResolvedReferences {
  std::vector<api::StringMap> config_maps;
  std::vector<api::StringMap> secrets;
};

// What the instances of one component share.
struct ComponentPlugins {
  std::shared_ptr<const WorkloadBindings> bindings;
  std::shared_ptr<const RuntimeConfig> config;
  std::shared_ptr<GuestLog> log;
};

struct PluginResources {
  const component::RuntimeResource* bucket = nullptr;     // wasi:keyvalue/store bucket
  const component::RuntimeResource* container = nullptr;  // wasi:blobstore/container ...
  const component::RuntimeResource* stream_object_names = nullptr;
  const component::RuntimeResource* outgoing_value = nullptr;  // wasi:blobstore/types ...
  const component::RuntimeResource* incoming_value = nullptr;
  // wasi:io/streams' own resources, which wasi:blobstore's values hand out: found in the Linker,
  // so AddWasiToLinker must come first (nullptr without it: those calls trap, naming why).
  const component::RuntimeResource* input_stream = nullptr;
  const component::RuntimeResource* output_stream = nullptr;
};

// Defines every function and resource of the four packages. Holds no state: that lives in each
// instance's InstanceData (AttachPlugins; wasi:blobstore's streams also in its WASI state, so
// AttachWasi too). An instance without it traps when it calls them.
PluginResources AddPluginsToLinker(component::Linker& linker);

// The instance's plugin state: its open buckets, containers and blobstore values, and its share
// of the log rate limit.
void AttachPlugins(component::InstanceData& data, ComponentPlugins plugins);

// A component's plugins: config layered from the workload's wasi:config entry,
// `local_resources.config` and `local_resources.environment` (its literal config, then
// `references`); guest logs
// to `logger` (may be null: lines are dropped) as workload namespace/name and `component`.
ComponentPlugins ForComponent(std::shared_ptr<const WorkloadBindings> bindings,
                              const std::string& component,
                              const std::optional<api::LocalResources>& local_resources,
                              ResolvedReferences references, std::shared_ptr<spdlog::logger> logger,
                              GuestLogOptions log_options = {});

}  // namespace wcloud::plugins
