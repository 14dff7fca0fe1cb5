// wasi:blobstore through the Linker, on the in-memory backend, with its values written and read
// through src/wasi's stream functions as a guest would (the NATS Object Store backend and a real
// guest are in tests/plugins/).
#include <gtest/gtest.h>

#include <algorithm>

#include "plugins/plugin_state.h"
#include "plugins/plugin_test_fixture.h"

namespace wcloud::plugins {
namespace {

using component::Value;

constexpr char kStreams[] = "wasi:io/streams@0.2.0";  // served by 0.2.12 through semver

api::HostInterface Blobstore(std::string name = "", api::StringMap config = {}) {
  api::HostInterface e;
  e.name = std::move(name);
  e.namespace_ = "wasi";
  e.package = "blobstore";
  e.interfaces = {"blobstore", "container", "types"};
  e.config = std::move(config);
  return e;
}

Value Id(const std::string& container, const std::string& object) {
  return Value::Aggregate({Value::String(container), Value::String(object)});
}

std::string Text(const Value& bytes) {
  return std::string(bytes.as_bytes().begin(), bytes.as_bytes().end());
}

class BlobstoreHostTest : public ::testing::Test {
 protected:
  ComponentPlugins Plugins(std::vector<api::HostInterface> entries, std::string ns = "ns") {
    auto b = WorkloadBindings::Create({ns, "app"}, std::move(entries), connections_);
    EXPECT_TRUE(b) << b.error().message();
    return ForComponent(*b, "c", std::nullopt, {}, nullptr);
  }

  // A container handle, made or found.
  static Value Container(PluginCaller& p, const std::string& name, bool create = true) {
    auto c =
        p.Blob("blobstore", create ? "create-container" : "get-container", {Value::String(name)});
    EXPECT_TRUE(c) << c.error().message();
    return c ? *c : Value();
  }

  // A new outgoing-value holding `data`, written through its output-stream in 4096-byte
  // blocking-write-and-flush calls (the most one call takes); the stream error's text if one
  // fails.
  static std::pair<Value, std::string> Outgoing(PluginCaller& p, const std::string& data) {
    auto value =
        p.Call("wasi:blobstore/types@0.2.0-draft", "[static]outgoing-value.new-outgoing-value", {});
    EXPECT_TRUE(value) << value.error().message();
    auto stream = p.Blob("types", "[method]outgoing-value.outgoing-value-write-body", {*value});
    EXPECT_TRUE(stream);
    std::string failure;
    for (size_t at = 0; at < data.size() || at == 0; at += 4096) {
      std::string piece = data.substr(at, 4096);
      auto w = p.Call(kStreams, "[method]output-stream.blocking-write-and-flush",
                      {*stream, PluginCaller::Bytes(piece)});
      EXPECT_TRUE(w) << w.error().message();
      const auto& c = w->as_case();
      if (c.index == 1) {
        const Value& err = c.payload.at(0);
        EXPECT_EQ(err.as_case().index, 0u) << "closed, not failed";
        auto text = p.Call("wasi:io/error@0.2.0", "[method]error.to-debug-string",
                           {err.as_case().payload.at(0)});
        failure = text ? text->as_string() : "?";
        break;
      }
      if (data.empty()) break;
    }
    p.Drop(*stream);
    return {*value, failure};
  }

  // Writes `data` as object `name` of `container`: write-data's result.
  static Result<Value> Write(PluginCaller& p, const Value& container, const std::string& name,
                             const std::string& data) {
    auto [value, failure] = Outgoing(p, data);
    auto written = p.Blob("container", "[method]container.write-data",
                          {container, Value::String(name), value});
    auto finished = p.Blob("types", "[static]outgoing-value.finish", {value});
    EXPECT_TRUE(finished) << finished.error().message();
    return written;
  }

  // get-data(start, end) consumed synchronously, or its error.
  static Result<std::string> Read(PluginCaller& p, const Value& container, const std::string& name,
                                  uint64_t start = 0, uint64_t end = UINT64_MAX) {
    WCLOUD_ASSIGN_OR_RETURN(Value incoming, p.Blob("container", "[method]container.get-data",
                                                   {container, Value::String(name),
                                                    Value::Unsigned(start), Value::Unsigned(end)}));
    WCLOUD_ASSIGN_OR_RETURN(
        Value bytes,
        p.Blob("types", "[static]incoming-value.incoming-value-consume-sync", {incoming}));
    return Text(bytes);
  }

  static std::vector<std::string> List(PluginCaller& p, const Value& container) {
    auto names = p.Blob("container", "[method]container.list-objects", {container});
    EXPECT_TRUE(names) << names.error().message();
    std::vector<std::string> out;
    for (int round = 0; names && round < 100; ++round) {
      auto page = p.Blob("container", "[method]stream-object-names.read-stream-object-names",
                         {*names, Value::Unsigned(2)});
      EXPECT_TRUE(page);
      if (!page) break;
      for (const Value& n : page->items()[0].items()) out.push_back(n.as_string());
      if (page->items()[1].as_bool()) break;
    }
    if (names) p.Drop(*names);
    std::sort(out.begin(), out.end());
    return out;
  }

  KeyValueConnections connections_;
};

TEST_F(BlobstoreHostTest, EveryFunctionInMemory) {
  PluginCaller p(Plugins({Blobstore()}));
  EXPECT_EQ(p.Blob("blobstore", "container-exists", {Value::String("photos")})->as_bool(), false);
  Value c = Container(p, "photos");
  EXPECT_EQ(p.Blob("blobstore", "container-exists", {Value::String("photos")})->as_bool(), true);
  auto again = p.Blob("blobstore", "create-container", {Value::String("photos")});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().message(), "container \"photos\" already exists");
  EXPECT_EQ(p.Blob("container", "[method]container.name", {c})->as_string(), "photos");
  auto info = p.Blob("container", "[method]container.info", {c});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->items()[0].as_string(), "photos");
  EXPECT_GT(info->items()[1].as_unsigned(), 1700000000u);

  std::string big(300 * 1024, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7 % 251);
  ASSERT_TRUE(Write(p, c, "a.txt", "alpha"));
  ASSERT_TRUE(Write(p, c, "b/é.bin", big));
  ASSERT_TRUE(Write(p, c, "empty", ""));
  ASSERT_TRUE(Write(p, c, "c", "gamma"));
  ASSERT_TRUE(Write(p, c, "d", "delta"));
  EXPECT_EQ(List(p, c), (std::vector<std::string>{"a.txt", "b/é.bin", "c", "d", "empty"}));

  EXPECT_EQ(*Read(p, c, "a.txt"), "alpha");
  EXPECT_EQ(*Read(p, c, "b/é.bin"), big);
  EXPECT_EQ(*Read(p, c, "b/é.bin", 1000, 1999), big.substr(1000, 1000));  // inclusive end
  EXPECT_EQ(*Read(p, c, "a.txt", 1, 2), "lp");
  EXPECT_EQ(*Read(p, c, "a.txt", 3, 100), "ha");
  EXPECT_EQ(*Read(p, c, "a.txt", 5, 9), "");
  EXPECT_EQ(*Read(p, c, "empty"), "");
  auto backwards = Read(p, c, "a.txt", 3, 1);
  ASSERT_FALSE(backwards);
  EXPECT_EQ(backwards.error().message(),
            "container \"photos\": object \"a.txt\": start 3 is after end 1");

  // consume-async: an input-stream read to its end; size before consuming.
  auto incoming =
      p.Blob("container", "[method]container.get-data",
             {c, Value::String("b/é.bin"), Value::Unsigned(0), Value::Unsigned(UINT64_MAX)});
  ASSERT_TRUE(incoming);
  auto size =
      p.Call("wasi:blobstore/types@0.2.0-draft", "[method]incoming-value.size", {*incoming});
  ASSERT_TRUE(size);
  EXPECT_EQ(size->as_unsigned(), big.size());
  auto input = p.Blob("types", "[static]incoming-value.incoming-value-consume-async", {*incoming});
  ASSERT_TRUE(input);
  std::string streamed;
  for (int i = 0; i < 1000; ++i) {
    auto r =
        p.Call(kStreams, "[method]input-stream.blocking-read", {*input, Value::Unsigned(100000)});
    ASSERT_TRUE(r);
    if (r->as_case().index == 1) break;  // closed: the end
    streamed += Text(r->as_case().payload[0]);
  }
  EXPECT_EQ(streamed, big);
  // The incoming-value was consumed: its handle is gone.
  EXPECT_FALSE(
      p.Call("wasi:blobstore/types@0.2.0-draft", "[method]incoming-value.size", {*incoming}));

  auto object = p.Blob("container", "[method]container.object-info", {c, Value::String("b/é.bin")});
  ASSERT_TRUE(object);
  EXPECT_EQ(object->items()[0].as_string(), "b/é.bin");
  EXPECT_EQ(object->items()[1].as_string(), "photos");
  EXPECT_GT(object->items()[2].as_unsigned(), 1700000000u);
  EXPECT_EQ(object->items()[3].as_unsigned(), big.size());
  EXPECT_TRUE(
      p.Blob("container", "[method]container.has-object", {c, Value::String("c")})->as_bool());
  EXPECT_FALSE(
      p.Blob("container", "[method]container.has-object", {c, Value::String("zz")})->as_bool());

  // skip, then read the rest.
  auto names = p.Blob("container", "[method]container.list-objects", {c});
  ASSERT_TRUE(names);
  auto skipped = p.Blob("container", "[method]stream-object-names.skip-stream-object-names",
                        {*names, Value::Unsigned(3)});
  ASSERT_TRUE(skipped);
  EXPECT_EQ(skipped->items()[0].as_unsigned(), 3u);
  EXPECT_FALSE(skipped->items()[1].as_bool());
  auto rest = p.Blob("container", "[method]stream-object-names.read-stream-object-names",
                     {*names, Value::Unsigned(10)});
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->items()[0].items().size(), 2u);
  EXPECT_TRUE(rest->items()[1].as_bool());
  p.Drop(*names);

  // copy and move, within the container and to another.
  Value archive = Container(p, "archive");
  ASSERT_TRUE(p.Blob("blobstore", "copy-object", {Id("photos", "a.txt"), Id("archive", "a1")}));
  ASSERT_TRUE(p.Blob("blobstore", "move-object", {Id("photos", "c"), Id("photos", "c2")}));
  ASSERT_TRUE(p.Blob("blobstore", "move-object", {Id("photos", "d"), Id("photos", "d")}));
  EXPECT_EQ(*Read(p, archive, "a1"), "alpha");
  EXPECT_EQ(*Read(p, c, "c2"), "gamma");
  EXPECT_EQ(*Read(p, c, "d"), "delta");
  EXPECT_FALSE(Read(p, c, "c"));

  ASSERT_TRUE(p.Blob("container", "[method]container.delete-object", {c, Value::String("a.txt")}));
  ASSERT_TRUE(p.Blob("container", "[method]container.delete-object", {c, Value::String("never")}));
  ASSERT_TRUE(p.Blob("container", "[method]container.delete-objects",
                     {c, Value::Aggregate({Value::String("c2"), Value::String("nope")})}));
  EXPECT_EQ(List(p, c), (std::vector<std::string>{"b/é.bin", "d", "empty"}));
  ASSERT_TRUE(p.Blob("container", "[method]container.clear", {c}));
  EXPECT_EQ(List(p, c), std::vector<std::string>{});

  ASSERT_TRUE(p.Blob("blobstore", "delete-container", {Value::String("photos")}));
  ASSERT_TRUE(p.Blob("blobstore", "delete-container", {Value::String("photos")}));
  auto gone = p.Blob("blobstore", "get-container", {Value::String("photos")});
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().message(), "container \"photos\" does not exist");
  // A handle on a deleted container: error values, not traps.
  auto stale = p.Blob("container", "[method]container.list-objects", {c});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().message(), "container \"photos\" does not exist");
  EXPECT_FALSE(Write(p, c, "x", "y"));

  p.Drop(c);
  p.Drop(archive);
  PluginState* state = p.data().Find<PluginState>();
  EXPECT_EQ(state->containers.size(), 0u);
  EXPECT_EQ(state->outgoing_values.size(), 0u);
  EXPECT_EQ(state->incoming_values.size(), 0u);
  EXPECT_EQ(state->object_names.size(), 0u);
}

TEST_F(BlobstoreHostTest, MissingContainersAndObjectsAreErrorValues) {
  PluginCaller p(Plugins({Blobstore()}));
  auto missing = p.Blob("blobstore", "get-container", {Value::String("nothing")});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "container \"nothing\" does not exist");
  Value c = Container(p, "docs");
  auto no_object = Read(p, c, "ghost");
  ASSERT_FALSE(no_object);
  EXPECT_EQ(no_object.error().message(), "container \"docs\" has no object \"ghost\"");
  auto no_info = p.Blob("container", "[method]container.object-info", {c, Value::String("ghost")});
  ASSERT_FALSE(no_info);
  EXPECT_EQ(no_info.error().message(), "container \"docs\" has no object \"ghost\"");
  auto copy = p.Blob("blobstore", "copy-object", {Id("docs", "ghost"), Id("docs", "x")});
  ASSERT_FALSE(copy);
  EXPECT_EQ(copy.error().message(), "container \"docs\" has no object \"ghost\"");
  ASSERT_TRUE(Write(p, c, "real", "data"));
  auto to_missing = p.Blob("blobstore", "copy-object", {Id("docs", "real"), Id("elsewhere", "x")});
  ASSERT_FALSE(to_missing);
  EXPECT_EQ(to_missing.error().message(), "container \"elsewhere\" does not exist");
  auto moved = p.Blob("blobstore", "move-object", {Id("docs", "real"), Id("elsewhere", "x")});
  ASSERT_FALSE(moved);
  EXPECT_EQ(*Read(p, c, "real"), "data");  // a failed move keeps the source

  // Names: empty or over 1024 bytes for objects, outside [A-Za-z0-9-] for containers.
  auto empty = Write(p, c, "", "x");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "container \"docs\": object name \"\" must be 1-1024 bytes");
  EXPECT_FALSE(Write(p, c, std::string(1025, 'n'), "x"));
  for (const char* bad : {"", "a_b", "../x", "a b", "é"}) {
    auto r = p.Blob("blobstore", "create-container", {Value::String(bad)});
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("must be 1-64 characters of [A-Za-z0-9-]"),
              std::string::npos)
        << r.error().message();
  }
  // delete-objects checks every name before it deletes any.
  EXPECT_FALSE(p.Blob("container", "[method]container.delete-objects",
                      {c, Value::Aggregate({Value::String("real"), Value::String("")})}));
  EXPECT_EQ(*Read(p, c, "real"), "data");
}

TEST_F(BlobstoreHostTest, OversizeWritesAreRefusedAndLoseNothing) {
  PluginCaller p(Plugins({Blobstore("", {{"max_object_bytes", "10000"}})}));
  Value c = Container(p, "limits");
  ASSERT_TRUE(Write(p, c, "keep", "the original"));
  ASSERT_TRUE(Write(p, c, "exact", std::string(10000, 'x')));

  auto [value, failure] = Outgoing(p, std::string(10001, 'y'));
  EXPECT_EQ(failure,
            "the value would be 10001 bytes, over the object size limit of 10000 bytes "
            "(hostInterfaces config.max_object_bytes)");
  auto written =
      p.Blob("container", "[method]container.write-data", {c, Value::String("keep"), value});
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message(),
            "container \"limits\": object \"keep\": not written: the value would be 10001 bytes, "
            "over the object size limit of 10000 bytes (hostInterfaces config.max_object_bytes)");
  ASSERT_TRUE(p.Blob("types", "[static]outgoing-value.finish", {value}));
  EXPECT_EQ(*Read(p, c, "keep"), "the original");
  EXPECT_EQ(Read(p, c, "exact")->size(), 10000u);
}

TEST_F(BlobstoreHostTest, OpenValuesAreBoundedPerInstance) {
  PluginCaller p(Plugins({Blobstore("", {{"max_object_bytes", "1000"}})}));
  BlobBudget& budget = *p.data().Find<PluginState>()->blob_budget;
  EXPECT_EQ(budget.limit(), 4000u);  // four of the largest objects
  Value c = Container(p, "b");
  ASSERT_TRUE(Write(p, c, "o", std::string(1000, 'o')));
  EXPECT_EQ(budget.used(), 0u);  // finish let the value's bytes go
  auto get = [&]() {
    return p.Blob("container", "[method]container.get-data",
                  {c, Value::String("o"), Value::Unsigned(0), Value::Unsigned(UINT64_MAX)});
  };
  std::vector<Value> held;
  for (int i = 0; i < 4; ++i) {
    auto v = get();
    ASSERT_TRUE(v) << v.error().message();
    held.push_back(*v);
  }
  auto refused = get();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(),
            "container \"b\": object \"o\": not read: the instance's blobstore values would hold "
            "5000 bytes, over its limit of 4000 (4 times the largest object size limit): finish "
            "or drop values it no longer needs");
  auto [value, failure] = Outgoing(p, "x");
  EXPECT_NE(failure.find("over its limit of 4000"), std::string::npos) << failure;
  p.Drop(value);
  // Consumed or dropped, values give their bytes back.
  ASSERT_TRUE(p.Blob("types", "[static]incoming-value.incoming-value-consume-sync", {held[0]}));
  p.Drop(held[1]);
  EXPECT_EQ(budget.used(), 2000u);
  ASSERT_TRUE(get());
  ASSERT_TRUE(Write(p, c, "small", "fits"));
}

TEST_F(BlobstoreHostTest, PerContainerLimitsApplyAtWriteData) {
  // The value may hold the larger limit; the small container refuses it at write-data.
  PluginCaller p(Plugins({Blobstore("small", {{"max_object_bytes", "100"}}),
                          Blobstore("large", {{"max_object_bytes", "100000"}})}));
  Value small = Container(p, "small");
  Value large = Container(p, "large");
  ASSERT_TRUE(Write(p, large, "big", std::string(5000, 'b')));
  auto refused = Write(p, small, "big", std::string(5000, 'b'));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message(),
            "container \"small\": object \"big\": the value is 5000 bytes, over the object size "
            "limit of 100 bytes (hostInterfaces config.max_object_bytes)");
  auto copy = p.Blob("blobstore", "copy-object", {Id("large", "big"), Id("small", "big")});
  ASSERT_FALSE(copy);
  EXPECT_NE(copy.error().message().find("over the object size limit of 100 bytes"),
            std::string::npos);
  EXPECT_FALSE(p.Blob("container", "[method]container.has-object", {small, Value::String("big")})
                   ->as_bool());
}

TEST_F(BlobstoreHostTest, NamespacesDoNotSeeEachOthersContainers) {
  PluginCaller a(Plugins({Blobstore()}, "team-a"));
  PluginCaller b(Plugins({Blobstore()}, "team-b"));
  Value ca = Container(a, "shared");
  ASSERT_TRUE(Write(a, ca, "secret", "a's"));
  EXPECT_FALSE(b.Blob("blobstore", "container-exists", {Value::String("shared")})->as_bool());
  EXPECT_FALSE(b.Blob("blobstore", "get-container", {Value::String("shared")}));
  EXPECT_FALSE(b.Blob("blobstore", "copy-object", {Id("shared", "secret"), Id("mine", "x")}));
  // b's own "shared" is another container.
  Value cb = Container(b, "shared");
  EXPECT_EQ(List(b, cb), std::vector<std::string>{});
  for (const char* escape : {"team-a_shared", "../team-a", "team-a:shared", "*"}) {
    auto r = b.Blob("blobstore", "get-container", {Value::String(escape)});
    EXPECT_FALSE(r) << escape;
  }
  ASSERT_TRUE(b.Blob("blobstore", "delete-container", {Value::String("shared")}));
  EXPECT_EQ(*Read(a, ca, "secret"), "a's");
}

TEST_F(BlobstoreHostTest, NamedEntriesAndPinnedBuckets) {
  auto bindings = WorkloadBindings::Create(
      {"ns", "app"},
      {Blobstore("archive", {{"bucket", "shared-archive"}}), Blobstore("media"), Blobstore()},
      connections_);
  ASSERT_TRUE(bindings) << bindings.error().message();
  EXPECT_EQ((*bindings)->OpenContainer("archive")->bucket, "shared-archive");
  EXPECT_EQ((*bindings)->OpenContainer("media")->bucket, "ns_media");
  EXPECT_EQ((*bindings)->OpenContainer("other")->bucket, "ns_other");
  EXPECT_EQ((*bindings)->OpenContainer("other")->max_object_bytes, kDefaultMaxObjectBytes);

  auto only_named = WorkloadBindings::Create({"ns", "app"}, {Blobstore("media")}, connections_);
  ASSERT_TRUE(only_named);
  auto other = (*only_named)->OpenContainer("other");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), kNoSuchStore);

  auto pinned =
      WorkloadBindings::Create({"ns", "app"}, {Blobstore("", {{"bucket", "fixed"}})}, connections_);
  ASSERT_TRUE(pinned);
  EXPECT_EQ((*pinned)->OpenContainer("fixed")->bucket, "fixed");
  EXPECT_FALSE((*pinned)->OpenContainer("other"));

  auto bad = WorkloadBindings::Create(
      {"ns", "app"},
      {Blobstore("a", {{"backend", "redis"}}), Blobstore("b", {{"max_object_bytes", "lots"}}),
       Blobstore("c", {{"max_object_bytes", "2147483648"}}),
       Blobstore("d", {{"backend", "nats"}, {"url", "http://x"}}), Blobstore(), Blobstore()},
      connections_);
  ASSERT_FALSE(bad);
  const std::string& m = bad.error().message();
  EXPECT_NE(m.find("hostInterfaces[0].config.backend: unsupported value \"redis\" for "
                   "wasi:blobstore"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("hostInterfaces[1].config.max_object_bytes: \"lots\" must be a number"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("hostInterfaces[2].config.max_object_bytes"), std::string::npos) << m;
  EXPECT_NE(m.find("hostInterfaces[3].config.url"), std::string::npos) << m;
  EXPECT_NE(m.find("hostInterfaces[5].name: required when two or more entries share "
                   "wasi:blobstore"),
            std::string::npos)
      << m;
}

TEST_F(BlobstoreHostTest, ValueHandlesFollowTheirRules) {
  PluginCaller p(Plugins({Blobstore()}));
  Value c = Container(p, "v");
  auto value =
      p.Call("wasi:blobstore/types@0.2.0-draft", "[static]outgoing-value.new-outgoing-value", {});
  ASSERT_TRUE(value);
  auto stream = p.Blob("types", "[method]outgoing-value.outgoing-value-write-body", {*value});
  ASSERT_TRUE(stream);
  // Only the first write-body succeeds.
  auto second = p.Call("wasi:blobstore/types@0.2.0-draft",
                       "[method]outgoing-value.outgoing-value-write-body", {*value});
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, Value::Err());
  ASSERT_TRUE(p.Call(kStreams, "[method]output-stream.blocking-write-and-flush",
                     {*stream, PluginCaller::Bytes("one")}));
  ASSERT_TRUE(p.Blob("container", "[method]container.write-data", {c, Value::String("o"), *value}));
  ASSERT_TRUE(p.Blob("types", "[static]outgoing-value.finish", {*value}));
  // The stream outlived its value: closed now.
  auto late = p.Call(kStreams, "[method]output-stream.check-write", {*stream});
  ASSERT_TRUE(late);
  EXPECT_EQ(*late, Value::Err(Value::Case(1)));
  // A finished value's handle is gone: using it is a malformed call, which traps.
  auto stale = p.Call("wasi:blobstore/container@0.2.0-draft", "[method]container.write-data",
                      {c, Value::String("o"), *value});
  ASSERT_FALSE(stale);
  EXPECT_NE(stale.error().message().find("is not open"), std::string::npos)
      << stale.error().message();
  EXPECT_EQ(*Read(p, c, "o"), "one");
}

TEST_F(BlobstoreHostTest, StreamsNeedWasiInTheLinker) {
  component::Linker linker;
  PluginResources res = AddPluginsToLinker(linker);
  EXPECT_EQ(res.output_stream, nullptr);
  component::InstanceData data;
  auto bindings = WorkloadBindings::Create({"ns", "app"}, {Blobstore()}, connections_);
  ASSERT_TRUE(bindings);
  AttachPlugins(data, ForComponent(*bindings, "c", std::nullopt, {}, nullptr));
  component::CallContext cx(nullptr, &data);
  std::vector<Value> out;
  ASSERT_TRUE((*linker.FindFunc("wasi:blobstore/types@0.2.0-draft",
                                "[static]outgoing-value.new-outgoing-value"))(cx, {}, out));
  Value value = out.at(0);
  out.clear();
  std::vector<Value> args{value};
  auto s = (*linker.FindFunc("wasi:blobstore/types@0.2.0-draft",
                             "[method]outgoing-value.outgoing-value-write-body"))(cx, args, out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("AddWasiToLinker must come before AddPluginsToLinker"),
            std::string::npos)
      << s.error().message();
}

}  // namespace
}  // namespace wcloud::plugins
