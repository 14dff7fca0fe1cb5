// wasi:keyvalue/{store,atomics,batch}@0.2.0-draft over the workload's bindings. Backend failures
// are the guest's `error` values, never traps; only a malformed call (a stale handle) traps.
#include <string>

#include "plugins/plugin_state.h"
#include "wasi/host_call.h"

namespace wcloud::plugins {
namespace {

// wasi:keyvalue/store's `error`: no-such-store, access-denied, other(string).
Value ErrorValue(const PluginState& state, const Error& e) {
  if (e.code() == kNoSuchStore) return Value::Err(Value::Case(0));
  if (e.code() == kAccessDenied) return Value::Err(Value::Case(1));
  const std::string& m = e.message();
  return Value::Err(
      Value::Case(2, Value::String(state.plugins.config ? state.plugins.config->Redact(m) : m)));
}

std::string Interface(const char* name) {
  return std::string("wasi:keyvalue/") + name + "@" + kKeyValueVersion;
}

Bytes ToBytes(const Value& v) { return v.as_bytes(); }

Value OptionalBytes(std::optional<Bytes> v) {
  return v ? Value::Some(Value::Bytes(std::move(*v))) : Value::None();
}

Status CheckKey(const std::string& key) {
  if (key.empty()) return Error("key must not be empty");
  return Ok();
}

// The ok payload of a result; none for result<_, error>.
using Payload = std::optional<Value>;

// Runs `op` on the bucket behind handle `self`; its Error becomes the guest's error value.
template <class Op>
Status OnBucket(PluginState& state, const PluginResources& res, const Value& self,
                std::vector<Value>& out, Op op) {
  WCLOUD_ASSIGN_OR_RETURN(BucketBinding * bucket, wasi::Lookup(state.buckets, self, res.bucket));
  Result<Payload> value = op(*bucket);
  if (!value) {
    out.push_back(ErrorValue(state, value.error()));
  } else {
    out.push_back(*value ? Value::Ok(std::move(**value)) : Value::Ok());
  }
  return Ok();
}

Result<Payload> Unit(Status s) {
  if (!s) return s.error();
  return Payload();
}

}  // namespace

void DefineKeyValue(component::Linker& linker, const PluginResources& res) {
  const std::string store = Interface("store");
  DefinePlugin(
      linker, store, "open", 1,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        if (!state.plugins.bindings) {
          out.push_back(ErrorValue(state, Error("", kNoSuchStore)));
          return Ok();
        }
        auto bound = state.plugins.bindings->Open(args[0].as_string());
        if (!bound) {
          out.push_back(ErrorValue(state, bound.error()));
          return Ok();
        }
        WCLOUD_ASSIGN_OR_RETURN(Value handle,
                                wasi::NewHandle(state.buckets, res.bucket, std::move(*bound)));
        out.push_back(Value::Ok(std::move(handle)));
        return Ok();
      });
  DefinePlugin(
      linker, store, "[method]bucket.get", 2,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        const std::string& key = args[1].as_string();
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          WCLOUD_TRY_STATUS(CheckKey(key));
          WCLOUD_ASSIGN_OR_RETURN(auto v, b.backend->Get(b.bucket, key));
          return Payload(OptionalBytes(std::move(v)));
        });
      });
  DefinePlugin(
      linker, store, "[method]bucket.set", 3,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        const std::string& key = args[1].as_string();
        const Bytes& value = args[2].as_bytes();
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          WCLOUD_TRY_STATUS(CheckKey(key));
          return Unit(b.backend->Set(b.bucket, key, value));
        });
      });
  DefinePlugin(
      linker, store, "[method]bucket.delete", 2,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        const std::string& key = args[1].as_string();
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          WCLOUD_TRY_STATUS(CheckKey(key));
          return Unit(b.backend->Delete(b.bucket, key));
        });
      });
  DefinePlugin(
      linker, store, "[method]bucket.exists", 2,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        const std::string& key = args[1].as_string();
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          WCLOUD_TRY_STATUS(CheckKey(key));
          WCLOUD_ASSIGN_OR_RETURN(bool exists, b.backend->Exists(b.bucket, key));
          return Payload(Value::Bool(exists));
        });
      });
  DefinePlugin(
      linker, store, "[method]bucket.list-keys", 2,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        std::optional<uint64_t> cursor;
        if (const Value* c = args[1].payload()) cursor = c->as_unsigned();
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          WCLOUD_ASSIGN_OR_RETURN(KeyPage page, b.backend->ListKeys(b.bucket, cursor));
          std::vector<Value> keys;
          for (auto& k : page.keys) keys.push_back(Value::String(std::move(k)));
          return Payload(Value::Aggregate(
              {Value::Aggregate(std::move(keys)),
               page.cursor ? Value::Some(Value::Unsigned(*page.cursor)) : Value::None()}));
        });
      });

  DefinePlugin(
      linker, Interface("atomics"), "increment", 3,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        const std::string& key = args[1].as_string();
        uint64_t delta = args[2].as_unsigned();
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          if (!b.atomics) return Error("", kAccessDenied);
          WCLOUD_TRY_STATUS(CheckKey(key));
          WCLOUD_ASSIGN_OR_RETURN(uint64_t n, b.backend->Increment(b.bucket, key, delta));
          return Payload(Value::Unsigned(n));
        });
      });

  const std::string batch = Interface("batch");
  auto strings = [](const Value& list) -> Result<std::vector<std::string>> {
    std::vector<std::string> keys;
    for (const Value& k : list.items()) {
      WCLOUD_TRY_STATUS(CheckKey(k.as_string()));
      keys.push_back(k.as_string());
    }
    return keys;
  };
  DefinePlugin(
      linker, batch, "get-many", 2,
      [res, strings](PluginState& state, std::span<const Value> args,
                     std::vector<Value>& out) -> Status {
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          if (!b.batch) return Error("", kAccessDenied);
          WCLOUD_ASSIGN_OR_RETURN(auto keys, strings(args[1]));
          WCLOUD_ASSIGN_OR_RETURN(auto values, b.backend->GetMany(b.bucket, keys));
          std::vector<Value> entries;
          for (size_t i = 0; i < keys.size(); ++i) {
            entries.push_back(
                values[i] ? Value::Some(Value::Aggregate(
                                {Value::String(keys[i]), Value::Bytes(std::move(*values[i]))}))
                          : Value::None());
          }
          return Payload(Value::Aggregate(std::move(entries)));
        });
      });
  DefinePlugin(
      linker, batch, "set-many", 2,
      [res](PluginState& state, std::span<const Value> args, std::vector<Value>& out) -> Status {
        return OnBucket(state, res, args[0], out, [&](BucketBinding& b) -> Result<Payload> {
          if (!b.batch) return Error("", kAccessDenied);
          std::vector<std::pair<std::string, Bytes>> entries;
          for (const Value& kv : args[1].items()) {
            WCLOUD_TRY_STATUS(CheckKey(kv.items()[0].as_string()));
            entries.emplace_back(kv.items()[0].as_string(), ToBytes(kv.items()[1]));
          }
          return Unit(b.backend->SetMany(b.bucket, entries));
        });
      });
  DefinePlugin(linker, batch, "delete-many", 2,
               [res, strings](PluginState& state, std::span<const Value> args,
                              std::vector<Value>& out) -> Status {
                 return OnBucket(state, res, args[0], out,
                                 [&](BucketBinding& b) -> Result<Payload> {
                                   if (!b.batch) return Error("", kAccessDenied);
                                   WCLOUD_ASSIGN_OR_RETURN(auto keys, strings(args[1]));
                                   return Unit(b.backend->DeleteMany(b.bucket, keys));
                                 });
               });
}

}  // namespace wcloud::plugins
