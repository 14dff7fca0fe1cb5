// One instance's WASI state: its configuration and the objects behind its handles. Reached from a
// host call through InstanceData; layers that add streams or pollables (HTTP) put them in these
// same tables so that wasi:io functions work on them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "component/instance_data.h"
#include "wasi/descriptor.h"
#include "wasi/poll.h"
#include "wasi/resource_table.h"
#include "wasi/streams.h"
#include "wasi/wasi.h"

namespace wcloud::wasi {

// The object behind a wasi:io/error handle.
struct IoError {
  std::string message;
  int os_error = 0;  // errno, when the failure came from the host OS
};

// wasi:random/insecure's generator, seeded from the kernel on first use: seeding a Mersenne
// Twister runs its whole state through a recurrence, thousands of instructions that a fresh
// instance per request would pay on every request, and few guests ask for insecure random.
class InsecureRandom {
 public:
  uint64_t operator()();

 private:
  std::optional<std::mt19937_64> engine_;
};

struct PreopenDirectory {
  std::shared_ptr<Descriptor> descriptor;
  std::string guest_path;
};

struct WasiState {
  explicit WasiState(WasiConfig config);

  WasiConfig config;  // with the stdio streams filled in
  std::vector<PreopenDirectory> preopens;

  ResourceTable<IoError> errors{"wasi:io/error error"};
  ResourceTable<std::shared_ptr<Pollable>> pollables{"wasi:io/poll pollable"};
  ResourceTable<std::shared_ptr<InputStream>> input_streams{"wasi:io/streams input-stream"};
  ResourceTable<std::shared_ptr<OutputStream>> output_streams{"wasi:io/streams output-stream"};
  ResourceTable<std::shared_ptr<Descriptor>> descriptors{"wasi:filesystem/types descriptor"};
  ResourceTable<std::unique_ptr<DirectoryEntryStream>> directory_entry_streams{
      "wasi:filesystem/types directory-entry-stream"};

  InsecureRandom insecure_random;
  std::pair<uint64_t, uint64_t> insecure_seed;
  std::string metadata_hash_key;
};

// The calling instance's WASI state; an Error when AttachWasi was not called for it.
Result<WasiState*> FindWasiState(component::InstanceData& data);

}  // namespace wcloud::wasi
