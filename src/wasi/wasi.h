// WASI 0.2 for wasi:cli/command components: environment, exit, stdio, clocks, random, io (error,
// poll, streams) and filesystem (types, preopens). Defined once per Linker, under 0.2.12 (the
// newest 0.2 our jco ships); the Linker's semver matching serves importers of 0.2.0 through
// 0.2.12. Each instance then gets its own state with AttachWasi.
//
// Functions are defined by their component-model names: "get-environment",
// "[method]input-stream.read", ... with the resource methods' `self` as the first argument.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "component/instance_data.h"
#include "component/linker.h"
#include "util/result.h"
#include "wasi/streams.h"

namespace wcloud::wasi {

inline constexpr char kWasiVersion[] = "0.2.12";

struct Preopen {
  std::string host_path;   // an existing host directory
  std::string guest_path;  // the name the guest sees ("/", "/data", ".")
  bool read_only = false;  // no write, no mutate-directory beneath it
};

struct WasiConfig {
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::optional<std::string> initial_cwd;
  std::vector<Preopen> preopens;
  // nullptr: the host process's own stdin, stdout and stderr (fds 0, 1, 2).
  std::shared_ptr<InputStream> stdin_stream;
  std::shared_ptr<OutputStream> stdout_stream;
  std::shared_ptr<OutputStream> stderr_stream;
};

// The resource types of WASI, for layers that hand WASI streams and pollables to the guest (HTTP
// bodies are wasi:io streams; their subscribe returns a wasi:io pollable).
struct WasiResources {
  const component::RuntimeResource* error = nullptr;
  const component::RuntimeResource* pollable = nullptr;
  const component::RuntimeResource* input_stream = nullptr;
  const component::RuntimeResource* output_stream = nullptr;
  const component::RuntimeResource* descriptor = nullptr;
  const component::RuntimeResource* directory_entry_stream = nullptr;
  const component::RuntimeResource* terminal_input = nullptr;
  const component::RuntimeResource* terminal_output = nullptr;
};

// Defines every WASI function and resource in `linker`. Holds no state: it lives in each
// instance's InstanceData.
WasiResources AddWasiToLinker(component::Linker& linker);

// Creates the instance's WASI state. Fails when a preopen's host directory cannot be opened.
Status AttachWasi(component::InstanceData& data, WasiConfig config);

}  // namespace wcloud::wasi
