// The ingress server with the trivial handler the nginx comparison uses: every request gets
// the same 13-byte body, answered inline on the I/O thread. Prints the port, serves until
// SIGINT or SIGTERM. Usage: ingress_bench_server [PORT] [THREADS]
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "ingress/ingress_server.h"

int main(int argc, char** argv) {
  using namespace wcloud::ingress;
  IngressOptions options;
  options.port = argc > 1 ? static_cast<uint16_t>(std::atoi(argv[1])) : 0;
  options.threads = argc > 2 ? std::atoi(argv[2]) : 1;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  // Blocked before the loop threads start, so they inherit the mask and sigwait gets them.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  constexpr std::string_view kBody = "hello world!\n";
  const HeaderList headers{{"Content-Type", "text/plain"}, {"Content-Length", "13"}};
  auto server = IngressServer::Start(options, [&headers](Exchange ex) {
    ResponseWriter& w = ex.response();
    if (w.Start(200, headers) && w.Write(kBody)) (void)w.Finish();
  });
  if (!server) {
    std::fprintf(stderr, "%s\n", server.error().message().c_str());
    return 1;
  }
  std::printf("%u\n", (*server)->port());
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  (*server)->Stop(std::chrono::seconds(1));
  return 0;
}
