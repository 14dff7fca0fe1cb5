// `wcloud logs [-n NS] WORKLOAD [-f] [--since DUR] [--tail N] [-c COMPONENT]`: what a Workload's
// components wrote (stdout, stderr, wasi:logging), from the host that runs it. Through the
// cluster's API server (workloads/NAME/log, which `wcloud up` serves), or, with --nats, straight
// from the host over the host protocol (the Workload's placement read from the API server).
#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include "api/placement.h"
#include "apiserver/workload_log.h"
#include "cli/commands.h"
#include "cli/host_log_source.h"
#include "cli/kube_config_flags.h"
#include "cli/nats_flags.h"
#include "hostapi/nats_transport.h"
#include "kube/rest_client.h"
#include "util/duration.h"
#include "util/percent_encode.h"
#include "util/timestamp.h"

namespace wcloud::cli {
namespace {

struct LogsFlags {
  std::string kubeconfig;
  std::string context;
  std::string ns = "default";
  std::string workload;
  bool follow = false;
  std::string since;
  int64_t tail = -1;  // all
  std::string component;
  NatsFlags nats;
};

const kube::ResourceType kWorkloads{"runtime.wasmcloud.dev", "v1alpha1", "workloads", true};

// Over the API server: one GET, streamed while following.
Status ViaApiServer(kube::RestClient& client, const LogsFlags& flags, std::chrono::seconds since) {
  std::string path = kube::ObjectPath(kWorkloads, flags.ns, flags.workload, "log") + "?";
  if (flags.follow) path += "follow=true&";
  if (since.count() > 0) path += "sinceSeconds=" + std::to_string(since.count()) + "&";
  if (flags.tail >= 0) path += "tailLines=" + std::to_string(flags.tail) + "&";
  if (!flags.component.empty()) path += "container=" + PercentEncode(flags.component) + "&";
  path.pop_back();
  return client.GetText(path, [](std::string_view data) {
    std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    return static_cast<bool>(std::cout);
  });
}

// Straight from the host over NATS: pages after the last sequence seen.
Status ViaNats(kube::RestClient& client, const LogsFlags& flags, std::chrono::seconds since) {
  WCLOUD_ASSIGN_OR_RETURN(Json workload,
                          client.Get(kube::ObjectPath(kWorkloads, flags.ns, flags.workload)));
  std::map<std::string, std::string> annotations;
  if (workload["metadata"].contains("annotations")) {
    for (const auto& [k, v] : workload["metadata"]["annotations"].items()) {
      if (v.is_string()) annotations[k] = v.get<std::string>();
    }
  }
  auto placement = api::PlacementOf(annotations);
  if (!placement) {
    return Error("workload \"" + flags.workload + "\" has not been started on a host",
                 ErrorCode::kFailedPrecondition);
  }
  WCLOUD_ASSIGN_OR_RETURN(std::unique_ptr<nats::Connection> nats,
                          ConnectNats(flags.nats, "wcloud-logs"));
  hostapi::NatsHostClient hosts(*nats);
  hostapi::WorkloadLogsRequest request;
  request.workload_id = placement->workload_id;
  request.component = flags.component;
  if (since.count() > 0) request.since_time = FormatMicroTime(WallClock::now() - since);
  if (flags.tail >= 0) request.tail_lines = static_cast<uint64_t>(flags.tail);
  const std::string where = "workload \"" + flags.workload + "\" on host " + placement->host_id;
  for (bool first = true;; first = false) {
    WCLOUD_ASSIGN_OR_RETURN(hostapi::WorkloadLogs logs, hosts.Logs(placement->host_id, request));
    if (!logs.error.empty()) return Error(where + ": " + logs.error, ErrorCode::kInvalidArgument);
    if (!logs.found) {
      if (!first) return Ok();  // it stopped while we followed
      return Error(where + ": not running there", ErrorCode::kNotFound);
    }
    for (const auto& e : logs.entries) std::cout << apiserver::FormatLogLine(ToLogLine(e));
    std::cout.flush();
    if (!std::cout || logs.ended || (!logs.more && !flags.follow)) return Ok();
    request.after_sequence = logs.last_sequence;
    request.tail_lines = 0;
    request.since_time.clear();
    request.wait_millis = logs.more ? 0 : 2000;
  }
}

int RunLogs(const LogsFlags& flags) {
  std::chrono::seconds since{0};
  if (!flags.since.empty()) {
    auto parsed = ParseDuration(flags.since);
    if (!parsed) {
      std::cerr << "error: --since: " << parsed.error().message() << "\n";
      return 2;
    }
    since = std::chrono::ceil<std::chrono::seconds>(*parsed);
  }
  auto config = KubeClientConfig(flags.kubeconfig, flags.context);
  if (!config) {
    std::cerr << "error: " << config.error().message() << "\n";
    return 2;
  }
  config->user_agent = "wcloud-logs";
  kube::RestClient client(*config);
  Status done =
      flags.nats.urls.empty() ? ViaApiServer(client, flags, since) : ViaNats(client, flags, since);
  if (!done) {
    std::cerr << "error: " << done.error().message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void AddLogRingFlags(CLI::App& cmd, host::LogRing::Limits& limits) {
  cmd.add_option("--log-ring-bytes", limits.max_bytes,
                 "keep this much of each workload's output for `wcloud logs`")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{1} << 30));
  cmd.add_option("--log-ring-lines", limits.max_lines,
                 "keep at most this many lines of each workload's output")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{10'000'000}));
}

void AddLogsCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<LogsFlags>();
  CLI::App* cmd = app.add_subcommand(
      "logs", "Print what a Workload's components wrote (stdout, stderr, wasi:logging)");
  cmd->add_option("workload", flags->workload, "the Workload's name")->required();
  cmd->add_option("-n,--namespace", flags->ns, "its namespace")->capture_default_str();
  cmd->add_flag("-f,--follow", flags->follow, "keep printing new lines until interrupted");
  cmd->add_option("--since", flags->since, "only lines newer than this (5s, 2m, 1h)");
  cmd->add_option("--tail", flags->tail, "only the last N lines (-1: all)")->capture_default_str();
  cmd->add_option("-c,--component", flags->component, "only this component's lines");
  cmd->add_option("--kubeconfig", flags->kubeconfig,
                  "kubeconfig (default: $KUBECONFIG, in a pod its service account, else "
                  "~/.kube/config)");
  cmd->add_option("--context", flags->context, "kubeconfig context (its current-context)");
  AddNatsFlags(*cmd, flags->nats, /*required=*/false);
  cmd->callback([flags, &exit_code] { exit_code = RunLogs(*flags); });
}

}  // namespace wcloud::cli
