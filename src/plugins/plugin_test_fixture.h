// Calls plugin host functions the way the runtime does: looked up in a Linker by interface and
// name, with lifted Values, on behalf of one instance. Shared by the unit tests here and the
// integration tests under tests/plugins/.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "component/instance_data.h"
#include "component/linker.h"
#include "component/value.h"
#include "plugins/plugins.h"
#include "wasi/memory_streams.h"
#include "wasi/wasi.h"

namespace wcloud::plugins {

class PluginCaller {
 public:
  using Value = component::Value;

  // WASI comes first, as in the host: wasi:blobstore's values are wasi:io streams.
  PluginCaller()
      : wasi_(wasi::AddWasiToLinker(linker_)),
        res_(AddPluginsToLinker(linker_)),
        cx_(nullptr, &data_) {
    wasi::WasiConfig config;
    config.stdin_stream = std::make_shared<wasi::MemoryInputStream>(std::vector<uint8_t>());
    config.stdout_stream = std::make_shared<wasi::MemoryOutputStream>();
    config.stderr_stream = std::make_shared<wasi::MemoryOutputStream>();
    EXPECT_TRUE(wasi::AttachWasi(data_, std::move(config)));
  }
  explicit PluginCaller(ComponentPlugins plugins) : PluginCaller() { Attach(std::move(plugins)); }

  void Attach(ComponentPlugins plugins) { AttachPlugins(data_, std::move(plugins)); }

  // The single result of the function, or its Error (a trap).
  Result<Value> Call(std::string_view interface, std::string_view name, std::vector<Value> args) {
    const component::HostFunction* fn = linker_.FindFunc(interface, name);
    if (fn == nullptr) {
      return Error(std::string(interface) + "#" + std::string(name) + " is not defined");
    }
    std::vector<Value> out;
    WCLOUD_TRY_STATUS((*fn)(cx_, args, out));
    if (out.empty()) return Value();
    return out[0];
  }

  static constexpr char kStore[] = "wasi:keyvalue/store@0.2.0-draft";
  static constexpr char kAtomics[] = "wasi:keyvalue/atomics@0.2.0-draft";
  static constexpr char kBatch[] = "wasi:keyvalue/batch@0.2.0-draft";

  // open(identifier): the bucket handle, or the error case (0 no-such-store, 1 access-denied,
  // 2 other) as a failed Result whose code is the case.
  Result<Value> Open(const std::string& identifier) {
    WCLOUD_ASSIGN_OR_RETURN(Value r, Call(kStore, "open", {Value::String(identifier)}));
    return Unwrap(r);
  }
  // Drops an own handle of any host resource, as the guest's resource.drop would.
  void Drop(const Value& handle) { handle.as_resource().type->dtor(cx_, handle.as_resource().rep); }

  // A keyvalue result<T, error>: T, or an Error coded kNoSuchStore, kAccessDenied or (other)
  // kUnknown with the other(...) message.
  static Result<Value> Unwrap(const Value& r) {
    const auto& c = r.as_case();
    if (c.index == 0) return c.payload.empty() ? Value() : c.payload[0];
    const auto& e = c.payload.at(0).as_case();
    std::string message = e.payload.empty() ? "" : e.payload[0].as_string();
    constexpr ErrorCode kCases[] = {kNoSuchStore, kAccessDenied, ErrorCode::kUnknown};
    return Error(message, kCases[std::min<size_t>(e.index, 2)]);
  }

  Result<Value> Method(const Value& bucket, const char* method, std::vector<Value> args) {
    args.insert(args.begin(), bucket);
    WCLOUD_ASSIGN_OR_RETURN(Value r,
                            Call(kStore, std::string("[method]bucket.") + method, std::move(args)));
    return Unwrap(r);
  }
  Result<Value> Free(const char* interface, const char* name, const Value& bucket,
                     std::vector<Value> args) {
    args.insert(args.begin(), bucket);
    WCLOUD_ASSIGN_OR_RETURN(Value r, Call(interface, name, std::move(args)));
    return Unwrap(r);
  }

  static Value Str(std::string s) { return Value::String(std::move(s)); }
  static Value Bytes(std::string_view s) { return Value::Bytes({s.begin(), s.end()}); }
  static std::string AsText(const Value& bytes) {
    return std::string(bytes.as_bytes().begin(), bytes.as_bytes().end());
  }

  // wasi:blobstore's result<T, error>: T, or an Error carrying the error string.
  static Result<Value> UnwrapBlob(const Value& r) {
    const auto& c = r.as_case();
    if (c.index == 0) return c.payload.empty() ? Value() : c.payload[0];
    return Error(c.payload.empty() ? std::string() : c.payload[0].as_string());
  }
  // A wasi:blobstore function returning result<T, error>, unwrapped; a trap fails the test.
  Result<Value> Blob(std::string_view interface, std::string_view name, std::vector<Value> args) {
    auto r = Call(std::string("wasi:blobstore/") + std::string(interface) + "@0.2.0-draft", name,
                  std::move(args));
    EXPECT_TRUE(r) << name << " trapped: " << r.error().message();
    if (!r) return Error("trap: " + r.error().message());
    return UnwrapBlob(*r);
  }

  const PluginResources& resources() const { return res_; }
  const wasi::WasiResources& wasi_resources() const { return wasi_; }
  component::InstanceData& data() { return data_; }
  const component::Linker& linker() const { return linker_; }

 private:
  component::Linker linker_;
  wasi::WasiResources wasi_;
  PluginResources res_;
  component::InstanceData data_;
  component::CallContext cx_;
};

// Every keyvalue function on bucket `identifier`, with its results checked. The bucket should be
// empty at the start; `page_size` is the backend's list-keys page.
inline void ExerciseEveryKeyValueFunction(PluginCaller& kv, const std::string& identifier) {
  using Value = component::Value;
  auto bucket = kv.Open(identifier);
  ASSERT_TRUE(bucket) << bucket.error().message();
  const Value b = *bucket;

  auto got = kv.Method(b, "get", {PluginCaller::Str("k1")});
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->as_case().index, 0u);  // none
  // result<_, error>: ok carries no payload (the canonical ABI refuses one).
  auto raw = kv.Call(PluginCaller::kStore, "[method]bucket.set",
                     {b, PluginCaller::Str("k1"), PluginCaller::Bytes("v1")});
  ASSERT_TRUE(raw) << raw.error().message();
  EXPECT_EQ(*raw, Value::Ok());
  // Binary values and keys with characters backends treat specially.
  std::string binary("\0\xff\n.*", 5);
  auto set_binary =
      kv.Method(b, "set", {PluginCaller::Str("odd key.é/*:"), PluginCaller::Bytes(binary)});
  ASSERT_TRUE(set_binary) << set_binary.error().message();
  got = kv.Method(b, "get", {PluginCaller::Str("k1")});
  ASSERT_TRUE(got);
  ASSERT_EQ(got->as_case().index, 1u);
  EXPECT_EQ(PluginCaller::AsText(got->as_case().payload[0]), "v1");
  got = kv.Method(b, "get", {PluginCaller::Str("odd key.é/*:")});
  ASSERT_TRUE(got);
  ASSERT_EQ(got->as_case().index, 1u);
  EXPECT_EQ(PluginCaller::AsText(got->as_case().payload[0]), binary);

  auto exists = kv.Method(b, "exists", {PluginCaller::Str("k1")});
  ASSERT_TRUE(exists);
  EXPECT_TRUE(exists->as_bool());
  exists = kv.Method(b, "exists", {PluginCaller::Str("nope")});
  ASSERT_TRUE(exists);
  EXPECT_FALSE(exists->as_bool());

  // list-keys, page by page until the cursor runs out.
  auto all_keys = [&]() {
    std::vector<std::string> keys;
    Value cursor = Value::None();
    for (int page = 0; page < 100; ++page) {
      auto r = kv.Method(b, "list-keys", {cursor});
      EXPECT_TRUE(r) << r.error().message();
      if (!r) break;
      for (const Value& k : r->items()[0].items()) keys.push_back(k.as_string());
      if (r->items()[1].as_case().index == 0) break;
      cursor = r->items()[1];
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  EXPECT_EQ(all_keys(), (std::vector<std::string>{"k1", "odd key.é/*:"}));

  ASSERT_TRUE(kv.Method(b, "delete", {PluginCaller::Str("k1")}));
  ASSERT_TRUE(kv.Method(b, "delete", {PluginCaller::Str("never-there")}));
  exists = kv.Method(b, "exists", {PluginCaller::Str("k1")});
  ASSERT_TRUE(exists);
  EXPECT_FALSE(exists->as_bool());

  auto n = kv.Free(PluginCaller::kAtomics, "increment", b,
                   {PluginCaller::Str("counter"), Value::Unsigned(5)});
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ(n->as_unsigned(), 5u);
  n = kv.Free(PluginCaller::kAtomics, "increment", b,
              {PluginCaller::Str("counter"), Value::Unsigned(37)});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->as_unsigned(), 42u);
  got = kv.Method(b, "get", {PluginCaller::Str("counter")});
  ASSERT_TRUE(got);
  EXPECT_EQ(PluginCaller::AsText(got->as_case().payload.at(0)), "42");
  // Not a number: other(...), not a trap.
  auto bad = kv.Free(PluginCaller::kAtomics, "increment", b,
                     {PluginCaller::Str("odd key.é/*:"), Value::Unsigned(1)});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kUnknown);

  std::vector<Value> pairs;
  for (int i = 0; i < 7; ++i) {
    pairs.push_back(Value::Aggregate({PluginCaller::Str("m" + std::to_string(i)),
                                      PluginCaller::Bytes("v" + std::to_string(i))}));
  }
  ASSERT_TRUE(kv.Free(PluginCaller::kBatch, "set-many", b, {Value::Aggregate(pairs)}));
  auto many = kv.Free(PluginCaller::kBatch, "get-many", b,
                      {Value::Aggregate({PluginCaller::Str("m0"), PluginCaller::Str("absent"),
                                         PluginCaller::Str("m6")})});
  ASSERT_TRUE(many) << many.error().message();
  ASSERT_EQ(many->items().size(), 3u);
  ASSERT_EQ(many->items()[0].as_case().index, 1u);
  EXPECT_EQ(many->items()[0].as_case().payload[0].items()[0].as_string(), "m0");
  EXPECT_EQ(PluginCaller::AsText(many->items()[0].as_case().payload[0].items()[1]), "v0");
  EXPECT_EQ(many->items()[1].as_case().index, 0u);
  EXPECT_EQ(PluginCaller::AsText(many->items()[2].as_case().payload[0].items()[1]), "v6");
  EXPECT_EQ(all_keys().size(), 9u);  // counter, odd key, m0..m6

  ASSERT_TRUE(kv.Free(PluginCaller::kBatch, "delete-many", b,
                      {Value::Aggregate({PluginCaller::Str("m0"), PluginCaller::Str("m1"),
                                         PluginCaller::Str("absent")})}));
  many = kv.Free(PluginCaller::kBatch, "get-many", b,
                 {Value::Aggregate({PluginCaller::Str("m0"), PluginCaller::Str("m2")})});
  ASSERT_TRUE(many);
  EXPECT_EQ(many->items()[0].as_case().index, 0u);
  EXPECT_EQ(many->items()[1].as_case().index, 1u);
  EXPECT_EQ(all_keys().size(), 7u);

  // Empty keys are the guest's error, not a trap.
  auto empty = kv.Method(b, "get", {PluginCaller::Str("")});
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kUnknown);
  kv.Drop(b);
}

}  // namespace wcloud::plugins
