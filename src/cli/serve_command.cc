// `wcloud serve`: serves a wasi:http component on HOST:PORT. One line when ready, one per
// failed request; SIGTERM or SIGINT drains the requests in flight, then exits 0.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/commands.h"
#include "cli/component_options.h"
#include "cli/observability.h"
#include "cli/stop_signals.h"
#include "component/component_file.h"
#include "component/component_instance.h"
#include "host/host_metrics.h"
#include "host/http_service.h"
#include "host/worker_pool.h"
#include "ingress/ingress_server.h"
#include "metrics/process_metrics.h"
#include "plugins/bindings.h"
#include "plugins/interfaces_file.h"
#include "plugins/keyvalue_connections.h"
#include "plugins/plugins.h"
#include "plugins/store_metrics.h"
#include "plugins/volumes.h"
#include "wasi/http/wasi_http.h"
#include "wasi/wasi.h"
#include "wasm/v8_engine.h"

namespace wcloud::cli {
namespace {

struct ServeOptions {
  std::string file;
  std::string listen = "127.0.0.1:8080";
  uint32_t pool_size = 0;
  uint32_t max_invocations = 0;
  double request_timeout_seconds = 30;
  int threads = 0;
  std::vector<std::string> env;
  std::vector<std::string> dirs;
  std::vector<std::string> allowed_hosts;
  // wasmCloud's default: one guest may not take the host's memory.
  uint64_t max_memory_mb = kDefaultMaxMemoryMb;
  std::string interfaces_file;
  std::string metrics_listen;  // empty: no metrics recorded
};

Result<std::pair<std::string, uint16_t>> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return Error("--listen " + listen + ": expected HOST:PORT");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const std::string port = listen.substr(colon + 1);
  char* end = nullptr;
  const long value = std::strtol(port.c_str(), &end, 10);
  if (*end != '\0' || value < 0 || value > 65535) {
    return Error("--listen " + listen + ": " + port + " is not a port");
  }
  return std::make_pair(host, static_cast<uint16_t>(value));
}

int Serve(const ServeOptions& o) {
  auto fail = [](const Error& e) {
    std::cerr << "wcloud serve: " << e.message() << "\n";
    return 2;
  };
  auto listen = ParseListen(o.listen);
  if (!listen) return fail(listen.error());
  auto wasi_config = MakeWasiConfig(o.file, {}, o.env, o.dirs);
  if (!wasi_config) return fail(wasi_config.error());
  if (o.request_timeout_seconds <= 0) return fail(Error("--request-timeout must be positive"));
  auto component = component::LoadComponentFile(o.file);
  if (!component) return fail(component.error());

  // Built only with --metrics-listen, so that without it nothing is counted. Before everything
  // that records into them.
  metrics::Registry registry;
  metrics::HealthChecks health;
  std::unique_ptr<metrics::ProcessMetrics> process_metrics;
  std::unique_ptr<host::HostMetrics> host_metrics;
  std::unique_ptr<plugins::StoreMetrics> store_metrics;
  if (!o.metrics_listen.empty()) {
    process_metrics = std::make_unique<metrics::ProcessMetrics>(registry);
    host_metrics = std::make_unique<host::HostMetrics>(registry);
    store_metrics = std::make_unique<plugins::StoreMetrics>(registry);
    health.AddLiveness("ping", [] { return Ok(); });
  }

  auto engine = wasm::NewV8Engine();
  if (!engine) return fail(engine.error());
  auto linker = std::make_shared<component::Linker>();
  const wasi::WasiResources wasi_resources = wasi::AddWasiToLinker(*linker);
  const wasi::http::HttpResources http_resources =
      wasi::http::AddWasiHttpToLinker(*linker, wasi_resources);
  plugins::AddPluginsToLinker(*linker);
  auto pre = component::InstancePre::Create(**engine, *component, linker);
  if (!pre) return fail(pre.error().Wrap(o.file));
  auto client = wasi::http::HttpClient::Create();
  if (!client) return fail(client.error());

  // --interfaces: the workload's hostInterfaces, volumes and localResources, as in a manifest.
  plugins::InterfacesFile declared;
  if (!o.interfaces_file.empty()) {
    auto loaded = plugins::LoadInterfacesFile(o.interfaces_file);
    if (!loaded) return fail(loaded.error());
    declared = std::move(*loaded);
  }
  // No API server to read ConfigMaps and Secrets from: refused by name, as a host refuses a
  // missing one, rather than starting with part of the configuration silently absent.
  if (declared.local_resources && declared.local_resources->environment) {
    const api::EnvironmentSource& e = *declared.local_resources->environment;
    if (!e.config_from.empty() || !e.secret_from.empty()) {
      return fail(Error(o.interfaces_file + ": localResources.environment." +
                        (e.config_from.empty() ? "secretFrom" : "configFrom") +
                        ": wcloud serve cannot read ConfigMaps or Secrets; give the values in "
                        "localResources.environment.config"));
    }
  }
  const std::string name = std::filesystem::path(o.file).stem().string();
  plugins::KeyValueConnections keyvalue({}, store_metrics.get());
  auto bindings =
      plugins::WorkloadBindings::Create({"default", name}, declared.host_interfaces, keyvalue);
  if (!bindings) return fail(bindings.error().Wrap(o.interfaces_file));
  if (Status allowed = (*bindings)->CheckImports(**component, *linker); !allowed) {
    return fail(allowed.error().Wrap(o.file));
  }
  const std::filesystem::path volumes_dir =
      std::filesystem::temp_directory_path() / ("wcloud-serve-" + std::to_string(getpid()));
  // WorkloadVolumes removes only its own workload-XXXXXX directory inside; this one goes when
  // serve does (declared before `volumes`, so destroyed after it).
  struct RemovedOnExit {
    std::filesystem::path dir;
    ~RemovedOnExit() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } remove_volumes_dir{volumes_dir};
  auto volumes = plugins::WorkloadVolumes::Create(declared.volumes, volumes_dir);
  if (!volumes) return fail(volumes.error().Wrap(o.interfaces_file));
  auto logger = std::make_shared<spdlog::logger>(
      "guest", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  plugins::ComponentPlugins component_plugins =
      plugins::ForComponent(*bindings, name, declared.local_resources, {}, logger);
  // The declared environment first, then --env on top.
  std::vector<std::pair<std::string, std::string>> env = component_plugins.config->Environment();
  env.insert(env.end(), wasi_config->env.begin(), wasi_config->env.end());
  wasi_config->env = std::move(env);
  std::vector<std::string> allowed_hosts = o.allowed_hosts;
  if (declared.local_resources) {
    auto preopens = (*volumes)->Preopens(declared.local_resources->volume_mounts,
                                         "localResources.volumeMounts");
    if (!preopens) return fail(preopens.error().Wrap(o.interfaces_file));
    wasi_config->preopens.insert(wasi_config->preopens.end(), preopens->begin(), preopens->end());
    allowed_hosts.insert(allowed_hosts.end(), declared.local_resources->allowed_hosts.begin(),
                         declared.local_resources->allowed_hosts.end());
  }
  // Checked once here, so a bad pattern is a usage error rather than a failure per instance.
  {
    component::InstanceData probe;
    if (Status s = wasi::AttachWasi(probe, *wasi_config); !s) return fail(s.error());
    if (Status s = wasi::http::AttachWasiHttp(probe, http_resources, {allowed_hosts, *client});
        !s) {
      return fail(s.error());
    }
  }

  auto served = std::make_shared<host::HttpComponent>();
  served->id = host::NextComponentId();
  served->name = std::filesystem::path(o.file).filename().string();
  served->pre = *pre;
  served->pool.pool_size = o.pool_size;
  served->pool.max_invocations = o.max_invocations;
  if (host_metrics) served->metrics = host_metrics->ForComponent({"default", name, name});
  served->request_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(o.request_timeout_seconds * 1000));
  served->make_data = [config = *wasi_config, http_resources, allowed = allowed_hosts,
                       client = *client,
                       component_plugins]() -> Result<std::unique_ptr<component::InstanceData>> {
    auto data = std::make_unique<component::InstanceData>();
    WCLOUD_TRY_STATUS(wasi::AttachWasi(*data, config));
    WCLOUD_TRY_STATUS(wasi::http::AttachWasiHttp(*data, http_resources, {allowed, client}));
    plugins::AttachPlugins(*data, component_plugins);
    return data;
  };

  host::WorkerPool::Options worker_options;
  worker_options.threads = o.threads;
  if (o.max_memory_mb > 0) worker_options.store.max_memory_bytes = o.max_memory_mb << 20;
  auto workers = host::WorkerPool::Start(**engine, worker_options);
  if (!workers) return fail(workers.error());
  host::HttpService service(**workers);
  if (Status warm = service.Add(served); !warm) {
    (*workers)->Stop();
    return fail(warm.error().Wrap(o.file));
  }

  auto endpoint = StartMetricsEndpoint(o.metrics_listen, registry, health);
  if (!endpoint) {
    (*workers)->Stop();
    return fail(endpoint.error());
  }

  ingress::IngressOptions ingress_options;
  ingress_options.host = listen->first;
  ingress_options.port = listen->second;
  ingress_options.threads = o.threads;
  // The worker answers 504 at the request timeout; the server's own limit is a backstop.
  ingress_options.request_timeout = served->request_timeout + std::chrono::seconds(5);
  auto server = ingress::IngressServer::Start(ingress_options,
                                              [&service, served](ingress::Exchange exchange) {
                                                service.Handle(std::move(exchange), served);
                                              });
  if (!server) {
    (*workers)->Stop();
    return fail(server.error());
  }
  std::cout << "wcloud serve: " << served->name << " listening on http://"
            << o.listen.substr(0, o.listen.rfind(':')) << ":" << (*server)->port() << "/";
  if (*endpoint) std::cout << ", metrics on port " << (*endpoint)->port();
  std::cout << std::endl;

  const char* received = WaitForStopSignal();
  std::cout << "wcloud serve: draining (" << received << ")" << std::endl;
  (*server)->Stop(std::chrono::seconds(30));
  (*workers)->Stop();
  if (*endpoint) (*endpoint)->Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("serve", "serve a wasi:http component");
  auto o = std::make_shared<ServeOptions>();
  cmd->add_option("component", o->file, "the component (.wasm)")->required();
  cmd->add_option("--listen", o->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--pool-size", o->pool_size,
                  "warm instances kept per worker thread (0: a fresh instance per request)");
  cmd->add_option("--max-invocations", o->max_invocations,
                  "requests a pooled instance serves before it is replaced (0: no limit)");
  cmd->add_option("--request-timeout", o->request_timeout_seconds,
                  "seconds a request may run before it is answered with 504")
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "worker and network threads (0: one per core)");
  cmd->add_option("--env", o->env, "an environment variable NAME=VALUE (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--dir", o->dirs, "a host directory the guest may use, HOST::GUEST (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--allow-host", o->allowed_hosts,
                  "a host outgoing requests may reach: example.com, example.com:8080, "
                  "*.example.com or * (repeatable; none: all denied)")
      ->allow_extra_args(false);
  cmd->add_option("--max-memory-mb", o->max_memory_mb,
                  "cap each linear memory at this size; 0: the module's own limits (256)");
  cmd->add_option("--interfaces", o->interfaces_file,
                  "a YAML file with hostInterfaces: (and volumes:, localResources:) as in a "
                  "Workload: keyvalue, config and logging bindings, volumes, allowed hosts");
  AddMetricsListenFlag(*cmd, o->metrics_listen);
  cmd->callback([o, &exit_code] {
    BlockStopSignals();
    exit_code = Serve(*o);
  });
}

}  // namespace wcloud::cli
