// Calls WASI host functions the way the runtime does: looked up in a Linker by interface and name,
// with lifted Values, on behalf of one instance.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "component/instance_data.h"
#include "component/linker.h"
#include "component/value.h"
#include "wasi/wasi.h"

namespace wcloud::wasi {

// A fresh directory, removed with everything in it at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = testing::TempDir() + "/wasi_test_XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string operator/(std::string_view rel) const { return path_ + "/" + std::string(rel); }

  void WriteFile(std::string_view rel, std::string_view contents) const {
    std::ofstream(*this / rel, std::ios::binary) << contents;
  }
  std::string ReadFile(std::string_view rel) const {
    std::ifstream in(*this / rel, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }

 private:
  std::string path_;
};

class WasiFixture : public ::testing::Test {
 protected:
  using Value = component::Value;

  WasiFixture() : res_(AddWasiToLinker(linker_)), cx_(nullptr, &data_) {}

  void Attach(WasiConfig config) {
    auto attached = AttachWasi(data_, std::move(config));
    ASSERT_TRUE(attached) << attached.error().message();
  }

  // The function's results, or its Error (a trap). `interface` may carry any 0.2.x version.
  Result<std::vector<Value>> Call(std::string_view interface, std::string_view name,
                                  std::vector<Value> args = {}) {
    const component::HostFunction* fn = linker_.FindFunc(interface, name);
    if (fn == nullptr) {
      return Error(std::string(interface) + "#" + std::string(name) + " is not defined");
    }
    std::vector<Value> results;
    auto called = (*fn)(cx_, args, results);
    if (!called) {
      return called.error();
    }
    return results;
  }

  // The single result of a call that must not trap.
  Value Call1(std::string_view interface, std::string_view name, std::vector<Value> args = {}) {
    auto results = Call(interface, name, std::move(args));
    EXPECT_TRUE(results) << name << ": " << results.error().message();
    if (!results || results->size() != 1) {
      ADD_FAILURE() << name << " did not return exactly one result";
      return Value();
    }
    return std::move(results->front());
  }

  // The payload of an ok result.
  Value Ok(const Value& result) {
    EXPECT_EQ(result.as_case().index, 0u) << "expected ok";
    return result.payload() ? *result.payload() : Value();
  }

  // The error-code of an err result from wasi:filesystem, as its case index.
  uint32_t FsErr(const Value& result) {
    EXPECT_EQ(result.as_case().index, 1u) << "expected err";
    return result.payload() ? result.payload()->as_case().index : ~0u;
  }

  void Drop(const Value& handle) {
    const auto& r = handle.as_resource();
    r.type->dtor(cx_, r.rep);
  }

  component::Linker linker_;
  WasiResources res_;
  component::InstanceData data_;
  component::CallContext cx_;
};

}  // namespace wcloud::wasi
