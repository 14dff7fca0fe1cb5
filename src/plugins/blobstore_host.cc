// wasi:blobstore/{blobstore,container,types}@0.2.0-draft over the workload's bindings. Backend
// failures, missing containers and objects, bad names and oversize values are the guest's
// `error` strings, naming the container and object; only a malformed call (a stale handle, an
// instance without WASI) traps.
//
// Values. An outgoing-value is a BlobBody: outgoing-value-write-body hands the guest that same
// object as a wasi:io output-stream in the instance's WASI tables, so src/wasi's stream
// functions (check-write, write, blocking-write-and-flush, subscribe, ...) serve it like any
// other stream. write-data stores what the value holds at that moment (the object exists when
// write-data returns ok; wasmCloud stores at finish instead, which the usual write-data-then-
// finish order cannot tell apart); finish ends the value. An incoming-value holds the bytes
// get-data read: consume-sync returns them as a list<u8>, consume-async as a MemoryInputStream
// in the WASI tables. Every value is held whole in memory, which is why objects are capped
// (ContainerBinding::max_object_bytes, 64 MiB unless configured): bytes past the cap fail the
// stream write that carries them, write-data refuses the value, and an object already stored
// under the name stays as it was. What one instance's values hold at once is capped too
// (PluginState::blob_budget: four of its largest objects), so values a guest keeps open cannot
// exhaust the host's memory.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "plugins/plugin_state.h"
#include "wasi/host_call.h"
#include "wasi/memory_streams.h"
#include "wasi/wasi_state.h"

namespace wcloud::plugins {
namespace {

// The longest object name: what nats::ObjectStore accepts (its meta subject must fit a protocol
// line), applied to every backend so that a workload moves between them unchanged.
constexpr size_t kMaxObjectNameBytes = 1024;

std::string Interface(const char* name) {
  return std::string("wasi:blobstore/") + name + "@" + kBlobstoreVersion;
}

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

// At most the first `n` bytes of `s`, cut where a UTF-8 character starts: messages are strings
// the guest receives, which must stay valid UTF-8.
std::string Prefix(const std::string& s, size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

// The guest's `error` string, with any secret value of the workload's config redacted.
Value ErrorValue(const PluginState& state, const Error& e) {
  const std::string& m = e.message();
  return Value::Err(Value::String(state.plugins.config ? state.plugins.config->Redact(m) : m));
}

// A backend's Error in the guest's words: the codes blobstore_backend.h names become messages
// with the guest's container and object names; anything else keeps the backend's message.
Error Describe(const ContainerBinding& c, const std::string& object, const Error& e) {
  const std::string container = "container " + Quoted(c.name);
  const std::string where = container + (object.empty() ? "" : ": object " + Quoted(object));
  switch (e.code()) {
    case kNoSuchContainer:
      return Error(container + " does not exist");
    case kNoSuchObject:
      return Error(container + " has no object " + Quoted(object));
    case kContainerExists:
      return Error(container + " already exists");
    case kObjectTooLarge:
      return Error(where + " is larger than the object size limit of " +
                   std::to_string(c.max_object_bytes) +
                   " bytes (hostInterfaces config.max_object_bytes)");
    default:
      return Error(where + ": " + e.message());
  }
}

Status CheckObjectName(const ContainerBinding& c, const std::string& name) {
  if (name.empty() || name.size() > kMaxObjectNameBytes) {
    return Error("container " + Quoted(c.name) + ": object name " + Quoted(Prefix(name, 64)) +
                 " must be 1-" + std::to_string(kMaxObjectNameBytes) + " bytes");
  }
  return Ok();
}

Result<ContainerBinding> Resolve(const PluginState& state, const std::string& name) {
  if (!state.plugins.bindings) {
    return Error("no wasi:blobstore hostInterfaces entry serves container " + Quoted(name));
  }
  return state.plugins.bindings->OpenContainer(name);
}

// The ok payload of a result; none for result<_, error>.
using Payload = std::optional<Value>;

Result<Payload> Unit(Status s) {
  if (!s) return s.error();
  return Payload();
}

// `op`'s Error becomes the guest's error value, its payload the ok case.
void Answer(PluginState& state, Result<Payload> value, std::vector<Value>& out) {
  if (!value) {
    out.push_back(ErrorValue(state, value.error()));
  } else {
    out.push_back(*value ? Value::Ok(std::move(**value)) : Value::Ok());
  }
}

// The object's bytes start..=end (inclusive, as the WIT says), clamped to the object; an end
// before the start is an error, a start past the end of the object an empty value.
Result<Bytes> ReadRange(const ContainerBinding& c, const std::string& name, uint64_t start,
                        uint64_t end) {
  if (start > end) {
    return Error("container " + Quoted(c.name) + ": object " + Quoted(name) + ": start " +
                 std::to_string(start) + " is after end " + std::to_string(end));
  }
  auto data = c.backend->Get(c.bucket, name, c.max_object_bytes);
  if (!data) return Describe(c, name, data.error());
  if (start >= data->size()) return Bytes();
  const uint64_t last = std::min<uint64_t>(end, data->size() - 1);
  if (start == 0 && last + 1 == data->size()) return std::move(*data);
  return Bytes(data->begin() + static_cast<ptrdiff_t>(start),
               data->begin() + static_cast<ptrdiff_t>(last + 1));
}

Status Store(const ContainerBinding& c, const std::string& name, const Bytes& data) {
  if (data.size() > c.max_object_bytes) {
    return Error("container " + Quoted(c.name) + ": object " + Quoted(name) + ": the value is " +
                     std::to_string(data.size()) + " bytes, over the object size limit of " +
                     std::to_string(c.max_object_bytes) +
                     " bytes (hostInterfaces config.max_object_bytes)",
                 kObjectTooLarge);
  }
  Status put = c.backend->Put(c.bucket, name, data);
  if (!put) return Describe(c, name, put.error());
  return Ok();
}

// An object-id record {container, object} resolved; the object name checked.
struct ObjectRef {
  ContainerBinding container;
  std::string object;
};

Result<ObjectRef> ResolveObject(const PluginState& state, const Value& id) {
  const std::string& container = id.items().at(0).as_string();
  const std::string& object = id.items().at(1).as_string();
  WCLOUD_ASSIGN_OR_RETURN(ContainerBinding c, Resolve(state, container));
  WCLOUD_TRY_STATUS(CheckObjectName(c, object));
  return ObjectRef{std::move(c), object};
}

// copy-object: the source read whole, then stored at the destination, whose container must
// exist (the put says so when it does not).
Status Copy(const ObjectRef& src, const ObjectRef& dest) {
  auto data =
      src.container.backend->Get(src.container.bucket, src.object, src.container.max_object_bytes);
  if (!data) return Describe(src.container, src.object, data.error());
  return Store(dest.container, dest.object, *data);
}

wasi::WasiState* WasiOf(component::CallContext& cx) { return cx.data().Find<wasi::WasiState>(); }

// Traps (a host setup error, not the guest's): the streams need WASI in the Linker and in the
// instance.
Status NeedStreams(const component::RuntimeResource* type, wasi::WasiState* wasi) {
  if (type == nullptr) {
    return Error(
        "wasi:io/streams is not defined in this Linker (AddWasiToLinker must come "
        "before AddPluginsToLinker)");
  }
  if (wasi == nullptr) return Error("the instance has no WASI state for the value's stream");
  return Ok();
}

// get-data: the range read, counted against the instance's budget, as a new incoming-value. A
// handle that cannot be made (the guest holds a million) is an error value too.
Result<Payload> GetData(PluginState& state, const PluginResources& res, const ContainerBinding& c,
                        const std::string& name, uint64_t start, uint64_t end) {
  WCLOUD_ASSIGN_OR_RETURN(Bytes data, ReadRange(c, name, start, end));
  auto held = HeldBytes::Hold(std::move(data), state.blob_budget);
  if (!held) {
    return Error("container " + Quoted(c.name) + ": object " + Quoted(name) +
                 ": not read: " + held.error().message());
  }
  WCLOUD_ASSIGN_OR_RETURN(Value handle, wasi::NewHandle(state.incoming_values, res.incoming_value,
                                                        IncomingBlob{std::move(*held)}));
  return Payload(std::move(handle));
}

// create-container (`create`) or get-container: a handle on the container, made or found.
Result<Payload> OpenContainer(PluginState& state, const PluginResources& res,
                              const std::string& name, bool create) {
  WCLOUD_ASSIGN_OR_RETURN(ContainerBinding c, Resolve(state, name));
  if (create) {
    Status made = c.backend->CreateContainer(c.bucket);
    if (!made) return Describe(c, "", made.error());
  } else {
    auto exists = c.backend->ContainerExists(c.bucket);
    if (!exists) return Describe(c, "", exists.error());
    if (!*exists) return Describe(c, "", Error("", kNoSuchContainer));
  }
  WCLOUD_ASSIGN_OR_RETURN(Value handle, wasi::NewHandle(state.containers, res.container, c));
  return Payload(std::move(handle));
}

// Deleting a container that does not exist is not an error, as for delete-object.
Result<Payload> DeleteContainer(PluginState& state, const std::string& name) {
  WCLOUD_ASSIGN_OR_RETURN(ContainerBinding c, Resolve(state, name));
  Status deleted = c.backend->DeleteContainer(c.bucket);
  if (!deleted && deleted.error().code() != kNoSuchContainer) {
    return Describe(c, "", deleted.error());
  }
  return Payload();
}

Result<Payload> ContainerExists(PluginState& state, const std::string& name) {
  WCLOUD_ASSIGN_OR_RETURN(ContainerBinding c, Resolve(state, name));
  auto exists = c.backend->ContainerExists(c.bucket);
  if (!exists) return Describe(c, "", exists.error());
  return Payload(Value::Bool(*exists));
}

// copy-object, or move-object (`move`): a copy, then the source deleted.
Result<Payload> Transfer(PluginState& state, const Value& src_id, const Value& dest_id, bool move) {
  WCLOUD_ASSIGN_OR_RETURN(ObjectRef src, ResolveObject(state, src_id));
  WCLOUD_ASSIGN_OR_RETURN(ObjectRef dest, ResolveObject(state, dest_id));
  const ContainerBinding& from = src.container;
  if (from.backend == dest.container.backend && from.bucket == dest.container.bucket &&
      src.object == dest.object) {
    // Onto itself: nothing to copy, and a move must not delete it.
    auto info = from.backend->Info(from.bucket, src.object);
    if (!info) return Describe(from, src.object, info.error());
    return Payload();
  }
  WCLOUD_TRY_STATUS(Copy(src, dest));
  if (move) {
    Status deleted = from.backend->Delete(from.bucket, src.object);
    if (!deleted) {
      return Describe(from, src.object, deleted.error())
          .Wrap("copied, but the source was not deleted");
    }
  }
  return Payload();
}

// Defines a function whose result<T, error> is `fn`'s: its Error the error case.
void DefineResult(component::Linker& linker, const std::string& interface, const char* name,
                  size_t arity,
                  std::function<Result<Payload>(PluginState&, std::span<const Value>)> fn) {
  DefinePlugin(linker, interface, name, arity,
               [fn = std::move(fn)](PluginState& state, std::span<const Value> args,
                                    std::vector<Value>& out) {
                 Answer(state, fn(state, args), out);
                 return Ok();
               });
}

void DefineBlobstoreInterface(component::Linker& linker, const PluginResources& res) {
  const std::string blobstore = Interface("blobstore");
  for (const bool create : {true, false}) {
    DefineResult(linker, blobstore, create ? "create-container" : "get-container", 1,
                 [res, create](PluginState& state, std::span<const Value> args) {
                   return OpenContainer(state, res, args[0].as_string(), create);
                 });
  }
  DefineResult(linker, blobstore, "delete-container", 1,
               [](PluginState& state, std::span<const Value> args) {
                 return DeleteContainer(state, args[0].as_string());
               });
  DefineResult(linker, blobstore, "container-exists", 1,
               [](PluginState& state, std::span<const Value> args) {
                 return ContainerExists(state, args[0].as_string());
               });
  for (const bool move : {false, true}) {
    DefineResult(linker, blobstore, move ? "move-object" : "copy-object", 2,
                 [move](PluginState& state, std::span<const Value> args) {
                   return Transfer(state, args[0], args[1], move);
                 });
  }
}

// A container method ("name"): `fn` runs on the container behind args[0], and its result is the
// guest's.
using ContainerMethod =
    std::function<Result<Payload>(PluginState&, ContainerBinding&, std::span<const Value>)>;

void DefineMethod(component::Linker& linker, const PluginResources& res, const char* method,
                  size_t arity, ContainerMethod fn) {
  DefinePlugin(linker, Interface("container"), std::string("[method]container.") + method, arity,
               [res, fn = std::move(fn)](PluginState& state, std::span<const Value> args,
                                         std::vector<Value>& out) -> Status {
                 WCLOUD_ASSIGN_OR_RETURN(ContainerBinding * c,
                                         wasi::Lookup(state.containers, args[0], res.container));
                 Answer(state, fn(state, *c, args), out);
                 return Ok();
               });
}

// A container method whose args[1] names an object: the name is checked before `fn` runs.
void DefineObjectMethod(
    component::Linker& linker, const PluginResources& res, const char* method, size_t arity,
    std::function<Result<Payload>(PluginState&, ContainerBinding&, const std::string& name,
                                  std::span<const Value>)>
        fn) {
  DefineMethod(linker, res, method, arity,
               [fn = std::move(fn)](PluginState& state, ContainerBinding& c,
                                    std::span<const Value> args) -> Result<Payload> {
                 const std::string& name = args[1].as_string();
                 WCLOUD_TRY_STATUS(CheckObjectName(c, name));
                 return fn(state, c, name, args);
               });
}

Result<Payload> ContainerInfo(const ContainerBinding& c) {
  auto created = c.backend->ContainerCreatedAt(c.bucket);
  if (!created) return Describe(c, "", created.error());
  return Payload(Value::Aggregate({Value::String(c.name), Value::Unsigned(*created)}));
}

// write-data: what the value holds now becomes the object.
Result<Payload> WriteData(const ContainerBinding& c, const std::string& name,
                          const BlobBody& body) {
  WCLOUD_TRY_STATUS(CheckObjectName(c, name));
  auto contents = body.contents();
  if (!contents) {
    return Error("container " + Quoted(c.name) + ": object " + Quoted(name) +
                 ": not written: " + contents.error().message());
  }
  return Unit(Store(c, name, **contents));
}

Result<Payload> ListObjects(PluginState& state, const PluginResources& res,
                            const ContainerBinding& c) {
  auto names = c.backend->List(c.bucket);
  if (!names) return Describe(c, "", names.error());
  WCLOUD_ASSIGN_OR_RETURN(Value handle, wasi::NewHandle(state.object_names, res.stream_object_names,
                                                        ObjectNameStream{std::move(*names), 0}));
  return Payload(std::move(handle));
}

Result<Payload> DeleteObjects(const ContainerBinding& c, const Value& names) {
  // Every name is checked before anything is deleted.
  for (const Value& name : names.items()) WCLOUD_TRY_STATUS(CheckObjectName(c, name.as_string()));
  for (const Value& name : names.items()) {
    Status deleted = c.backend->Delete(c.bucket, name.as_string());
    if (!deleted) return Describe(c, name.as_string(), deleted.error());
  }
  return Payload();
}

Result<Payload> ObjectInfo(const ContainerBinding& c, const std::string& name) {
  auto info = c.backend->Info(c.bucket, name);
  if (!info) return Describe(c, name, info.error());
  return Payload(
      Value::Aggregate({Value::String(name), Value::String(c.name),
                        Value::Unsigned(info->created_at), Value::Unsigned(info->size)}));
}

Result<Payload> HasObject(const ContainerBinding& c, const std::string& name) {
  auto info = c.backend->Info(c.bucket, name);
  if (!info && info.error().code() == kNoSuchObject) return Payload(Value::Bool(false));
  if (!info) return Describe(c, name, info.error());
  return Payload(Value::Bool(true));
}

Result<Payload> Clear(const ContainerBinding& c) {
  auto listed = c.backend->List(c.bucket);
  if (!listed) return Describe(c, "", listed.error());
  for (const std::string& name : *listed) {
    Status deleted = c.backend->Delete(c.bucket, name);
    if (!deleted) return Describe(c, name, deleted.error());
  }
  return Payload();
}

// read-stream-object-names (or skip-): up to `len` names, and whether none are left.
Value NextNames(ObjectNameStream& s, uint64_t len, bool skip) {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(len, s.names.size() - s.next));
  Value first;
  if (skip) {
    first = Value::Unsigned(n);
  } else {
    std::vector<Value> names;
    names.reserve(n);
    for (size_t i = 0; i < n; ++i) names.push_back(Value::String(std::move(s.names[s.next + i])));
    first = Value::Aggregate(std::move(names));
  }
  s.next += n;
  return Value::Aggregate({std::move(first), Value::Bool(s.next == s.names.size())});
}

void DefineContainerInterface(component::Linker& linker, const PluginResources& res) {
  using Args = std::span<const Value>;
  DefineMethod(linker, res, "name", 1,
               [](PluginState&, ContainerBinding& c, Args) -> Result<Payload> {
                 return Payload(Value::String(c.name));
               });
  DefineMethod(linker, res, "info", 1,
               [](PluginState&, ContainerBinding& c, Args) { return ContainerInfo(c); });
  DefineObjectMethod(
      linker, res, "get-data", 4,
      [res](PluginState& state, ContainerBinding& c, const std::string& name, Args args) {
        return GetData(state, res, c, name, args[2].as_unsigned(), args[3].as_unsigned());
      });
  // Both handles are looked up first: a stale one is a malformed call, which traps.
  DefinePlugin(
      linker, Interface("container"), "[method]container.write-data", 3,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(ContainerBinding * c,
                                wasi::Lookup(state.containers, args[0], res.container));
        WCLOUD_ASSIGN_OR_RETURN(OutgoingBlob * value,
                                wasi::Lookup(state.outgoing_values, args[2], res.outgoing_value));
        Answer(state, WriteData(*c, args[1].as_string(), *value->body), out);
        return Ok();
      });
  DefineMethod(
      linker, res, "list-objects", 1,
      [res](PluginState& state, ContainerBinding& c, Args) { return ListObjects(state, res, c); });
  DefineObjectMethod(
      linker, res, "delete-object", 2,
      [](PluginState&, ContainerBinding& c, const std::string& name, Args) -> Result<Payload> {
        Status deleted = c.backend->Delete(c.bucket, name);
        if (!deleted) return Describe(c, name, deleted.error());
        return Payload();
      });
  DefineMethod(linker, res, "delete-objects", 2, [](PluginState&, ContainerBinding& c, Args args) {
    return DeleteObjects(c, args[1]);
  });
  DefineObjectMethod(linker, res, "has-object", 2,
                     [](PluginState&, ContainerBinding& c, const std::string& name, Args) {
                       return HasObject(c, name);
                     });
  DefineObjectMethod(linker, res, "object-info", 2,
                     [](PluginState&, ContainerBinding& c, const std::string& name, Args) {
                       return ObjectInfo(c, name);
                     });
  DefineMethod(linker, res, "clear", 1,
               [](PluginState&, ContainerBinding& c, Args) { return Clear(c); });

  // stream-object-names: reads and skips never fail once the names are listed.
  for (const bool skip : {false, true}) {
    DefinePlugin(linker, Interface("container"),
                 skip ? "[method]stream-object-names.skip-stream-object-names"
                      : "[method]stream-object-names.read-stream-object-names",
                 2,
                 [res, skip](PluginState& state, std::span<const Value> args,
                             std::vector<Value>& out) -> Status {
                   WCLOUD_ASSIGN_OR_RETURN(
                       ObjectNameStream * s,
                       wasi::Lookup(state.object_names, args[0], res.stream_object_names));
                   out.push_back(Value::Ok(NextNames(*s, args[1].as_unsigned(), skip)));
                   return Ok();
                 });
  }
}

void DefineTypesInterface(component::Linker& linker, const PluginResources& res) {
  const std::string types = Interface("types");
  DefinePlugin(
      linker, types, "[static]outgoing-value.new-outgoing-value", 0,
      [res](PluginState& state, std::span<const Value>, std::vector<Value>& out) -> Status {
        const uint64_t max = state.plugins.bindings ? state.plugins.bindings->MaxObjectBytes()
                                                    : kDefaultMaxObjectBytes;
        WCLOUD_ASSIGN_OR_RETURN(
            Value handle,
            wasi::NewHandle(
                state.outgoing_values, res.outgoing_value,
                OutgoingBlob{std::make_shared<BlobBody>(max, state.blob_budget), false}));
        out.push_back(std::move(handle));
        return Ok();
      });
  DefinePlugin(linker, types, "[method]outgoing-value.outgoing-value-write-body", 1,
               [res](PluginState& state, component::CallContext& cx, std::span<const Value> args,
                     std::vector<Value>& out) -> Status {
                 WCLOUD_ASSIGN_OR_RETURN(
                     OutgoingBlob * value,
                     wasi::Lookup(state.outgoing_values, args[0], res.outgoing_value));
                 wasi::WasiState* wasi = WasiOf(cx);
                 WCLOUD_TRY_STATUS(NeedStreams(res.output_stream, wasi));
                 if (value->stream_taken) {
                   out.push_back(Value::Err());
                   return Ok();
                 }
                 std::shared_ptr<wasi::OutputStream> stream = value->body;
                 WCLOUD_ASSIGN_OR_RETURN(
                     Value handle,
                     wasi::NewHandle(wasi->output_streams, res.output_stream, std::move(stream)));
                 value->stream_taken = true;
                 out.push_back(Value::Ok(std::move(handle)));
                 return Ok();
               });
  DefinePlugin(
      linker, types, "[static]outgoing-value.finish", 1,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingBlob * value,
                                wasi::Lookup(state.outgoing_values, args[0], res.outgoing_value));
        // Its bytes go; a stream the guest still holds reports closed from now on.
        value->body->Close();
        state.outgoing_values.Remove(args[0].as_resource().rep);
        out.push_back(Value::Ok());
        return Ok();
      });

  // consume-sync and consume-async take the value (an own handle): its bytes move out.
  DefinePlugin(
      linker, types, "[static]incoming-value.incoming-value-consume-sync", 1,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingBlob * value,
                                wasi::Lookup(state.incoming_values, args[0], res.incoming_value));
        Bytes data = std::move(value->data).Take();
        state.incoming_values.Remove(args[0].as_resource().rep);
        out.push_back(Value::Ok(Value::Bytes(std::move(data))));
        return Ok();
      });
  DefinePlugin(
      linker, types, "[static]incoming-value.incoming-value-consume-async", 1,
      [res](PluginState& state, component::CallContext& cx, std::span<const Value> args,
            std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingBlob * value,
                                wasi::Lookup(state.incoming_values, args[0], res.incoming_value));
        wasi::WasiState* wasi = WasiOf(cx);
        WCLOUD_TRY_STATUS(NeedStreams(res.input_stream, wasi));
        // From here the bytes are the stream's, no longer counted against the budget.
        std::shared_ptr<wasi::InputStream> stream =
            std::make_shared<wasi::MemoryInputStream>(std::move(value->data).Take());
        state.incoming_values.Remove(args[0].as_resource().rep);
        WCLOUD_ASSIGN_OR_RETURN(Value handle, wasi::NewHandle(wasi->input_streams, res.input_stream,
                                                              std::move(stream)));
        out.push_back(Value::Ok(std::move(handle)));
        return Ok();
      });
  DefinePlugin(
      linker, types, "[method]incoming-value.size", 1,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingBlob * value,
                                wasi::Lookup(state.incoming_values, args[0], res.incoming_value));
        out.push_back(Value::Unsigned(value->data.size()));
        return Ok();
      });
}

}  // namespace

void DefineBlobstore(component::Linker& linker, const PluginResources& res) {
  DefineTypesInterface(linker, res);
  DefineContainerInterface(linker, res);
  DefineBlobstoreInterface(linker, res);
}

}  // namespace wcloud::plugins
