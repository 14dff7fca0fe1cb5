// `wcloud host`: a host on its own, for a cluster of many machines. It registers with whatever
// operator listens on NATS (ours or wasmCloud's) by heartbeat, takes workload commands over
// wasmCloud's host protocol, and serves its Workloads' HTTP. SIGTERM or SIGINT drains: the
// heartbeat says so, the operator moves the Workloads away, and the host exits once they are
// stopped (or the drain timeout passed).
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "api/names.h"
#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "cli/host_limit_flags.h"
#include "cli/host_runtime.h"
#include "cli/nats_flags.h"
#include "cli/observability.h"
#include "cli/stop_signals.h"
#include "host/heartbeat_sender.h"
#include "hostapi/nats_transport.h"
#include "metrics/process_metrics.h"
#include "util/duration.h"

namespace wcloud::cli {
namespace {

namespace fs = std::filesystem;

struct HostFlags {
  NatsFlags nats;
  std::string hostgroup = "default";
  std::vector<std::string> labels;  // K=V
  std::string http_listen = "0.0.0.0:4000";
  std::string data_dir;
  std::string heartbeat_interval = "2s";
  std::string drain_timeout = "30s";
  HostLimitFlags limits;
  host::LogRing::Limits log_limits = {};
  std::string metrics_listen;  // empty: no endpoint
};

int Host(const HostFlags& flags) {
  // Usage errors and an unreachable NATS exit 2, as the issue of distributed mode asks.
  auto usage = [](const std::string& message) {
    std::cerr << "error: " << message << "\n";
    return 2;
  };
  auto interval = ParseDuration(flags.heartbeat_interval);
  if (!interval) return usage("--heartbeat-interval: " + interval.error().message());
  if (*interval < std::chrono::milliseconds(100)) {
    return usage("--heartbeat-interval: at least 100ms");
  }
  auto drain = ParseDuration(flags.drain_timeout);
  if (!drain) return usage("--drain-timeout: " + drain.error().message());
  auto limits = ParseHostLimits(flags.limits);
  if (!limits) return usage(limits.error().message());
  std::map<std::string, std::string> labels = {{"hostgroup", flags.hostgroup}};
  for (const std::string& label : flags.labels) {
    const size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) return usage("--label " + label + ": expected K=V");
    labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  // They become the Host object's labels: one the API refuses would refuse every heartbeat.
  for (const auto& [key, value] : labels) {
    if (auto why = api::CheckLabelKey(key)) return usage("label key \"" + key + "\": " + *why);
    if (auto why = api::CheckLabelValue(value)) {
      return usage("label " + key + " value \"" + value + "\": " + *why);
    }
  }

  fs::path dir = flags.data_dir;
  if (dir.empty()) {
    const char* home = std::getenv("HOME");
    dir = fs::path(home ? home : ".") / ".wcloud-host";
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return usage(dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  auto lock = DataDirLock::Acquire(dir);
  if (!lock) return usage(lock.error().message());

  auto nats = ConnectNats(flags.nats, "wcloud-host");
  if (!nats) return usage(nats.error().message());
  metrics::Registry registry;
  metrics::ProcessMetrics process_metrics(registry);
  metrics::HealthChecks health;
  health.AddLiveness("ping", [] { return Ok(); });
  metrics::ScrapeHook nats_state = ObserveNats(registry, &health, **nats);
  auto endpoint = StartMetricsEndpoint(flags.metrics_listen, registry, health);
  if (!endpoint) return usage(endpoint.error().message());
  auto runtime = HostRuntime::Start({.data_dir = dir,
                                     .http_listen = flags.http_listen,
                                     .max_memory_mb = limits->max_memory_mb,
                                     .request_timeout = limits->request_timeout,
                                     .max_request_timeout = limits->max_request_timeout,
                                     .labels = labels,
                                     .log_limits = flags.log_limits,
                                     .nats = nats->get(),
                                     .metrics = &registry});
  if (!runtime) {
    std::cerr << "error: " << runtime.error().message() << "\n";
    return 1;
  }
  HostRuntime& host = **runtime;
  auto server = hostapi::NatsHostServer::Create(**nats, host.host_id(), host.service());
  if (!server) {
    std::cerr << "error: " << server.error().message() << "\n";
    return 1;
  }
  host::HeartbeatSender heartbeats(
      [&host] { return host.service().Heartbeat(); },
      [&server](const hostapi::HostHeartbeat& hb) -> Status {
        auto sent = (*server)->PublishHeartbeat(hb);
        if (!sent) std::cerr << "wcloud: heartbeat: " << sent.error().message() << "\n";
        return sent;
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(*interval));
  heartbeats.Start();
  std::cout << "wcloud host " << host.host_id() << " is up: NATS " << (*nats)->display_urls()
            << ", hostgroup=" << flags.hostgroup << ", HTTP on " << flags.http_listen;
  if (*endpoint) std::cout << ", metrics on port " << (*endpoint)->port();
  std::cout << "\n" << std::flush;

  const std::string signal = WaitForStopSignal();
  std::cout << "wcloud host: draining (" << signal << ")\n" << std::flush;
  host.service().SetDraining();
  (void)heartbeats.SendNow();
  const auto deadline = std::chrono::steady_clock::now() + *drain;
  while (host.workloads().workload_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int left = host.workloads().workload_count();
  std::cout << "wcloud host: "
            << (left == 0 ? "drained"
                          : std::to_string(left) +
                                " workload(s) still here at the "
                                "drain timeout")
            << "; stopping\n"
            << std::flush;
  heartbeats.Stop();
  if (*endpoint) (*endpoint)->Stop();
  server->reset();
  host.Stop();
  return 0;
}

}  // namespace

void AddHostCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand(
      "host",
      "Run a host that takes its Workloads from an operator over NATS (wasmCloud's host "
      "protocol)");
  auto flags = std::make_shared<HostFlags>();
  AddNatsFlags(*cmd, flags->nats, /*required=*/true);
  cmd->add_option("--hostgroup", flags->hostgroup, "the hostgroup label (default)");
  cmd->add_option("--label", flags->labels, "a label K=V for hostSelectors (repeatable)");
  cmd->add_option("--http-listen", flags->http_listen,
                  "HTTP address for Workloads routed by Host header (0.0.0.0:4000)");
  cmd->add_option("--data-dir", flags->data_dir,
                  "identity keys and the component cache (~/.wcloud-host)");
  cmd->add_option("--heartbeat-interval", flags->heartbeat_interval,
                  "how often the host tells the operator it is alive (2s)");
  cmd->add_option("--drain-timeout", flags->drain_timeout,
                  "how long SIGTERM waits for the operator to move the Workloads away (30s)");
  AddHostLimitFlags(*cmd, flags->limits);
  AddLogRingFlags(*cmd, flags->log_limits);
  AddMetricsListenFlag(*cmd, flags->metrics_listen);
  cmd->callback([flags, &exit_code] {
    BlockStopSignals();
    exit_code = Host(*flags);
  });
}

}  // namespace wcloud::cli
