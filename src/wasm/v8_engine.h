// The V8 backend of the engine seam (V8 10.2 from Debian's libnode108). No V8 type appears here.
#pragma once

#include <memory>
#include <string>

#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::wasm {

struct V8EngineOptions {
  // Worker threads for background compilation and GC; 0 lets V8 choose.
  int platform_threads = 0;
  // Extra V8 flags ("--stack-size=2000"), applied before V8 starts.
  std::string flags;
};

// Starts V8 (platform, trap handler) and returns the engine that owns it. V8 can be started once
// per process: a second call fails, also after the first engine is gone. Every Store and Module
// must be destroyed before the engine.
//
// A store runs without V8's lock on the thread that created it; used from another thread it
// takes the lock on every entry from then on (correct, and ~3x dearer per call), so pools do
// best keeping each store on one worker thread.
Result<std::unique_ptr<Engine>> NewV8Engine(const V8EngineOptions& options = {});

}  // namespace wcloud::wasm
