// The Kubernetes-compatible API server of `wcloud up`: discovery, CRUD, patch, watch and Table
// output over HTTPS with a bearer token, so kubectl and client libraries work unchanged.
#pragma once

#include <memory>
#include <string>

#include "apiserver/crd_resource.h"
#include "apiserver/garbage_collector.h"
#include "apiserver/object_store.h"
#include "apiserver/registry.h"
#include "apiserver/request_metrics.h"
#include "apiserver/watch_hub.h"
#include "apiserver/workload_log.h"
#include "metrics/health.h"
#include "util/http_server.h"
#include "util/result.h"
#include "util/timestamp.h"

namespace wcloud::apiserver {

class ApiServer {
 public:
  struct Options {
    std::string listen = "127.0.0.1:6443";
    std::optional<PemKeyPair> tls;  // HTTPS when set
    std::string token;              // required as "Authorization: Bearer <token>"
    int threads = 4;
    std::chrono::milliseconds bookmark_interval{10000};
    // Counts and times requests, and serves GET /metrics (to holders of the token, as
    // kube-apiserver serves it to authorized users); no /metrics when null.
    RequestMetrics* metrics = nullptr;
    // What /healthz, /livez and /readyz check (open to all, as kube-apiserver's): in `wcloud up`
    // the embedded operator and host too; "ok" while none are given.
    const metrics::HealthChecks* health = nullptr;
    // Serves workloads/NAME/log from the Workloads' hosts; without it, log requests are 503.
    WorkloadLogSource* workload_logs = nullptr;
  };

  static Result<std::unique_ptr<ApiServer>> Start(ObjectStore& store, Options options);
  ~ApiServer();

  uint16_t port() const { return http_->port(); }
  void Stop();

 private:
  ApiServer(ObjectStore& store, Options options)
      : store_(store),
        registry_(store),
        collector_(registry_),
        options_(std::move(options)),
        crds_(NowTime()),
        logs_(options_.workload_logs) {}
  HttpResponse Handle(const HttpRequest& req);
  HttpResponse Serve(const HttpRequest& req);
  HttpResponse Watch(const HttpRequest& req, const RequestScope& scope);
  HttpResponse ServeCrds(const HttpRequest& req, const RequestScope& scope);

  ObjectStore& store_;
  Registry registry_;
  GarbageCollector collector_;  // deletes and releases dependents after a request wrote the owner
  Options options_;
  const BuiltInCrds crds_;  // established when this server starts
  std::unique_ptr<HttpServer> http_;
  WatchHub watches_;  // every open watch response
  WorkloadLogServer logs_;
};

}  // namespace wcloud::apiserver
