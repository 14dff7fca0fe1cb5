// wcloud: the wasmCloud runtime for Kubernetes in one binary.
#include <signal.h>
#include <sys/resource.h>

#include <iostream>

#include "cli/commands.h"
#include "cli/log_format.h"
#include "util/version.h"

int main(int argc, char** argv) {
  // A guest writing to a closed stdout pipe, or a client gone mid-response, must see EPIPE on
  // that stream, not kill the process.
  signal(SIGPIPE, SIG_IGN);
  // Every connection, watch and open component costs a descriptor; the default soft limit (1024)
  // is far below what a server needs. Raised to the hard limit, as Go's runtime does for
  // Kubernetes' own servers.
  if (rlimit nofile{};
      getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
  }
  CLI::App app{"wcloud: run WebAssembly components on Kubernetes (runtime.wasmcloud.dev/v1alpha1)",
               "wcloud"};
  app.set_version_flag("--version", std::string(wcloud::Version()));
  app.require_subcommand(1);
  app.fallthrough(false);

  // Applied as soon as it is parsed, before any subcommand logs.
  app.add_option_function<std::string>(
         "--log-format",
         [](const std::string& format) {
           if (auto set = wcloud::cli::SetLogFormat(format); !set) {
             throw CLI::ValidationError(set.error().message());
           }
         },
         "this process's own log lines: text (default) or json, one object per line")
      ->trigger_on_parse();
  int exit_code = 0;
  wcloud::cli::AddUpCommand(app, exit_code);
  wcloud::cli::AddHostCommand(app, exit_code);
  wcloud::cli::AddOperatorCommand(app, exit_code);
  wcloud::cli::AddVersionCommand(app, exit_code);
  wcloud::cli::AddValidateCommand(app, exit_code);
  wcloud::cli::AddCrdsCommand(app, exit_code);
  wcloud::cli::AddPushCommand(app, exit_code);
  wcloud::cli::AddPullCommand(app, exit_code);
  wcloud::cli::AddRunCommand(app, exit_code);
  wcloud::cli::AddInspectCommand(app, exit_code);
  wcloud::cli::AddServeCommand(app, exit_code);
  wcloud::cli::AddLogsCommand(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
