// The workloads this host runs. The operator (in-process in `wcloud up`) hands each Workload
// placed here to Apply with its images and configuration already resolved; the host compiles
// each component once per digest, serves wasi:http components on their configured address (a
// listener shared by every replica on this host) or by Host header on the host's HTTP port,
// and reports whether the workload serves. Remove stops it and closes listeners nobody needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/types.h"
#include "component/component.h"
#include "component/linker.h"
#include "host/guest_failures.h"
#include "host/host_metrics.h"
#include "host/http_router.h"
#include "host/http_service.h"
#include "host/log_ring.h"
#include "host/restart_policy.h"
#include "host/service_runner.h"
#include "plugins/keyvalue_connections.h"
#include "plugins/plugins.h"
#include "plugins/store_metrics.h"
#include "plugins/volumes.h"
#include "util/mutex.h"
#include "util/result.h"
#include "wasi/http/wasi_http.h"
#include "wasm/engine.h"

namespace wcloud::host {

// A component's bytes, already pulled and verified.
struct ComponentImage {
  std::string digest;  // "sha256:<hex>" of `bytes`
  std::shared_ptr<const std::string> bytes;
};

struct WorkloadRun {
  std::string key;       // one Workload (one replica): its workload ID
  std::string revision;  // changes whenever anything below changes (a hash); same: no-op
  std::string namespace_;
  std::string name;  // the Workload's (its identity for keyvalue buckets and logs)
  api::WorkloadSpec spec;
  std::map<std::string, ComponentImage> images;  // by component name
  // The component's environment: localResources.environment layered (literal config, then
  // configFrom ConfigMaps, then secretFrom Secrets; later wins). Also its wasi:config values.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> environment;
  // When given (by component name): the ConfigMaps' and Secrets' data themselves, so values
  // layer with the hostInterface and component config and secret ones stay redacted. Takes
  // the place of `environment` for that component.
  std::map<std::string, plugins::ResolvedReferences> references;
  // With spec.service: its image and its values (as `references` holds a component's).
  std::optional<ComponentImage> service_image;
  plugins::ResolvedReferences service_references;
  // Each wasi:http request's deadline (api/request_timeout.h); unset: the host's default.
  std::optional<std::chrono::milliseconds> request_timeout = {};
};

struct WorkloadState {
  bool ready = false;
  std::string reason;   // "Serving", "InvalidComponent", "MissingImports", "ListenFailed", ...
  std::string message;  // for the Ready condition; never holds secret values
  std::vector<std::string> endpoints;    // "http://0.0.0.0:8080", "http://hello.example.com:4000"
  std::optional<ServiceStatus> service;  // with spec.service: where it is now
};

// An allowedHosts entry (a URL or a host pattern: "https://api.example.com", "example.com:8080",
// "*.example.com") as the egress policy's host[:port] pattern.
std::string EgressPattern(std::string entry);

class WorkloadHost {
 public:
  struct Options {
    // Where requests routed by Host header (`config.host`) arrive, and the default address of
    // a wasi:http component that names none.
    std::string http_address = "0.0.0.0:4000";
    // Ephemeral volumes live under here (DIR/volumes/...), one directory per workload.
    std::filesystem::path data_dir = "/tmp/wcloud-host";
    // How long a request may run before it is answered with 504, unless its workload says
    // otherwise (WorkloadRun::request_timeout), which may not be longer than the maximum.
    std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
    std::chrono::milliseconds max_request_timeout{std::chrono::minutes(5)};
    // How long a failed service waits before each restart, and the store it runs in.
    RestartPolicy::Backoff service_backoff = {};
    wasm::StoreOptions service_store = {};
    // Where components' requests and instances, and keyvalue and blobstore operations, are
    // counted; none: not counted. Both must outlive the WorkloadHost.
    HostMetrics* metrics = nullptr;
    plugins::StoreMetrics* store_metrics = nullptr;
    // Each workload's log ring: its components' stdout, stderr and wasi:logging lines.
    LogRing::Limits log_limits = {};
  };

  WorkloadHost(wasm::Engine& engine, HttpService& service, HttpRouter& router, Options options);
  ~WorkloadHost();
  WorkloadHost(const WorkloadHost&) = delete;
  WorkloadHost& operator=(const WorkloadHost&) = delete;

  // Starts `run`, or replaces the running revision of the same key (the new one serves before
  // the old one stops). A workload that cannot run is not an Error: the state says why, and
  // the previous revision, if any, keeps serving.
  WorkloadState Apply(const WorkloadRun& run);
  // Stops the workload and drops its log ring; a no-op for an unknown key.
  void Remove(const std::string& key);
  // The workload's log ring (kept from its first Apply until Remove); null for an unknown key.
  std::shared_ptr<const LogRing> Logs(const std::string& key) const;
  // The last state Apply reported, if the key is known.
  std::optional<WorkloadState> State(const std::string& key) const;
  // The workload's failed requests since its first Apply (kept until Remove); none while
  // nothing failed or for an unknown key.
  std::optional<GuestFailureCounts> Failures(const std::string& key) const;

  // Workloads this host holds, counting one that Remove is still stopping: at 0 nothing of
  // them listens any more.
  int workload_count() const;
  int component_count() const;
  // The host interfaces this host provides (for its heartbeat).
  std::vector<std::string> Interfaces() const;

 private:
  struct Running;
  Result<std::unique_ptr<Running>> Build(const WorkloadRun& run, WorkloadState& state);
  Result<std::shared_ptr<const component::InstancePre>> Compile(const std::string& name,
                                                                const ComponentImage& image);
  void Stop(Running& running);
  // Makes each instance's host state (a component's or the service's): WASI with its own
  // stdout and stderr into the log ring as `name`, wasi:http with the egress policy, plugins.
  InstanceDataFactory InstanceDataOf(wasi::WasiConfig config, std::vector<std::string> allowed,
                                     plugins::ComponentPlugins attached,
                                     std::shared_ptr<LogRing> ring, std::string name) const;
  // workload_service.cc: links and starts spec.service; on failure `reason` says why.
  Result<std::unique_ptr<ServiceRunner>> StartService(
      const WorkloadRun& run, const std::shared_ptr<const plugins::WorkloadBindings>& bindings,
      plugins::WorkloadVolumes& volumes, std::optional<uint16_t> http_port,
      std::shared_ptr<LogRing> ring, std::string& reason);

  wasm::Engine& engine_;
  HttpService& service_;
  HttpRouter& router_;
  Options options_;
  std::shared_ptr<component::Linker> linker_;
  wasi::WasiResources wasi_;
  wasi::http::HttpResources http_;
  std::shared_ptr<wasi::http::HttpClient> client_;
  plugins::KeyValueConnections keyvalue_;
  std::shared_ptr<spdlog::logger> guest_logger_;

  mutable Mutex mu_;
  std::map<std::string, std::unique_ptr<Running>> running_ GUARDED_BY(mu_);  // by key
  std::map<std::string, WorkloadState> states_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<LogRing>> logs_ GUARDED_BY(mu_);  // by key
  std::map<std::string, std::shared_ptr<GuestFailureCounter>> failures_ GUARDED_BY(mu_);
  int stopping_ GUARDED_BY(mu_) = 0;  // removed from running_, listeners not yet closed
  // By digest.
  std::map<std::string, std::shared_ptr<const component::InstancePre>> compiled_ GUARDED_BY(mu_);
  uint64_t generation_ GUARDED_BY(mu_) = 0;
};

}  // namespace wcloud::host
