// Test helper: V8 starts once per process, so a test binary registers one engine for all its
// tests: `::testing::AddGlobalTestEnvironment(new testing::EngineEnvironment)`.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "wasm/v8_engine.h"

namespace wcloud::wasm::testing {

class EngineEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto engine = NewV8Engine();
    ASSERT_TRUE(engine) << engine.error().message();
    engine_ = *std::move(engine);
  }
  void TearDown() override { engine_.reset(); }
  static Engine& engine() { return *engine_; }

 private:
  static inline std::unique_ptr<Engine> engine_;
};

}  // namespace wcloud::wasm::testing
