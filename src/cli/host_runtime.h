// A host's runtime as `wcloud up` and `wcloud host` both run it: its identity (an NKey and a
// seal key kept in the data dir, so a restarted host is the same Host), one engine, worker
// threads, the HTTP ingress, the workload table, the component cache, and its side of the host
// protocol (HostService). Built in dependency order, stopped in reverse.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "host/component_images.h"
#include "host/host_metrics.h"
#include "host/host_service.h"
#include "host/http_router.h"
#include "host/http_service.h"
#include "host/nats_object_source.h"
#include "host/worker_pool.h"
#include "host/workload_host.h"
#include "hostapi/sealing.h"
#include "metrics/registry.h"
#include "oci/component_store.h"
#include "plugins/store_metrics.h"
#include "util/result.h"
#include "wasm/engine.h"

namespace wcloud::cli {

struct HostRuntimeOptions {
  std::filesystem::path data_dir;  // host.nk, host.xk, components/, host/
  std::string http_listen;
  uint64_t max_memory_mb = 0;  // 0: the module's own limits
  // Each request's deadline unless its Workload asks for another, up to the maximum.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds max_request_timeout{std::chrono::minutes(5)};
  std::map<std::string, std::string> labels;
  host::LogRing::Limits log_limits = {};  // each workload's log ring
  // The host's NATS connection: nats-object:// images (staged Artifacts) are fetched over it.
  nats::Connection* nats = nullptr;
  // Where the workloads' requests, instances and store operations and the host's workload
  // count are recorded (host_metrics.h, plugins/store_metrics.h); none: nowhere. Outlives the
  // runtime.
  metrics::Registry* metrics = nullptr;
};

class HostRuntime {
 public:
  static Result<std::unique_ptr<HostRuntime>> Start(const HostRuntimeOptions& options);
  ~HostRuntime();  // Stop()
  HostRuntime(const HostRuntime&) = delete;
  HostRuntime& operator=(const HostRuntime&) = delete;

  // Stops every workload, the listeners and the workers.
  void Stop();

  const std::string& host_id() const { return host_id_; }
  host::HostService& service() { return *service_; }
  host::WorkloadHost& workloads() { return *workloads_; }
  oci::ComponentStore& components() { return *components_; }

 private:
  HostRuntime() = default;

  std::string host_id_;
  std::unique_ptr<hostapi::SealKey> seal_key_;
  // Before everything that records into them.
  std::unique_ptr<host::HostMetrics> host_metrics_;
  std::unique_ptr<plugins::StoreMetrics> store_metrics_;
  std::unique_ptr<wasm::Engine> engine_;
  std::unique_ptr<host::WorkerPool> workers_;
  std::unique_ptr<host::HttpService> http_;
  std::unique_ptr<host::HttpRouter> router_;
  std::unique_ptr<host::WorkloadHost> workloads_;
  std::unique_ptr<oci::LocalComponentStore> components_;
  std::unique_ptr<host::NatsObjectSource> objects_;
  std::unique_ptr<host::ComponentImages> images_;
  std::unique_ptr<host::HostService> service_;
  metrics::ScrapeHook count_workloads_;  // reads workloads_
  bool stopped_ = false;
};

}  // namespace wcloud::cli
