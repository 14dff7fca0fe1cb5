// Proves the V8 path: Debian's libnode108 headers from .deps/libnode, linked with an rpath,
// compile and run a WebAssembly module (and a host import) in this process.
#include <gtest/gtest.h>
#include <libplatform/libplatform.h>
#include <v8.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

namespace {

// add.wat, assembled by wat2wasm at build time.
std::vector<uint8_t> ReadModule() {
  std::ifstream in(WCLOUD_ADD_WASM, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class V8Environment : public ::testing::Environment {
 public:
  void SetUp() override {
    v8::V8::EnableWebAssemblyTrapHandler(true);
    platform_ = v8::platform::NewDefaultPlatform();
    v8::V8::InitializePlatform(platform_.get());
    v8::V8::Initialize();
  }
  void TearDown() override {
    v8::V8::Dispose();
    v8::V8::DisposePlatform();
  }

 private:
  std::unique_ptr<v8::Platform> platform_;
};

::testing::Environment* const kEnv = ::testing::AddGlobalTestEnvironment(new V8Environment);

TEST(V8WasmSmokeTest, CompilesAndRunsAModuleWithAHostImport) {
  v8::Isolate::CreateParams params;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator(
      v8::ArrayBuffer::Allocator::NewDefaultAllocator());
  params.array_buffer_allocator = allocator.get();
  v8::Isolate* isolate = v8::Isolate::New(params);
  {
    v8::Isolate::Scope isolate_scope(isolate);
    v8::HandleScope handles(isolate);
    v8::Local<v8::Context> context = v8::Context::New(isolate);
    v8::Context::Scope context_scope(context);
    v8::TryCatch try_catch(isolate);

    const std::vector<uint8_t> kModule = ReadModule();
    ASSERT_GT(kModule.size(), 8u) << WCLOUD_ADD_WASM;
    auto module = v8::WasmModuleObject::Compile(
        isolate, v8::MemorySpan<const uint8_t>(kModule.data(), kModule.size()));
    ASSERT_FALSE(module.IsEmpty()) << "compile failed";

    auto twice = v8::Function::New(context, [](const v8::FunctionCallbackInfo<v8::Value>& info) {
                   int32_t x =
                       info[0]->Int32Value(info.GetIsolate()->GetCurrentContext()).FromJust();
                   info.GetReturnValue().Set(2 * x);
                 }).ToLocalChecked();
    v8::Local<v8::Object> env = v8::Object::New(isolate);
    env->Set(context, v8::String::NewFromUtf8Literal(isolate, "twice"), twice).Check();
    v8::Local<v8::Object> imports = v8::Object::New(isolate);
    imports->Set(context, v8::String::NewFromUtf8Literal(isolate, "env"), env).Check();

    auto webassembly = context->Global()
                           ->Get(context, v8::String::NewFromUtf8Literal(isolate, "WebAssembly"))
                           .ToLocalChecked()
                           .As<v8::Object>();
    auto instance_ctor =
        webassembly->Get(context, v8::String::NewFromUtf8Literal(isolate, "Instance"))
            .ToLocalChecked()
            .As<v8::Function>();
    v8::Local<v8::Value> args[] = {module.ToLocalChecked(), imports};
    auto instance = instance_ctor->NewInstance(context, 2, args);
    ASSERT_FALSE(instance.IsEmpty()) << "instantiate failed";
    auto exports = instance.ToLocalChecked()
                       ->Get(context, v8::String::NewFromUtf8Literal(isolate, "exports"))
                       .ToLocalChecked()
                       .As<v8::Object>();

    auto call = [&](const char* name, int32_t a, int32_t b) {
      auto fn = exports->Get(context, v8::String::NewFromUtf8(isolate, name).ToLocalChecked())
                    .ToLocalChecked()
                    .As<v8::Function>();
      v8::Local<v8::Value> argv[] = {v8::Integer::New(isolate, a), v8::Integer::New(isolate, b)};
      return fn->Call(context, context->Global(), 2, argv)
          .ToLocalChecked()
          ->Int32Value(context)
          .FromJust();
    };
    EXPECT_EQ(call("add", 2, 40), 42);
    EXPECT_EQ(call("add", -5, 3), -2);
    EXPECT_EQ(call("add_twice", 10, 11), 42);
    EXPECT_FALSE(try_catch.HasCaught());

    // Malformed bytes are an error, not a crash.
    std::vector<uint8_t> broken(kModule.begin(), kModule.begin() + 20);
    auto bad = v8::WasmModuleObject::Compile(
        isolate, v8::MemorySpan<const uint8_t>(broken.data(), broken.size()));
    EXPECT_TRUE(bad.IsEmpty());
    EXPECT_TRUE(try_catch.HasCaught());
  }
  isolate->Dispose();
}

}  // namespace
