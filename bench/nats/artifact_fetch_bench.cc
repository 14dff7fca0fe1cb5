// What a host pays to get a component: from the JetStream Object Store (as staged Artifacts are
// fetched, digest checked) against a direct pull from an OCI registry (docker-registry with
// Basic auth, digest checked), for a 1 MB component and the 12.8 MB componentize-js fixture, in
// one run on this machine. Also the operator's one-time staging put. Prints medians of ROUNDS.
// Usage: artifact_fetch_bench [ROUNDS] [FIXTURE.wasm]  (run by hand; see docs/benchmarks.md)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "api/image_reference.h"
#include "nats/connection.h"
#include "nats/object_store.h"
#include "oci/registry_client.h"
#include "support/subprocess.h"
#include "support/test_registry.h"
#include "util/random.h"
#include "util/sha256.h"

namespace {

using Clock = std::chrono::steady_clock;
using wcloud::testing::FreePort;
using wcloud::testing::Subprocess;
using wcloud::testing::TempDir;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "artifact_fetch_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  std::string fixture = argc > 2 ? argv[2] : "";
  std::vector<std::pair<std::string, std::string>> components;
  std::string one_mb;
  for (int i = 0; i < 1024; ++i) one_mb += wcloud::RandomHex(512);  // 1 MiB of hex text
  components.emplace_back("1 MiB", one_mb);
  if (!fixture.empty()) {
    std::ifstream in(fixture, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty()) return Fail("cannot read " + fixture);
    components.emplace_back(std::to_string(bytes.size() / 100000 / 10.0).substr(0, 4) + " MB " +
                                fixture.substr(fixture.rfind('/') + 1),
                            std::move(bytes));
  }

  TempDir dir;
  const int nats_port = FreePort();
  Subprocess nats({"nats-server", "-js", "-sd", (dir.path() / "js").string(), "-a", "127.0.0.1",
                   "-p", std::to_string(nats_port)},
                  dir.path() / "nats.log");
  if (!nats.WaitForPort(nats_port)) return Fail("nats-server did not start");
  wcloud::testing::TestRegistry registry("bench", "bench-secret");
  if (!registry.ok()) return Fail("docker-registry did not start: " + registry.Log());
  wcloud::nats::ConnectOptions connect;
  connect.urls = {"nats://127.0.0.1:" + std::to_string(nats_port)};
  auto connection = wcloud::nats::Connection::Connect(connect);
  if (!connection) return Fail(connection.error().message());
  auto bucket = wcloud::nats::ObjectStore::Create(**connection, "bench-artifacts", {});
  if (!bucket) return Fail(bucket.error().message());

  std::printf("%-28s %14s %16s %18s\n", "component", "stage (put)", "object store get",
              "registry pull");
  for (const auto& [label, bytes] : components) {
    const std::string digest = wcloud::Sha256Digest(bytes);
    auto ref = wcloud::api::ParseImageReference(registry.host() + "/bench/c:1");
    wcloud::oci::RegistryClient registry_client(
        {.credentials = wcloud::oci::Credentials{"bench", "bench-secret"}});
    auto manifest = registry_client.Push(*ref, bytes);
    if (!manifest) return Fail(manifest.error().message());
    ref->digest = *manifest;
    std::vector<double> put, get, pull;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = Clock::now();
      auto stored = (*bucket)->Put(digest, bytes);
      if (!stored) return Fail(stored.error().message());
      put.push_back(Ms(Clock::now() - t0));

      t0 = Clock::now();
      auto fetched = (*bucket)->Get(digest, uint64_t{512} << 20);
      if (!fetched || wcloud::Sha256Digest(*fetched) != digest) return Fail("object store get");
      get.push_back(Ms(Clock::now() - t0));

      // A new client each round, as a host pulling for a start request does (auth included).
      t0 = Clock::now();
      wcloud::oci::RegistryClient puller(
          {.credentials = wcloud::oci::Credentials{"bench", "bench-secret"}});
      auto pulled = puller.Pull(*ref);
      if (!pulled || pulled->layer_digest != digest) return Fail("registry pull");
      pull.push_back(Ms(Clock::now() - t0));
    }
    std::printf("%-28s %11.1f ms %13.1f ms %15.1f ms\n", label.c_str(), Median(put), Median(get),
                Median(pull));
  }
  return 0;
}
