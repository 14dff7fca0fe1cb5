// The API server's metrics under kube-apiserver's names: apiserver_request_total (by verb,
// dry_run, group, version, resource, subresource, scope, component and code),
// apiserver_request_duration_seconds (the same but code), apiserver_current_inflight_requests,
// apiserver_longrunning_requests (open watches) and apiserver_storage_size_bytes (the SQLite
// files); and wcloud_storage_commit_duration_seconds, the durable commit of each write.
// Label values come from the resources we serve, never from unchecked request paths, so a
// client cannot grow the number of series.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "metrics/registry.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "util/http_server.h"

namespace wcloud::apiserver {

// How kube-apiserver labels a request (k8s.io/apiserver's RequestInfo and CleanVerb/CleanScope).
struct RequestLabels {
  std::string verb;  // GET LIST WATCH POST PUT PATCH APPLY DELETE DELETECOLLECTION, or the method
  std::string dry_run;
  std::string group, version, resource, subresource;
  std::string scope;  // resource, namespace, cluster; empty for paths that name no resource
};
RequestLabels LabelRequest(const HttpRequest& req);

class RequestMetrics {
 public:
  // `storage_file`: the SQLite database whose size (with its write-ahead log) is reported.
  RequestMetrics(metrics::Registry& registry, std::filesystem::path storage_file);
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // Answers `req` with `serve`, counting and timing it; a watch counts as long-running until its
  // stream ends.
  HttpResponse Record(const HttpRequest& req,
                      const std::function<HttpResponse(const HttpRequest&)>& serve);
  // The answer to GET /metrics.
  HttpResponse Scrape();
  // For ObjectStore::Options::observe_commit.
  std::function<void(double seconds)> CommitObserver();

 private:
  void UpdateStorageSize();

  metrics::Registry& registry_;
  std::filesystem::path storage_file_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
  prometheus::Family<prometheus::Gauge>& inflight_;
  prometheus::Family<prometheus::Gauge>& longrunning_;
  prometheus::Gauge& storage_size_;
  prometheus::Histogram& commit_duration_;
  metrics::ScrapeHook storage_size_hook_;  // last: it uses the members above
};

}  // namespace wcloud::apiserver
