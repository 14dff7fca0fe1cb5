// `wcloud operator`: the controllers alone, against any Kubernetes API (`wcloud up`'s or a real
// cluster's), driving hosts over NATS with wasmCloud's host protocol. With --leader-elect,
// replicas share a Lease and only the leader acts; a leader that loses the lease exits, as
// client-go's controllers do, so it never acts beside a new one.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/kube_config_flags.h"
#include "cli/nats_flags.h"
#include "cli/observability.h"
#include "cli/stop_signals.h"
#include "hostapi/nats_transport.h"
#include "kube/kubeconfig.h"
#include "kube/leader_election.h"
#include "kube/rest_client.h"
#include "metrics/process_metrics.h"
#include "operator/nats_artifact_store.h"
#include "operator/operator.h"
#include "prometheus/gauge.h"
#include "util/duration.h"
#include "util/random.h"

namespace wcloud::cli {
namespace {

namespace fs = std::filesystem;

struct OperatorFlags {
  NatsFlags nats;
  std::string kubeconfig;
  std::string context;
  std::string watch_namespace;  // empty: all
  std::string hosts_namespace = "default";
  std::string host_ttl = "6s";
  bool leader_elect = false;
  std::string lease_namespace = "default";
  std::string lease_name = "wcloud-operator";
  std::string lease_duration = "15s";
  bool allow_plaintext_secrets = false;
  std::string artifact_bucket = "wcloud-artifacts";
  int keep_revisions = 3;
  std::string metrics_listen;  // empty: no endpoint
};

Result<kube::RestConfig> ClientConfig(const OperatorFlags& flags) {
  return KubeClientConfig(flags.kubeconfig, flags.context);
}

int RunOperator(const OperatorFlags& flags) {
  auto usage = [](const std::string& message) {
    std::cerr << "error: " << message << "\n";
    return 2;
  };
  auto ttl = ParseDuration(flags.host_ttl);
  if (!ttl) return usage("--host-ttl: " + ttl.error().message());
  auto lease = ParseDuration(flags.lease_duration);
  if (!lease) return usage("--lease-duration: " + lease.error().message());
  auto config = ClientConfig(flags);
  if (!config) return usage(config.error().message());
  config->user_agent = "wcloud-operator";
  kube::RestClient client(*config);
  // A wrong server or credentials shows now, not as a stream of retries.
  if (auto version = client.Get("/version"); !version) {
    return usage("Kubernetes API at " + config->server + ": " + version.error().message());
  }
  auto nats = ConnectNats(flags.nats, "wcloud-operator");
  if (!nats) return usage(nats.error().message());

  metrics::Registry registry;
  metrics::ProcessMetrics process_metrics(registry);
  metrics::HealthChecks health;
  health.AddLiveness("ping", [] { return Ok(); });
  metrics::ScrapeHook nats_state = ObserveNats(registry, &health, **nats);

  hostapi::NatsHostClient hosts(**nats);
  operator_::Operator::Options options;
  options.metrics = &registry;
  options.hosts = &hosts;
  options.hosts_namespace = flags.hosts_namespace;
  options.host_ttl = std::chrono::duration_cast<std::chrono::seconds>(*ttl);
  if (options.host_ttl.count() < 1) options.host_ttl = std::chrono::seconds(1);
  options.dispatch.allow_plaintext_secrets = flags.allow_plaintext_secrets;
  operator_::NatsArtifactStore artifacts(**nats, flags.artifact_bucket);
  options.artifacts.store = &artifacts;
  options.artifacts.keep_revisions = flags.keep_revisions;
  operator_::Operator controllers(client, flags.watch_namespace, options);

  // Heartbeats are acted on by the leader only (a follower writes nothing).
  std::atomic<bool> leading{!flags.leader_elect};
  auto heartbeats =
      hostapi::NatsHeartbeatSubscriber::Create(**nats, [&](const hostapi::HostHeartbeat& hb) {
        if (!leading) return;
        if (auto recorded = controllers.HeartbeatReceived(hb); !recorded) {
          std::cerr << "wcloud: heartbeat of host " << hb.id << ": " << recorded.error().message()
                    << "\n";
        }
      });
  if (!heartbeats) return usage(heartbeats.error().message());

  // Ready: the Kubernetes API answers, NATS is connected (above) and, on the replica that
  // leads, the informers have listed. Leading is reported, not required: a follower is ready to
  // take over.
  health.AddReadiness("kubernetes-api", [&client, &config]() -> Status {
    if (auto version = client.Get("/version"); !version) {
      return version.error().Wrap("Kubernetes API at " + config->server);
    }
    return Ok();
  });
  health.AddReadiness("informers-synced", [&]() -> Status {
    if (leading && !controllers.Synced()) return Error("the informers have not listed yet");
    return Ok();
  });
  health.AddReport("leader-election", [&, elect = flags.leader_elect] {
    if (!elect) return std::string("not enabled");
    return std::string(leading ? "leading" : "not the leader");
  });
  auto& leader_status = prometheus::BuildGauge()
                            .Name("leader_election_master_status")
                            .Help(
                                "Gauge of if the reporting system is master of the relevant "
                                "lease, 0 indicates backup, 1 indicates master. 'name' is the "
                                "string used to identify the lease.")
                            .Register(registry.families())
                            .Add({{"name", flags.lease_name}});
  metrics::ScrapeHook leader_state = registry.OnScrape([&] { leader_status.Set(leading ? 1 : 0); });
  auto endpoint = StartMetricsEndpoint(flags.metrics_listen, registry, health);
  if (!endpoint) return usage(endpoint.error().message());

  std::atomic<bool> lost{false};
  std::unique_ptr<kube::LeaderElector> elector;
  if (flags.leader_elect) {
    kube::LeaderElector::Config election;
    election.lease_namespace = flags.lease_namespace;
    election.lease_name = flags.lease_name;
    char hostname[256] = {};
    gethostname(hostname, sizeof(hostname) - 1);
    election.identity = std::string(hostname) + "_" + RandomHex(8);
    election.lease_duration = std::chrono::duration_cast<std::chrono::milliseconds>(*lease);
    election.renew_deadline = election.lease_duration * 2 / 3;
    election.retry_period = std::max(std::chrono::milliseconds(200), election.lease_duration / 7);
    election.on_started_leading = [&, identity = election.identity] {
      std::cout << "wcloud operator: leading as " << identity << "\n" << std::flush;
      controllers.Start();
      leading = true;
    };
    election.on_stopped_leading = [&] {
      if (!leading) return;
      leading = false;
      lost = true;
      std::cerr << "wcloud operator: lost the lease; exiting\n";
      kill(getpid(), SIGTERM);  // wakes WaitForStopSignal
    };
    elector = std::make_unique<kube::LeaderElector>(client, election);
    elector->Start();
    std::cout << "wcloud operator: waiting for lease " << flags.lease_namespace << "/"
              << flags.lease_name << "\n"
              << std::flush;
  } else {
    controllers.Start();
  }
  std::cout << "wcloud operator is up: Kubernetes API " << config->server << ", NATS "
            << (*nats)->display_urls();
  if (*endpoint) std::cout << ", metrics on port " << (*endpoint)->port();
  std::cout << "\n" << std::flush;

  const std::string signal = WaitForStopSignal();
  std::cout << "wcloud operator: stopping (" << signal << ")\n" << std::flush;
  leading = false;
  heartbeats->reset();
  controllers.Stop();
  if (elector) elector->Stop();  // a leader releases the lease: a follower takes over at once
  if (*endpoint) (*endpoint)->Stop();
  return lost ? 1 : 0;
}

}  // namespace

void AddOperatorCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "operator", "Run the controllers against a Kubernetes API, driving hosts over NATS");
  auto flags = std::make_shared<OperatorFlags>();
  AddNatsFlags(*cmd, flags->nats, /*required=*/true);
  cmd->add_option("--kubeconfig", flags->kubeconfig,
                  "kubeconfig (default: $KUBECONFIG, in a pod its service account, else "
                  "~/.kube/config)");
  cmd->add_option("--context", flags->context, "kubeconfig context (its current-context)");
  cmd->add_option("--namespace", flags->watch_namespace, "watch one namespace (all)");
  cmd->add_option("--hosts-namespace", flags->hosts_namespace, "where Host objects live (default)");
  cmd->add_option("--host-ttl", flags->host_ttl,
                  "a host silent this long is NotReady and its Workloads move (6s)");
  cmd->add_flag("--leader-elect", flags->leader_elect,
                "share a Lease with other replicas; only the leader acts");
  cmd->add_option("--lease-namespace", flags->lease_namespace, "the Lease's namespace (default)");
  cmd->add_option("--lease-name", flags->lease_name, "the Lease's name (wcloud-operator)");
  cmd->add_option("--lease-duration", flags->lease_duration,
                  "how long a silent leader keeps the lease (15s)");
  cmd->add_option("--artifact-bucket", flags->artifact_bucket,
                  "the Object Store bucket Artifacts are staged in (wcloud-artifacts)");
  cmd->add_option("--keep-revisions", flags->keep_revisions,
                  "staged revisions kept per Artifact (3)");
  AddMetricsListenFlag(*cmd, flags->metrics_listen);
  cmd->add_flag("--allow-plaintext-secrets", flags->allow_plaintext_secrets,
                "send Secret values in plaintext to hosts without a seal key (wasmCloud's)");
  cmd->callback([flags, &exit_code] {
    BlockStopSignals();
    exit_code = RunOperator(*flags);
  });
}

}  // namespace wcloud::cli
