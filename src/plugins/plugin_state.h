// One instance's plugin state and the helper every plugin host function is defined with.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "component/linker.h"
#include "component/value.h"
#include "plugins/blob_body.h"
#include "plugins/plugins.h"
#include "util/result.h"
#include "wasi/resource_table.h"

namespace wcloud::plugins {

using component::Value;

// The objects behind wasi:blobstore's handles (blobstore_host.cc).
struct OutgoingBlob {
  std::shared_ptr<BlobBody> body;
  bool stream_taken = false;  // outgoing-value-write-body succeeds once
};
struct IncomingBlob {
  HeldBytes data;
};
struct ObjectNameStream {
  std::vector<std::string> names;
  size_t next = 0;  // the first name not yet read or skipped
};

struct PluginState {
  explicit PluginState(ComponentPlugins p)
      : plugins(std::move(p)),
        log(plugins.log ? std::optional<GuestLog::Instance>(plugins.log) : std::nullopt),
        blob_budget(std::make_shared<BlobBudget>(
            kBlobBudgetObjects *
            (plugins.bindings ? plugins.bindings->MaxObjectBytes() : kDefaultMaxObjectBytes))) {}

  // The instance's wasi:blobstore values may hold this many of its largest objects at once.
  static constexpr uint64_t kBlobBudgetObjects = 4;

  ComponentPlugins plugins;
  std::optional<GuestLog::Instance> log;
  std::shared_ptr<BlobBudget> blob_budget;
  wasi::ResourceTable<BucketBinding> buckets{"wasi:keyvalue/store bucket"};
  wasi::ResourceTable<ContainerBinding> containers{"wasi:blobstore/container container"};
  wasi::ResourceTable<ObjectNameStream> object_names{
      "wasi:blobstore/container stream-object-names"};
  wasi::ResourceTable<OutgoingBlob> outgoing_values{"wasi:blobstore/types outgoing-value"};
  wasi::ResourceTable<IncomingBlob> incoming_values{"wasi:blobstore/types incoming-value"};
};

using PluginFunction =
    std::function<Status(PluginState& state, std::span<const Value> args, std::vector<Value>& out)>;
// For functions that also reach the instance's other state (WASI's stream tables).
using PluginContextFunction =
    std::function<Status(PluginState& state, component::CallContext& cx,
                         std::span<const Value> args, std::vector<Value>& out)>;

// Defines `name` in `interface` (full name with version). A call with other than `arity`
// arguments, or from an instance without AttachPlugins, traps naming the function.
void DefinePlugin(component::Linker& linker, std::string_view interface, std::string_view name,
                  size_t arity, PluginFunction fn);
void DefinePlugin(component::Linker& linker, std::string_view interface, std::string_view name,
                  size_t arity, PluginContextFunction fn);

void DefineKeyValue(component::Linker& linker, const PluginResources& res);
void DefineBlobstore(component::Linker& linker, const PluginResources& res);
void DefineConfig(component::Linker& linker);
void DefineLogging(component::Linker& linker);

}  // namespace wcloud::plugins
