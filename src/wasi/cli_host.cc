// wasi:cli: environment, exit, stdin/stdout/stderr and the terminal interfaces.
#include "wasi/exit.h"
#include "wasi/host_call.h"

namespace wcloud::wasi {

void DefineCli(component::Linker& linker, const WasiResources& res) {
  DefineWasi(linker, "wasi:cli/environment", "get-environment", 0,
             [](WasiState& state, auto, std::vector<Value>& out) -> Status {
               std::vector<Value> pairs;
               for (const auto& [name, value] : state.config.env) {
                 pairs.push_back(Value::Aggregate({Value::String(name), Value::String(value)}));
               }
               out.push_back(Value::Aggregate(std::move(pairs)));
               return Ok();
             });
  DefineWasi(linker, "wasi:cli/environment", "get-arguments", 0,
             [](WasiState& state, auto, std::vector<Value>& out) -> Status {
               std::vector<Value> args;
               for (const auto& arg : state.config.args) {
                 args.push_back(Value::String(arg));
               }
               out.push_back(Value::Aggregate(std::move(args)));
               return Ok();
             });
  DefineWasi(linker, "wasi:cli/environment", "initial-cwd", 0,
             [](WasiState& state, auto, std::vector<Value>& out) -> Status {
               const auto& cwd = state.config.initial_cwd;
               out.push_back(cwd ? Value::Some(Value::String(*cwd)) : Value::None());
               return Ok();
             });

  // Whatever the streams hold reaches its destination before the guest is unwound.
  auto exit = [](WasiState& state, uint8_t status) -> Status {
    (void)state.config.stdout_stream->BlockingFlush();
    (void)state.config.stderr_stream->BlockingFlush();
    return ExitError(status);
  };
  DefineWasi(linker, "wasi:cli/exit", "exit", 1,
             [exit](WasiState& state, std::span<const Value> args, auto&) -> Status {
               return exit(state, args[0].as_case().index == 0 ? 0 : 1);
             });
  DefineWasi(linker, "wasi:cli/exit", "exit-with-code", 1,
             [exit](WasiState& state, std::span<const Value> args, auto&) -> Status {
               return exit(state, static_cast<uint8_t>(args[0].as_unsigned()));
             });

  DefineWasi(linker, "wasi:cli/stdin", "get-stdin", 0,
             [res](WasiState& state, auto, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   Value handle,
                   NewHandle(state.input_streams, res.input_stream, state.config.stdin_stream));
               out.push_back(std::move(handle));
               return Ok();
             });
  DefineWasi(linker, "wasi:cli/stdout", "get-stdout", 0,
             [res](WasiState& state, auto, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   Value handle,
                   NewHandle(state.output_streams, res.output_stream, state.config.stdout_stream));
               out.push_back(std::move(handle));
               return Ok();
             });
  DefineWasi(linker, "wasi:cli/stderr", "get-stderr", 0,
             [res](WasiState& state, auto, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   Value handle,
                   NewHandle(state.output_streams, res.output_stream, state.config.stderr_stream));
               out.push_back(std::move(handle));
               return Ok();
             });

  // Stdio is never a terminal here.
  for (const char* name : {"stdin", "stdout", "stderr"}) {
    DefineWasi(linker, "wasi:cli/terminal-" + std::string(name),
               "get-terminal-" + std::string(name), 0,
               [](WasiState&, auto, std::vector<Value>& out) -> Status {
                 out.push_back(Value::None());
                 return Ok();
               });
  }
}

}  // namespace wcloud::wasi
