// Calls across the component boundary (canon_call.cc) against the real engine, for the cases
// the every-type reactor cannot produce: a guest that calls one lowered import again while the
// host's reply to it is being lowered.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "component/component_file.h"
#include "component/component_instance.h"
#include "component/linker.h"
#include "wasm/v8_engine.h"

namespace wcloud::component {
namespace {

std::string ReplyTo(const std::string& s) { return "a reply longer than fifteen bytes to " + s; }

TEST(CanonCall, AnImportCalledFromTheReallocOfItsOwnReplyKeepsBothCallsApart) {
  auto engine = wasm::NewV8Engine();
  ASSERT_TRUE(engine.has_value()) << engine.error().message();
  auto store = (*engine)->NewStore();
  ASSERT_TRUE(store.has_value()) << store.error().message();
  auto component =
      LoadComponentFile(std::string(WCLOUD_WAT_COMPONENTS_DIR) + "/reentrant_realloc.wasm");
  ASSERT_TRUE(component.has_value()) << component.error().message();

  std::vector<std::string> seen;
  auto linker = std::make_shared<Linker>();
  linker->DefineFunc("test:host/echo@0.1.0", "echo",
                     [&seen](CallContext&, std::span<const Value> args, std::vector<Value>& out) {
                       seen.push_back(args[0].as_string());
                       out.push_back(Value::String(ReplyTo(args[0].as_string())));
                       return Ok();
                     });
  auto pre = InstancePre::Create(**engine, *component, linker);
  ASSERT_TRUE(pre.has_value()) << pre.error().message();
  {
    auto instance = (*pre)->Instantiate(**store, std::make_unique<InstanceData>());
    ASSERT_TRUE(instance.has_value()) << instance.error().message();
    const ExportedFunc* run = (*instance)->GetExport("", "run");
    const ExportedFunc* inner = (*instance)->GetExport("", "inner-reply");
    ASSERT_NE(run, nullptr);
    ASSERT_NE(inner, nullptr);

    const std::vector<Value> args{Value::String("outer")};
    auto outer = (*instance)->Call(*run, args);
    ASSERT_TRUE(outer.has_value()) << outer.error().message();
    EXPECT_EQ(seen, (std::vector<std::string>{"outer", "inner"}));
    ASSERT_EQ(outer->size(), 1u);
    EXPECT_EQ((*outer)[0].as_string(), ReplyTo("outer"));
    auto stored = (*instance)->Call(*inner, {});
    ASSERT_TRUE(stored.has_value()) << stored.error().message();
    EXPECT_EQ((*stored)[0].as_string(), ReplyTo("inner"));

    // Later calls reuse the import's vectors as usual.
    auto again = (*instance)->Call(*run, args);
    ASSERT_TRUE(again.has_value()) << again.error().message();
    EXPECT_EQ((*again)[0].as_string(), ReplyTo("outer"));
    EXPECT_EQ(seen.size(), 3u);
  }
  pre->reset();
  store->reset();
}

}  // namespace
}  // namespace wcloud::component
