// WorkloadHost's side of a workload's service (spec.service): linked like the components —
// the workload's host interfaces, volumes and config — and run by a ServiceRunner.
#include <algorithm>

#include "host/workload_host.h"
#include "plugins/bindings.h"
#include "plugins/volumes.h"
#include "wasi/wasi.h"

namespace wcloud::host {
namespace {

constexpr char kServiceName[] = "service";

bool ExportsCliRun(const component::Component& c) {
  for (const auto& e : c.exports) {
    if (e.name.rfind("wasi:cli/run@0.2.", 0) == 0) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<ServiceRunner>> WorkloadHost::StartService(
    const WorkloadRun& run, const std::shared_ptr<const plugins::WorkloadBindings>& bindings,
    plugins::WorkloadVolumes& volumes, std::optional<uint16_t> http_port,
    std::shared_ptr<LogRing> ring, std::string& reason) {
  const api::Service& service = *run.spec.service;
  if (!run.service_image || !run.service_image->bytes) {
    reason = "ImageUnavailable";
    return Error("service: no image bytes");
  }
  auto pre = Compile(kServiceName, *run.service_image);
  if (!pre) {
    reason = "InvalidComponent";
    return pre.error();
  }
  if (!ExportsCliRun((*pre)->component())) {
    reason = "InvalidComponent";
    return Error("service: the component does not export wasi:cli/run@0.2.x");
  }
  if (Status allowed = bindings->CheckImports((*pre)->component(), *linker_); !allowed) {
    reason = "MissingImports";
    return allowed.error().Wrap("service");
  }

  // Its output goes to the workload's log ring as a component's does, labelled "service".
  plugins::GuestLogOptions log_options;
  log_options.copy_to = [ring](plugins::GuestLevel level, std::string_view context,
                               std::string_view text) {
    ring->Append(kServiceName, LogStream::kLog, text, plugins::GuestLevelName(level), context);
  };
  plugins::ComponentPlugins service_plugins =
      plugins::ForComponent(bindings, kServiceName, service.local_resources, run.service_references,
                            guest_logger_, std::move(log_options));
  wasi::WasiConfig config;
  config.args.push_back(kServiceName);
  config.env = service_plugins.config->Environment();
  std::vector<std::string> allowed;
  if (service.local_resources) {
    for (const std::string& h : service.local_resources->allowed_hosts) {
      allowed.push_back(EgressPattern(h));
    }
    auto preopens =
        volumes.Preopens(service.local_resources->volume_mounts, "service volumeMounts");
    if (!preopens) {
      reason = "InvalidVolume";
      return preopens.error();
    }
    config.preopens = std::move(*preopens);
  }
  // As in wasmCloud, the service reaches the workload's own HTTP components over loopback even
  // when allowedHosts does not name them; no other loopback port.
  if (http_port) {
    for (const char* loopback : {"127.0.0.1", "localhost", "[::1]"}) {
      allowed.push_back(std::string(loopback) + ":" + std::to_string(*http_port));
    }
  }
  ServiceRunner::MakeData make_data =
      InstanceDataOf(config, allowed, service_plugins, ring, kServiceName);

  // A bad allowedHosts pattern or preopen shows now, not in the service's first run.
  if (auto probe = make_data(); !probe) {
    reason = "InvalidConfiguration";
    return probe.error().Wrap("service");
  }
  ServiceRunner::Options options;
  options.name = run.key + "/" + kServiceName;
  options.max_restarts = static_cast<uint64_t>(std::max(0, service.max_restarts.value_or(0)));
  options.backoff = options_.service_backoff;
  options.store = options_.service_store;
  if (service.local_resources && service.local_resources->memory_limit_mb.value_or(0) > 0) {
    options.store.max_memory_bytes =
        static_cast<uint64_t>(*service.local_resources->memory_limit_mb) << 20;
  }
  auto runner = ServiceRunner::Start(engine_, *pre, std::move(make_data), std::move(options));
  if (!runner) reason = "ServiceFailed";
  return runner;
}

}  // namespace wcloud::host
