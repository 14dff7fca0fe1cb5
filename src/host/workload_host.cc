#include "host/workload_host.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>

#include "api/request_timeout.h"
#include "component/component_instance.h"
#include "host/log_output_stream.h"
#include "plugins/bindings.h"
#include "plugins/volumes.h"
#include "wasi/fd_streams.h"
#include "wasi/wasi.h"

namespace wcloud::host {
namespace {

bool IsHttpInterface(const api::HostInterface& hi) {
  return hi.namespace_ == "wasi" && hi.package == "http" &&
         (hi.interfaces.empty() || std::find(hi.interfaces.begin(), hi.interfaces.end(),
                                             "incoming-handler") != hi.interfaces.end());
}

bool ExportsIncomingHandler(const component::Component& c) {
  for (const auto& e : c.exports) {
    if (e.name.rfind("wasi:http/incoming-handler@", 0) == 0) return true;
  }
  return false;
}

}  // namespace

std::string EgressPattern(std::string entry) {
  if (const size_t scheme = entry.find("://"); scheme != std::string::npos) {
    entry = entry.substr(scheme + 3);
  }
  if (const size_t slash = entry.find('/'); slash != std::string::npos) entry.resize(slash);
  return entry;
}

// One running revision of a workload.
struct WorkloadHost::Running {
  std::string key;
  std::string revision;
  std::string owner;  // router owner id: key + generation, so revisions overlap while replacing
  std::vector<std::shared_ptr<HttpComponent>> http;
  std::unique_ptr<plugins::WorkloadVolumes> volumes;  // ephemeral ones go with the revision
  std::unique_ptr<ServiceRunner> service;
  int components = 0;
};

WorkloadHost::WorkloadHost(wasm::Engine& engine, HttpService& service, HttpRouter& router,
                           Options options)
    : engine_(engine),
      service_(service),
      router_(router),
      options_(std::move(options)),
      keyvalue_(plugins::KeyValueOptions{}, options_.store_metrics) {
  linker_ = std::make_shared<component::Linker>();
  wasi_ = wasi::AddWasiToLinker(*linker_);
  http_ = wasi::http::AddWasiHttpToLinker(*linker_, wasi_);
  plugins::AddPluginsToLinker(*linker_);
  // Not registered with spdlog: several hosts may live in one process (tests).
  guest_logger_ = std::make_shared<spdlog::logger>(
      "guest", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  auto client = wasi::http::HttpClient::Create();
  if (client) client_ = *client;  // otherwise each instance makes its own on first use
}

WorkloadHost::~WorkloadHost() {
  std::map<std::string, std::unique_ptr<Running>> running;
  {
    MutexLock lock(mu_);
    running.swap(running_);
  }
  for (auto& [key, r] : running) Stop(*r);
}

Result<std::shared_ptr<const component::InstancePre>> WorkloadHost::Compile(
    const std::string& name, const ComponentImage& image) {
  {
    MutexLock lock(mu_);
    auto it = compiled_.find(image.digest);
    if (it != compiled_.end()) return it->second;
  }
  auto bytes = std::make_shared<std::vector<uint8_t>>(image.bytes->begin(), image.bytes->end());
  auto decoded = component::DecodeComponent(std::move(bytes));
  if (!decoded) return decoded.error().Wrap("component " + name);
  auto pre = component::InstancePre::Create(engine_, *decoded, linker_);
  if (!pre) return pre.error().Wrap("component " + name);
  MutexLock lock(mu_);
  compiled_[image.digest] = *pre;
  return *pre;
}

InstanceDataFactory WorkloadHost::InstanceDataOf(wasi::WasiConfig config,
                                                 std::vector<std::string> allowed,
                                                 plugins::ComponentPlugins attached,
                                                 std::shared_ptr<LogRing> ring,
                                                 std::string name) const {
  return [config = std::move(config), http = http_, allowed = std::move(allowed), client = client_,
          attached = std::move(attached), ring = std::move(ring),
          name = std::move(name)]() -> Result<std::unique_ptr<component::InstanceData>> {
    auto data = std::make_unique<component::InstanceData>();
    // Streams of this instance's own, so that its partial lines join up.
    wasi::WasiConfig instance_config = config;
    instance_config.stdout_stream = std::make_shared<LogOutputStream>(
        ring, name, LogStream::kStdout, std::make_shared<wasi::FdOutputStream>(1));
    instance_config.stderr_stream = std::make_shared<LogOutputStream>(
        ring, name, LogStream::kStderr, std::make_shared<wasi::FdOutputStream>(2));
    WCLOUD_TRY_STATUS(wasi::AttachWasi(*data, instance_config));
    WCLOUD_TRY_STATUS(wasi::http::AttachWasiHttp(*data, http, {allowed, client}));
    plugins::AttachPlugins(*data, attached);
    return data;
  };
}

Result<std::unique_ptr<WorkloadHost::Running>> WorkloadHost::Build(const WorkloadRun& run,
                                                                   WorkloadState& state) {
  auto running = std::make_unique<Running>();
  running->key = run.key;
  running->revision = run.revision;
  std::shared_ptr<LogRing> ring;
  std::shared_ptr<GuestFailureCounter> failures;
  {
    MutexLock lock(mu_);
    running->owner = run.key + "#" + std::to_string(++generation_);
    std::shared_ptr<LogRing>& logs = logs_[run.key];
    if (!logs) logs = std::make_shared<LogRing>(options_.log_limits);
    ring = logs;
    std::shared_ptr<GuestFailureCounter>& counter = failures_[run.key];
    if (!counter) counter = std::make_shared<GuestFailureCounter>();
    failures = counter;
  }
  // What this revision set up so far goes with it.
  auto fail = [&](const std::string& reason, const Error& e) -> Error {
    state.reason = reason;
    state.message = e.message();
    router_.RemoveOwner(running->owner);
    for (auto& served : running->http) service_.Forget(*served);
    return e;
  };

  // Volumes: ephemeral ones are made now and removed with this revision.
  std::string leaf = run.key + "-" + running->owner.substr(running->owner.find('#') + 1);
  std::replace(leaf.begin(), leaf.end(), '/', '_');
  if (run.request_timeout && *run.request_timeout > options_.max_request_timeout) {
    return fail("InvalidConfiguration",
                Error("annotation " + std::string(api::kRequestTimeoutAnnotation) + ": " +
                      std::to_string(run.request_timeout->count()) + "ms is longer than this " +
                      "host allows (--max-request-timeout " +
                      std::to_string(options_.max_request_timeout.count()) + "ms)"));
  }

  auto volumes = plugins::WorkloadVolumes::Create(run.spec.volumes, options_.data_dir / leaf);
  if (!volumes) return fail("InvalidVolume", volumes.error().Wrap("spec"));
  running->volumes = std::move(*volumes);

  auto bindings = plugins::WorkloadBindings::Create({run.namespace_, run.name},
                                                    run.spec.host_interfaces, keyvalue_);
  if (!bindings) return fail("InvalidHostInterfaces", bindings.error().Wrap("spec"));

  // Where wasi:http is served.
  std::string address = options_.http_address;
  std::string route_host;
  for (const api::HostInterface& hi : run.spec.host_interfaces) {
    if (!IsHttpInterface(hi)) continue;
    if (auto it = hi.config.find("address"); it != hi.config.end() && !it->second.empty()) {
      address = it->second;
    }
    if (auto it = hi.config.find("host"); it != hi.config.end()) route_host = it->second;
  }

  for (const api::Component& c : run.spec.components) {
    auto image = run.images.find(c.name);
    if (image == run.images.end() || !image->second.bytes) {
      return fail("ImageUnavailable", Error("component " + c.name + ": no image bytes"));
    }
    auto pre = Compile(c.name, image->second);
    if (!pre) return fail("InvalidComponent", pre.error());
    // Only what the workload declares (and the host provides) may be imported.
    if (Status allowed = (*bindings)->CheckImports((*pre)->component(), *linker_); !allowed) {
      return fail("MissingImports", allowed.error().Wrap("component " + c.name));
    }
    ++running->components;

    plugins::ResolvedReferences refs;
    if (auto r = run.references.find(c.name); r != run.references.end()) {
      refs = r->second;
    } else if (auto env = run.environment.find(c.name); env != run.environment.end()) {
      refs.config_maps.emplace_back(env->second.begin(), env->second.end());
    }
    plugins::GuestLogOptions log_options;
    log_options.copy_to = [ring, name = c.name](plugins::GuestLevel level, std::string_view context,
                                                std::string_view text) {
      ring->Append(name, LogStream::kLog, text, plugins::GuestLevelName(level), context);
    };
    plugins::ComponentPlugins component_plugins = plugins::ForComponent(
        *bindings, c.name, c.local_resources, refs, guest_logger_, std::move(log_options));
    wasi::WasiConfig config;
    config.args.push_back(c.name);
    config.env = component_plugins.config->Environment();
    std::vector<std::string> allowed;
    if (c.local_resources) {
      for (const std::string& h : c.local_resources->allowed_hosts) {
        allowed.push_back(EgressPattern(h));
      }
      auto preopens = running->volumes->Preopens(c.local_resources->volume_mounts,
                                                 "component " + c.name + " volumeMounts");
      if (!preopens) return fail("InvalidVolume", preopens.error());
      config.preopens = std::move(*preopens);
    }
    if (!ExportsIncomingHandler((*pre)->component())) continue;  // linked only, nothing to serve

    auto served = std::make_shared<HttpComponent>();
    served->id = NextComponentId();
    served->name = run.key + "/" + c.name;
    served->workload = run.key;
    if (c.max_concurrency) {
      served->max_concurrency = static_cast<uint32_t>(std::max(0, *c.max_concurrency));
    }
    served->request_timeout = run.request_timeout.value_or(options_.request_timeout);
    if (c.local_resources) {
      // Each request runs on one CPU: a CPU limit bounds how many run at once.
      if (const auto cpus = c.local_resources->cpu_limit; cpus && *cpus > 0) {
        const auto limit = static_cast<uint32_t>(*cpus);
        served->max_concurrency =
            served->max_concurrency == 0 ? limit : std::min(served->max_concurrency, limit);
      }
      if (const auto mb = c.local_resources->memory_limit_mb; mb && *mb > 0) {
        served->pool.max_memory_bytes = static_cast<uint64_t>(*mb) << 20;
      }
    }
    served->failures = failures;
    if (options_.metrics) {
      served->metrics = options_.metrics->ForComponent({run.namespace_, run.name, c.name});
    }
    served->pre = *pre;
    if (c.pool_size) served->pool.pool_size = static_cast<uint32_t>(std::max(0, *c.pool_size));
    if (c.max_invocations) {
      served->pool.max_invocations =
          static_cast<uint32_t>(std::max<int64_t>(0, *c.max_invocations));
    }
    served->make_data = InstanceDataOf(config, allowed, component_plugins, ring, c.name);
    // A bad allowedHosts pattern or preopen shows now, not on the first request.
    if (auto probe = served->make_data(); !probe) {
      return fail("InvalidConfiguration", probe.error().Wrap("component " + c.name));
    }
    Status warm = service_.Add(served);
    if (!warm) return fail("InstantiationFailed", warm.error().Wrap("component " + c.name));
    running->http.push_back(served);
    Status routed = router_.Add(running->owner, address, route_host, served);
    if (!routed) return fail("ListenFailed", routed.error());
    const uint16_t port = router_.PortOf(address);
    std::string endpoint = route_host.empty() ? address.substr(0, address.rfind(':')) : route_host;
    state.endpoints.push_back("http://" + endpoint + ":" + std::to_string(port));
  }
  if (run.spec.service) {
    std::string reason;
    std::optional<uint16_t> port;
    if (!running->http.empty()) port = router_.PortOf(address);
    auto service = StartService(run, *bindings, *running->volumes, port, ring, reason);
    if (!service) return fail(reason, service.error());
    running->service = std::move(*service);
    state.service = running->service->status();
  }
  state.ready = true;
  state.reason = running->http.empty() ? "Running" : "Serving";
  state.message = running->http.empty()
                      ? std::to_string(running->components) + " component(s) ready"
                      : "serving on " + state.endpoints.front();
  return running;
}

WorkloadState WorkloadHost::Apply(const WorkloadRun& run) {
  {
    MutexLock lock(mu_);
    auto it = running_.find(run.key);
    if (it != running_.end() && it->second->revision == run.revision) return states_[run.key];
  }
  WorkloadState state;
  auto built = Build(run, state);
  std::unique_ptr<Running> old;
  if (!built) {
    state.ready = false;
    MutexLock lock(mu_);
    // The previous revision, if any, keeps serving; the condition says why the new one failed.
    states_[run.key] = state;
    return state;
  }
  {
    MutexLock lock(mu_);
    auto it = running_.find(run.key);
    if (it != running_.end()) old = std::move(it->second);
    running_[run.key] = std::move(*built);
    states_[run.key] = state;
  }
  if (old) Stop(*old);
  return state;
}

void WorkloadHost::Stop(Running& running) {
  if (running.service) running.service->Stop();
  router_.RemoveOwner(running.owner);
  for (auto& c : running.http) service_.Forget(*c);
  running.volumes.reset();
}

void WorkloadHost::Remove(const std::string& key) {
  std::unique_ptr<Running> running;
  {
    MutexLock lock(mu_);
    states_.erase(key);
    // Followers learn the workload is gone; the lines go with it.
    if (auto logs = logs_.find(key); logs != logs_.end()) {
      logs->second->Close();
      logs_.erase(logs);
    }
    failures_.erase(key);
    auto it = running_.find(key);
    if (it == running_.end()) return;
    running = std::move(it->second);
    running_.erase(it);
    ++stopping_;
  }
  Stop(*running);
  MutexLock lock(mu_);
  --stopping_;
}

std::shared_ptr<const LogRing> WorkloadHost::Logs(const std::string& key) const {
  MutexLock lock(mu_);
  auto it = logs_.find(key);
  return it == logs_.end() ? nullptr : it->second;
}

std::optional<WorkloadState> WorkloadHost::State(const std::string& key) const {
  MutexLock lock(mu_);
  auto it = states_.find(key);
  if (it == states_.end()) return std::nullopt;
  WorkloadState state = it->second;
  if (auto r = running_.find(key); r != running_.end() && r->second->service) {
    state.service = r->second->service->status();
  }
  return state;
}

std::optional<GuestFailureCounts> WorkloadHost::Failures(const std::string& key) const {
  std::shared_ptr<GuestFailureCounter> counter;
  {
    MutexLock lock(mu_);
    auto it = failures_.find(key);
    if (it == failures_.end()) return std::nullopt;
    counter = it->second;
  }
  return counter->Counts();
}

int WorkloadHost::workload_count() const {
  MutexLock lock(mu_);
  return static_cast<int>(running_.size()) + stopping_;
}

int WorkloadHost::component_count() const {
  MutexLock lock(mu_);
  int n = 0;
  for (const auto& [key, r] : running_) n += r->components;
  return n;
}

std::vector<std::string> WorkloadHost::Interfaces() const {
  return {"wasi:cli/environment@0.2.12",
          "wasi:clocks/monotonic-clock@0.2.12",
          "wasi:filesystem/types@0.2.12",
          "wasi:http/incoming-handler@0.2.12",
          "wasi:http/outgoing-handler@0.2.12",
          "wasi:io/streams@0.2.12",
          "wasi:random/random@0.2.12",
          "wasi:keyvalue/store@0.2.0-draft",
          "wasi:keyvalue/atomics@0.2.0-draft",
          "wasi:keyvalue/batch@0.2.0-draft",
          "wasi:config/store@0.2.0-rc.1",
          "wasi:logging/logging@0.1.0-draft",
          "wasi:blobstore/blobstore@0.2.0-draft",
          "wasi:blobstore/container@0.2.0-draft",
          "wasi:blobstore/types@0.2.0-draft"};
}

}  // namespace wcloud::host
