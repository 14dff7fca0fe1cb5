// `wcloud run`: runs a wasi:cli/run component (a command) to completion. Its stdout, stderr and
// exit code are the program's; our own failures (unreadable or invalid component, missing
// imports) exit 2 and a trap or an exceeded --timeout exits 134, like an aborted process.
#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/component_options.h"
#include "component/component_file.h"
#include "component/component_instance.h"
#include "component/linker.h"
#include "wasi/exit.h"
#include "wasi/wasi.h"
#include "wasm/v8_engine.h"

namespace wcloud::cli {
namespace {

constexpr int kLoadFailure = 2;
constexpr int kTrapExit = 134;

struct RunOptions {
  std::string file;
  std::vector<std::string> env;
  std::vector<std::string> dirs;
  std::vector<std::string> args;
  double timeout_seconds = 0;
  uint64_t max_memory_mb = 0;
};

int Run(const RunOptions& o) {
  auto fail = [&](const Error& e, int code) {
    std::cerr << "wcloud run: " << e.message() << "\n";
    return code;
  };
  auto config = MakeWasiConfig(o.file, o.args, o.env, o.dirs);
  if (!config) return fail(config.error(), kLoadFailure);
  auto component = component::LoadComponentFile(o.file);
  if (!component) return fail(component.error(), kLoadFailure);

  auto engine = wasm::NewV8Engine();
  if (!engine) return fail(engine.error(), kLoadFailure);
  auto linker = std::make_shared<component::Linker>();
  wasi::AddWasiToLinker(*linker);
  auto pre = component::InstancePre::Create(**engine, *component, linker);
  if (!pre) return fail(pre.error().Wrap(o.file), kLoadFailure);

  wasm::StoreOptions store_options;
  if (o.max_memory_mb > 0) store_options.max_memory_bytes = o.max_memory_mb << 20;
  auto store = (*engine)->NewStore(store_options);
  if (!store) return fail(store.error(), kLoadFailure);
  if (o.timeout_seconds > 0) {
    (*store)->SetDeadline(std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(o.timeout_seconds)));
  }
  int exit_code = 0;
  {
    auto data = std::make_unique<component::InstanceData>();
    Status attached = wasi::AttachWasi(*data, std::move(*config));
    if (!attached) return fail(attached.error(), kLoadFailure);
    auto instance = (*pre)->Instantiate(**store, std::move(data));
    if (!instance) {
      if (auto status = wasi::ExitStatus(instance.error())) return *status;
      return fail(instance.error().Wrap(o.file), kTrapExit);
    }
    const component::ExportedFunc* run = (*instance)->GetExport("wasi:cli/run@0.2.0", "run");
    if (run == nullptr) {
      return fail(Error(o.file + ": the component does not export wasi:cli/run@0.2.x"),
                  kLoadFailure);
    }
    auto result = (*instance)->Call(*run, {});
    if (!result) {
      if (auto status = wasi::ExitStatus(result.error())) {
        exit_code = *status;
      } else {
        const char* kind = wasm::IsTrap(result.error()) ? "guest trapped: " : "";
        std::cerr << "wcloud run: " << o.file << ": " << kind << result.error().message() << "\n";
        exit_code = kTrapExit;
      }
    } else {
      // run: func() -> result: case 0 ok, 1 err.
      exit_code = (!result->empty() && (*result)[0].as_case().index == 0) ? 0 : 1;
    }
  }
  return exit_code;
}

}  // namespace

void AddRunCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("run", "run a wasi:cli command component");
  auto o = std::make_shared<RunOptions>();
  cmd->add_option("component", o->file, "the component (.wasm)")->required();
  cmd->add_option("--env", o->env, "an environment variable NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--dir", o->dirs, "a host directory the guest may use, HOST::GUEST (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--timeout", o->timeout_seconds, "stop the guest after this many seconds");
  cmd->add_option("--max-memory-mb", o->max_memory_mb, "cap each linear memory at this size");
  // Everything after the component belongs to the guest, flags included.
  cmd->prefix_command();
  cmd->footer("Arguments after COMPONENT are passed to the guest unchanged.");
  cmd->callback([cmd, o, &exit_code] {
    o->args = cmd->remaining();
    exit_code = Run(*o);
  });
}

}  // namespace wcloud::cli
