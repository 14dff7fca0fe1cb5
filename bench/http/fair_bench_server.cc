// One host serving two workloads, for the fairness part of serve_bench.sh: `spin` (the
// http_loop component, whose /loop spins until the request timeout) and `hello` (http_hello),
// each on its own port, through WorkloadHost as `wcloud up` and `wcloud host` run them. Prints
// "ready", serves until SIGINT or SIGTERM.
// Usage: fair_bench_server SPIN_WASM HELLO_WASM THREADS TIMEOUT_MS DATA_DIR SPIN_PORT HELLO_PORT
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <tuple>

#include "host/http_router.h"
#include "host/http_service.h"
#include "host/worker_pool.h"
#include "host/workload_host.h"
#include "wasm/v8_engine.h"

namespace {

using namespace wcloud;

host::WorkloadRun Run(const std::string& key, const std::string& wasm, const std::string& port) {
  host::WorkloadRun run;
  run.key = key;
  run.revision = "1";
  run.namespace_ = "default";
  run.name = key;
  api::Component c;
  c.name = "http";
  run.spec.components.push_back(c);
  api::HostInterface http;
  http.namespace_ = "wasi";
  http.package = "http";
  http.interfaces = {"incoming-handler"};
  http.config["address"] = "127.0.0.1:" + port;
  run.spec.host_interfaces.push_back(http);
  std::ifstream in(wasm, std::ios::binary);
  auto bytes = std::make_shared<std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
  run.images["http"] = {"sha256:bench-" + key, bytes};
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr,
                 "usage: %s SPIN_WASM HELLO_WASM THREADS TIMEOUT_MS DATA_DIR SPIN_PORT "
                 "HELLO_PORT\n",
                 argv[0]);
    return 2;
  }
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto engine = wasm::NewV8Engine();
  if (!engine) {
    std::fprintf(stderr, "%s\n", engine.error().message().c_str());
    return 1;
  }
  host::WorkerPool::Options worker_options;
  worker_options.threads = std::atoi(argv[3]);
  auto workers = host::WorkerPool::Start(**engine, worker_options);
  if (!workers) {
    std::fprintf(stderr, "%s\n", workers.error().message().c_str());
    return 1;
  }
  host::HttpService service(**workers);
  host::HttpRouter router(service, {});
  host::WorkloadHost::Options options;
  options.data_dir = argv[5];
  options.request_timeout = std::chrono::milliseconds(std::atoi(argv[4]));
  host::WorkloadHost workloads(**engine, service, router, options);
  for (const auto& [key, wasm, port] :
       {std::tuple{"spin", argv[1], argv[6]}, std::tuple{"hello", argv[2], argv[7]}}) {
    host::WorkloadState state = workloads.Apply(Run(key, wasm, port));
    if (!state.ready) {
      std::fprintf(stderr, "%s: %s\n", key, state.message.c_str());
      return 1;
    }
  }
  std::printf("ready\n");
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  workloads.Remove("spin");
  workloads.Remove("hello");
  router.StopAll();
  (*workers)->Stop();
  return 0;
}
