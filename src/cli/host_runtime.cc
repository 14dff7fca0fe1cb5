#include "cli/host_runtime.h"

#include <algorithm>
#include <thread>

#include "nats/nkey.h"
#include "prometheus/gauge.h"
#include "util/timestamp.h"
#include "wasm/v8_engine.h"

namespace wcloud::cli {

Result<std::unique_ptr<HostRuntime>> HostRuntime::Start(const HostRuntimeOptions& options) {
  std::unique_ptr<HostRuntime> rt(new HostRuntime());
  const auto& dir = options.data_dir;
  auto identity = nats::NKeyPair::LoadOrCreate(dir / "host.nk", nats::NKeyType::kServer);
  if (!identity) return identity.error();
  rt->host_id_ = identity->PublicKey();
  auto seal_key = hostapi::SealKey::LoadOrCreate(dir / "host.xk");
  if (!seal_key) return seal_key.error();
  rt->seal_key_ = std::make_unique<hostapi::SealKey>(std::move(*seal_key));

  if (options.metrics) {
    rt->host_metrics_ = std::make_unique<host::HostMetrics>(*options.metrics);
    rt->store_metrics_ = std::make_unique<plugins::StoreMetrics>(*options.metrics);
  }
  WCLOUD_ASSIGN_OR_RETURN(rt->engine_, wasm::NewV8Engine());
  host::WorkerPool::Options worker_options;
  // One worker more than there are cores: with several workloads one worker is held back from
  // any single one (host/fair_queue.h), and a busy workload still gets one per core.
  worker_options.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency())) + 1;
  if (options.max_memory_mb > 0) {
    worker_options.store.max_memory_bytes = options.max_memory_mb << 20;
  }
  WCLOUD_ASSIGN_OR_RETURN(rt->workers_, host::WorkerPool::Start(*rt->engine_, worker_options));
  rt->http_ = std::make_unique<host::HttpService>(*rt->workers_);
  host::HttpRouter::Options router_options;
  // The listeners' own limit, a backstop behind each component's deadline, allows the longest.
  router_options.request_timeout = std::max(options.request_timeout, options.max_request_timeout);
  rt->router_ = std::make_unique<host::HttpRouter>(*rt->http_, router_options);
  host::WorkloadHost::Options host_options;
  host_options.http_address = options.http_listen;
  host_options.request_timeout = options.request_timeout;
  host_options.max_request_timeout = options.max_request_timeout;
  host_options.data_dir = dir / "host";
  host_options.service_store = worker_options.store;  // services get the workers' memory cap
  host_options.metrics = rt->host_metrics_.get();
  host_options.store_metrics = rt->store_metrics_.get();
  host_options.log_limits = options.log_limits;
  rt->workloads_ =
      std::make_unique<host::WorkloadHost>(*rt->engine_, *rt->http_, *rt->router_, host_options);
  rt->components_ = std::make_unique<oci::LocalComponentStore>(dir / "components");
  if (options.nats) rt->objects_ = std::make_unique<host::NatsObjectSource>(*options.nats);
  rt->images_ = std::make_unique<host::ComponentImages>(rt->components_.get(), rt->objects_.get());

  host::HostService::Identity id;
  id.host_id = rt->host_id_;
  const std::string port = options.http_listen.substr(options.http_listen.rfind(':') + 1);
  id.http_port = static_cast<uint32_t>(std::atoi(port.c_str()));
  id.labels = options.labels;
  id.started_at = NowTime();
  rt->service_ =
      std::make_unique<host::HostService>(*rt->workloads_, *rt->images_, rt->seal_key_.get(), id);
  if (options.metrics) {
    auto& workloads = prometheus::BuildGauge()
                          .Name("wcloud_host_workloads")
                          .Help("Workloads running on this host.")
                          .Register(options.metrics->families())
                          .Add({});
    rt->count_workloads_ = options.metrics->OnScrape(
        [&workloads, host = rt->workloads_.get()] { workloads.Set(host->workload_count()); });
  }
  return rt;
}

HostRuntime::~HostRuntime() { Stop(); }

void HostRuntime::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (service_) service_->StopAll();
  if (router_) router_->StopAll();
  if (workers_) workers_->Stop();
}

}  // namespace wcloud::cli
