// Throughput of the embedded API server for 10,000 Workloads: create, list, watch, and resident
// memory, over HTTPS with our client. The same creates straight into the object store run
// first as the reference: the floor set by SQLite's durable commits on this machine.
// Usage: apiserver_bench [OBJECTS] [CLIENT_THREADS]
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "apiserver/api_server.h"
#include "apiserver/object_store.h"
#include "kube/rest_client.h"
#include "util/tls_certificates.h"

namespace {

using namespace wcloud;
using Clock = std::chrono::steady_clock;

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

Json Workload(int i) {
  return {{"apiVersion", "runtime.wasmcloud.dev/v1alpha1"},
          {"kind", "Workload"},
          {"metadata",
           {{"name", "w-" + std::to_string(i)},
            {"namespace", "default"},
            {"labels", {{"app", "bench"}}}}},
          {"spec",
           {{"hostSelector", {{"hostgroup", "default"}}},
            {"components", {{{"name", "http"}, {"image", "ghcr.io/x/hello:1.0"}, {"poolSize", 4}}}},
            {"hostInterfaces",
             {{{"namespace", "wasi"},
               {"package", "http"},
               {"interfaces", {"incoming-handler"}},
               {"config", {{"address", "0.0.0.0:8080"}}}}}}}}};
}

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int objects = argc > 1 ? std::atoi(argv[1]) : 10000;
  int threads = argc > 2 ? std::atoi(argv[2]) : 8;
  auto dir = std::filesystem::temp_directory_path() / ("wcloud-bench-" + std::to_string(getpid()));

  // Reference: the store alone.
  {
    auto store = apiserver::ObjectStore::Open(dir / "reference.db", {});
    if (!store) return std::fprintf(stderr, "%s\n", store.error().message().c_str()), 1;
    auto start = Clock::now();
    for (int i = 0; i < objects; ++i) {
      (void)(*store)->Create(
          {"runtime.wasmcloud.dev/workloads", "default", "w-" + std::to_string(i)}, Workload(i));
    }
    double s = Seconds(start);
    std::printf("reference  store.Create (one writer, durable commits): %6.0f objects/s\n",
                objects / s);
  }

  auto store = apiserver::ObjectStore::Open(dir / "state.db", {});
  auto ca = GenerateCertificateAuthority("bench-ca", 1);
  auto cert = IssueServerCertificate(*ca, "bench-apiserver", {"localhost"}, {"127.0.0.1"}, 1);
  apiserver::ApiServer::Options options;
  options.listen = "127.0.0.1:0";
  options.tls = *cert;
  options.token = "bench";
  auto server = apiserver::ApiServer::Start(**store, options);
  if (!server) return std::fprintf(stderr, "%s\n", server.error().message().c_str()), 1;
  kube::RestConfig config;
  config.server = "https://127.0.0.1:" + std::to_string((*server)->port());
  config.certificate_authority_pem = ca->certificate_pem;
  config.bearer_token = "bench";
  kube::RestClient client(config);
  const kube::ResourceType workloads{"runtime.wasmcloud.dev", "v1alpha1", "workloads", true};
  long rss_before = RssKb();

  // A watch from the start counts every event the creates produce.
  std::atomic<int> events{0};
  std::atomic<bool> stop{false};
  Clock::time_point last_event;
  std::thread watcher([&] {
    (void)client.Watch(
        kube::CollectionPath(workloads, "default") +
            "?watch=1&resourceVersion=" + std::to_string((*store)->revision()),
        [&](const Json&) {
          last_event = Clock::now();
          return ++events < objects;
        },
        &stop);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  auto start = Clock::now();
  std::atomic<int> next{0}, failures{0};
  std::vector<std::thread> creators;
  for (int t = 0; t < threads; ++t) {
    creators.emplace_back([&] {
      for (int i; (i = next++) < objects;) {
        Json body = Workload(i);
        if (!client.Do("POST", kube::CollectionPath(workloads, "default"), &body)) ++failures;
      }
    });
  }
  for (auto& t : creators) t.join();
  double create_s = Seconds(start);
  watcher.join();
  double watch_s = std::chrono::duration<double>(last_event - start).count();
  std::printf(
      "api server create over HTTPS (%d client threads):      %6.0f objects/s (%d failed)\n",
      threads, objects / create_s, failures.load());
  std::printf("api server watch, events delivered during the creates: %6.0f events/s (%d events)\n",
              events / watch_s, events.load());

  start = Clock::now();
  int listed = 0;
  std::string cont;
  do {
    auto page = client.Get(kube::CollectionPath(workloads, "default") + "?limit=500" +
                           (cont.empty() ? "" : "&continue=" + cont));
    if (!page) return std::fprintf(stderr, "%s\n", page.error().message().c_str()), 1;
    listed += static_cast<int>((*page)["items"].size());
    cont = (*page)["metadata"].value("continue", "");
  } while (!cont.empty());
  double list_s = Seconds(start);
  std::printf(
      "api server list, pages of 500:                          %6.0f objects/s (%d listed)\n",
      listed / list_s, listed);
  std::printf("resident memory: %ld MiB before, %ld MiB after %d objects\n", rss_before / 1024,
              RssKb() / 1024, objects);
  (*server)->Stop();
  std::filesystem::remove_all(dir);
  return 0;
}
