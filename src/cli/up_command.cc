// `wcloud up`: the embedded default. Serves the Kubernetes API for our kinds on this machine
// (SQLite under --data-dir, TLS with a CA generated there, a bearer token) and writes a
// kubeconfig, so kubectl works with nothing else installed.
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>

#include "apiserver/api_server.h"
#include "apiserver/object_store.h"
#include "apiserver/request_metrics.h"
#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "cli/host_limit_flags.h"
#include "cli/host_log_source.h"
#include "cli/host_runtime.h"
#include "cli/nats_flags.h"
#include "cli/observability.h"
#include "cli/stop_signals.h"
#include "host/heartbeat_sender.h"
#include "hostapi/host_api.h"
#include "hostapi/nats_transport.h"
#include "kube/kubeconfig.h"
#include "kube/rest_client.h"
#include "metrics/process_metrics.h"
#include "metrics/registry.h"
#include "operator/local_artifact_store.h"
#include "operator/nats_artifact_store.h"
#include "operator/operator.h"
#include "util/random.h"
#include "util/tls_certificates.h"

namespace wcloud::cli {
namespace {

namespace fs = std::filesystem;

struct UpFlags {
  std::string data_dir;
  std::string api_listen = "127.0.0.1:6443";
  // Where Workloads routed by Host header (config.host) and those naming no address are served.
  std::string http_listen = "127.0.0.1:4000";
  HostLimitFlags limits;
  host::LogRing::Limits log_limits = {};
  NatsFlags nats;  // hosts on other machines, when given
  bool no_operator = false;
  std::string artifact_bucket = "wcloud-artifacts";
  int keep_revisions = 3;
};

std::optional<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Secrets (keys, token, kubeconfig) are written owner-only, through a temporary file.
Status WritePrivate(const fs::path& p, const std::string& content) {
  fs::path tmp = p;
  tmp += ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error(tmp.string() + ": cannot create");
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            fsync(fd) == 0;
  close(fd);
  std::error_code ec;
  if (ok) fs::rename(tmp, p, ec);
  if (!ok || ec) return Error(p.string() + ": cannot write");
  return Ok();
}

Result<PemKeyPair> LoadOrCreateCa(const fs::path& dir) {
  auto cert = ReadFile(dir / "ca.crt");
  auto key = ReadFile(dir / "ca.key");
  if (cert && key) return PemKeyPair{*cert, *key};
  WCLOUD_ASSIGN_OR_RETURN(auto ca, GenerateCertificateAuthority("wcloud-ca", 3650));
  WCLOUD_TRY_STATUS(WritePrivate(dir / "ca.key", ca.private_key_pem));
  WCLOUD_TRY_STATUS(WritePrivate(dir / "ca.crt", ca.certificate_pem));
  return ca;
}

Result<std::string> LoadOrCreateToken(const fs::path& path) {
  if (auto token = ReadFile(path)) {
    std::string t = *token;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    if (!t.empty()) return t;
  }
  std::string token = RandomHex(32);
  WCLOUD_TRY_STATUS(WritePrivate(path, token + "\n"));
  return token;
}

// /readyz of `wcloud up` beyond the API server's own: the embedded operator has listed and runs,
// and the embedded host's heartbeats reach it (its Host is Ready in the operator's cache).
void AddEmbeddedChecks(metrics::HealthChecks& health, const operator_::Operator& controllers,
                       const std::string& host_id) {
  health.AddReadiness("operator-informers-synced", [&controllers]() -> Status {
    if (!controllers.Synced()) return Error("the operator's informers have not listed yet");
    return Ok();
  });
  health.AddReadiness("operator-controllers", [&controllers]() -> Status {
    if (!controllers.Running()) return Error("the operator's controllers are stopped");
    return Ok();
  });
  health.AddReadiness("host", [&controllers, host_id]() -> Status {
    for (const auto& h : controllers.KnownHosts()) {
      if (h->spec.host_id != host_id) continue;
      const std::string state = operator_::HostRegistry::StateOf(*h);
      if (state == "Ready") return Ok();
      return Error("host " + host_id + " is " + state);
    }
    return Error("host " + host_id + " has not sent a heartbeat yet");
  });
}

int Up(const UpFlags& flags) {
  // kubectl's form: "error: what went wrong", then what to do about it.
  auto fail = [](const Error& e, std::string_view hint = {}) {
    std::cerr << "error: " << e.message() << "\n";
    if (!hint.empty()) std::cerr << "  " << hint << "\n";
    return 1;
  };
  auto limits = ParseHostLimits(flags.limits);
  if (!limits) {
    std::cerr << "error: " << limits.error().message() << "\n";
    return 2;
  }
  fs::path dir = flags.data_dir;
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    dir = fs::path(home ? home : ".") / ".wcloud";
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Error(dir.string() + ": " + ec.message()));
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  auto lock = DataDirLock::Acquire(dir);
  if (!lock) return fail(lock.error());

  std::string host = flags.api_listen.substr(0, flags.api_listen.rfind(':'));
  std::string port = flags.api_listen.substr(flags.api_listen.rfind(':') + 1);
  std::string client_host = host == "0.0.0.0" || host.empty() ? "127.0.0.1" : host;

  auto ca = LoadOrCreateCa(dir);
  if (!ca) return fail(ca.error());
  std::vector<std::string> ips = {"127.0.0.1", "::1"};
  if (client_host != "127.0.0.1" &&
      client_host.find_first_not_of("0123456789.") == std::string::npos) {
    ips.push_back(client_host);
  }
  auto serving = IssueServerCertificate(*ca, "wcloud-apiserver", {"localhost"}, ips, 365);
  if (!serving) return fail(serving.error());
  auto token = LoadOrCreateToken(dir / "token");
  if (!token) return fail(token.error());

  // One registry for the API server, the operator and the host, served on the API's listener.
  metrics::Registry registry;
  metrics::ProcessMetrics process_metrics(registry);
  apiserver::RequestMetrics api_metrics(registry, dir / "state.db");
  apiserver::ObjectStore::Options store_options;
  store_options.observe_commit = api_metrics.CommitObserver();
  auto store = apiserver::ObjectStore::Open(dir / "state.db", store_options);
  if (!store) return fail(store.error());
  // /healthz, /livez and /readyz on the API's listener; the embedded parts add theirs below.
  metrics::HealthChecks health;
  health.AddLiveness("ping", [] { return Ok(); });

  // Hosts on other machines, over NATS, when asked for.
  std::unique_ptr<nats::Connection> nats;
  std::unique_ptr<hostapi::NatsHostClient> remote_hosts;
  if (!flags.nats.urls.empty()) {
    auto connected = ConnectNats(flags.nats, "wcloud-up");
    if (!connected) {
      std::cerr << "error: " << connected.error().message() << "\n";
      return 2;
    }
    nats = std::move(*connected);
    remote_hosts = std::make_unique<hostapi::NatsHostClient>(*nats);
  }
  // Hosts by ID, for the operator and for the API server's workloads/NAME/log.
  hostapi::LocalHosts hosts(remote_hosts.get());
  HostLogSource host_logs(hosts);
  apiserver::ApiServer::Options options;
  options.workload_logs = &host_logs;
  options.metrics = &api_metrics;
  options.health = &health;
  options.listen = flags.api_listen;
  options.tls = *serving;
  options.token = *token;
  auto server = apiserver::ApiServer::Start(**store, options);
  if (!server) {
    return fail(server.error().Wrap("cannot serve the Kubernetes API"),
                "another program may be listening there; choose another address with "
                "--api-listen HOST:PORT");
  }

  std::string server_url = "https://" + client_host + ":" + std::to_string((*server)->port());
  fs::path kubeconfig = dir / "kubeconfig";
  auto written = WritePrivate(
      kubeconfig, kube::RenderKubeconfig("wcloud", server_url, ca->certificate_pem, *token));
  if (!written) return fail(written.error());

  kube::RestConfig client_config;
  client_config.server = server_url;
  client_config.certificate_authority_pem = ca->certificate_pem;
  client_config.bearer_token = *token;
  client_config.user_agent = "wcloud-operator";
  kube::RestClient client(client_config);

  metrics::ScrapeHook nats_state;
  if (nats) nats_state = ObserveNats(registry, &health, *nats);

  // The host of this machine: a stable identity, its runtime, and its side of the protocol.
  auto runtime = HostRuntime::Start({.data_dir = dir,
                                     .http_listen = flags.http_listen,
                                     .max_memory_mb = limits->max_memory_mb,
                                     .request_timeout = limits->request_timeout,
                                     .max_request_timeout = limits->max_request_timeout,
                                     .labels = {{"hostgroup", "default"}},
                                     .log_limits = flags.log_limits,
                                     .nats = nats.get(),
                                     .metrics = &registry});
  if (!runtime) return fail(runtime.error());
  HostRuntime& runtime_host = **runtime;

  // The operator reaches this host in-process, through the same host protocol as remote ones.
  // Without it (--no-operator: another one drives the cluster), this host serves over NATS.
  hosts.Add(runtime_host.host_id(), runtime_host.service());
  std::unique_ptr<operator_::ArtifactStore> artifact_store;
  std::unique_ptr<operator_::Operator> controllers;
  std::unique_ptr<hostapi::NatsHostServer> host_server;
  std::unique_ptr<hostapi::NatsHeartbeatSubscriber> remote_heartbeats;
  host::HeartbeatSender::Sink send;
  if (!flags.no_operator) {
    operator_::Operator::Options operator_options;
    if (nats) {
      artifact_store = std::make_unique<operator_::NatsArtifactStore>(*nats, flags.artifact_bucket);
      operator_options.artifacts.keep_revisions = flags.keep_revisions;
    } else {
      artifact_store = std::make_unique<operator_::LocalArtifactStore>(runtime_host.components());
    }
    operator_options.artifacts.store = artifact_store.get();
    operator_options.hosts = &hosts;
    operator_options.metrics = &registry;
    controllers = std::make_unique<operator_::Operator>(client, "", operator_options);
    controllers->Start();
    send = [&controllers](const hostapi::HostHeartbeat& hb) -> Status {
      auto recorded = controllers->HeartbeatReceived(hb);
      if (!recorded) {
        std::cerr << "wcloud: heartbeat of host " << hb.id << ": " << recorded.error().message()
                  << "\n";
      }
      return recorded;
    };
    if (nats) {
      auto subscribed = hostapi::NatsHeartbeatSubscriber::Create(
          *nats, [send](const hostapi::HostHeartbeat& hb) { (void)send(hb); });
      if (!subscribed) return fail(subscribed.error());
      remote_heartbeats = std::move(*subscribed);
    }
  } else {
    auto served =
        hostapi::NatsHostServer::Create(*nats, runtime_host.host_id(), runtime_host.service());
    if (!served) return fail(served.error());
    host_server = std::move(*served);
    send = [&host_server](const hostapi::HostHeartbeat& hb) -> Status {
      auto sent = host_server->PublishHeartbeat(hb);
      if (!sent) std::cerr << "wcloud: heartbeat: " << sent.error().message() << "\n";
      return sent;
    };
  }
  host::HeartbeatSender heartbeats([&runtime_host] { return runtime_host.service().Heartbeat(); },
                                   send, std::chrono::seconds(2));
  heartbeats.Start();
  if (controllers) AddEmbeddedChecks(health, *controllers, runtime_host.host_id());

  std::cout << "wcloud is up: Kubernetes API for runtime.wasmcloud.dev/v1alpha1 at " << server_url
            << "\n"
            << "  host:       " << runtime_host.host_id() << " (hostgroup=default), HTTP on "
            << flags.http_listen << "\n"
            << "  data:       " << dir.string() << "\n"
            << "  kubeconfig: " << kubeconfig.string() << "\n\n"
            << "export KUBECONFIG=" << kubeconfig.string() << "\n"
            << "kubectl apply -f config/samples/ && kubectl get wasmcloud\n"
            << std::flush;

  const std::string signal = WaitForStopSignal();
  std::cout << "wcloud: stopping (" << signal << ")\n" << std::flush;
  heartbeats.Stop();
  remote_heartbeats.reset();
  host_server.reset();
  if (controllers) controllers->Stop();
  runtime_host.Stop();
  (*server)->Stop();
  return 0;
}

}  // namespace

void AddUpCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "up", "Run wcloud on this machine: a Kubernetes-compatible API server (kubectl works)");
  auto flags = std::make_shared<UpFlags>();
  cmd->add_option("--data-dir", flags->data_dir, "State, certificates and kubeconfig (~/.wcloud)");
  cmd->add_option("--api-listen", flags->api_listen, "API server address (127.0.0.1:6443)");
  AddHostLimitFlags(*cmd, flags->limits);
  AddLogRingFlags(*cmd, flags->log_limits);
  cmd->add_option("--http-listen", flags->http_listen,
                  "the host's HTTP address for workloads routed by Host header (127.0.0.1:4000)");
  AddNatsFlags(*cmd, flags->nats, /*required=*/false);
  cmd->add_option(
      "--artifact-bucket", flags->artifact_bucket,
      "with --nats: the Object Store bucket Artifacts are staged in (wcloud-artifacts)");
  cmd->add_option("--keep-revisions", flags->keep_revisions,
                  "with --nats: staged revisions kept per Artifact (3)");
  cmd->add_flag("--no-operator", flags->no_operator,
                "run no operator here (`wcloud operator` runs elsewhere); this host then takes "
                "its Workloads over NATS (needs --nats)");
  cmd->callback([flags, &exit_code] {
    BlockStopSignals();
    if (flags->no_operator && flags->nats.urls.empty()) {
      std::cerr << "error: --no-operator needs --nats: this host takes its Workloads from an "
                   "operator over NATS\n";
      exit_code = 2;
      return;
    }
    exit_code = Up(*flags);
  });
}

}  // namespace wcloud::cli
