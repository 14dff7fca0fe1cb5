#include "wasi/wasi.h"

#include "wasi/host_call.h"
#include "wasi/wasi_state.h"

namespace wcloud::wasi {

WasiResources AddWasiToLinker(component::Linker& linker) {
  WasiResources res;
  res.error =
      linker.DefineResource(Versioned("wasi:io/error"), "error", DropFrom(&WasiState::errors));
  res.pollable =
      linker.DefineResource(Versioned("wasi:io/poll"), "pollable", DropFrom(&WasiState::pollables));
  res.input_stream = linker.DefineResource(Versioned("wasi:io/streams"), "input-stream",
                                           DropFrom(&WasiState::input_streams));
  res.output_stream = linker.DefineResource(Versioned("wasi:io/streams"), "output-stream",
                                            DropFrom(&WasiState::output_streams));
  res.descriptor = linker.DefineResource(Versioned("wasi:filesystem/types"), "descriptor",
                                         DropFrom(&WasiState::descriptors));
  res.directory_entry_stream =
      linker.DefineResource(Versioned("wasi:filesystem/types"), "directory-entry-stream",
                            DropFrom(&WasiState::directory_entry_streams));
  // Never handed out (stdio is not a terminal), but a command imports the types.
  auto nothing = [](component::CallContext&, uint32_t) {};
  res.terminal_input =
      linker.DefineResource(Versioned("wasi:cli/terminal-input"), "terminal-input", nothing);
  res.terminal_output =
      linker.DefineResource(Versioned("wasi:cli/terminal-output"), "terminal-output", nothing);

  DefineCli(linker, res);
  DefineClocks(linker, res);
  DefineRandom(linker);
  DefineIo(linker, res);
  DefineFilesystem(linker, res);
  return res;
}

Status AttachWasi(component::InstanceData& data, WasiConfig config) {
  std::vector<PreopenDirectory> preopens;
  for (const Preopen& preopen : config.preopens) {
    WCLOUD_ASSIGN_OR_RETURN(auto descriptor,
                            Descriptor::OpenPreopen(preopen.host_path, preopen.read_only));
    preopens.push_back({std::move(descriptor), preopen.guest_path});
  }
  WasiState& state = data.Emplace<WasiState>(std::move(config));
  state.preopens = std::move(preopens);
  return Ok();
}

}  // namespace wcloud::wasi
