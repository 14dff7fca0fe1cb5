#include "apiserver/request_metrics.h"

#include <chrono>
#include <memory>
#include <vector>

#include "apiserver/resources.h"
#include "metrics/endpoint.h"

namespace wcloud::apiserver {
namespace {

std::vector<std::string> PathParts(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

// The method, when it is one kube-apiserver reports; "other" otherwise.
std::string CleanMethod(const std::string& method) {
  for (const char* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT"}) {
    if (method == m) return method;
  }
  return "other";
}

// A stream that counts as one long-running request while the watch holds it.
class CountedStream : public ResponseStream {
 public:
  CountedStream(std::shared_ptr<ResponseStream> inner, prometheus::Gauge& open)
      : inner_(std::move(inner)), open_(open) {
    open_.Increment();
  }
  ~CountedStream() override { open_.Decrement(); }
  bool Write(std::string chunk) override { return inner_->Write(std::move(chunk)); }
  void Close() override { inner_->Close(); }
  bool closed() const override { return inner_->closed(); }
  size_t pending_bytes() const override { return inner_->pending_bytes(); }
  void SetListener(std::function<void()> listener) override {
    inner_->SetListener(std::move(listener));
  }

 private:
  std::shared_ptr<ResponseStream> inner_;
  prometheus::Gauge& open_;
};

}  // namespace

RequestLabels LabelRequest(const HttpRequest& req) {
  RequestLabels labels;
  labels.verb = CleanMethod(req.method);
  labels.dry_run = req.Query("dryRun") == "All" ? "All" : "";
  std::vector<std::string> parts = PathParts(req.path);
  size_t i = 0;
  std::string group, version;
  if (parts.size() >= 3 && parts[0] == "api") {
    version = parts[1];
    i = 2;
  } else if (parts.size() >= 4 && parts[0] == "apis") {
    group = parts[1];
    version = parts[2];
    i = 3;
  } else {
    return labels;  // not a resource: discovery, /version, /openapi, /metrics, ...
  }
  std::vector<std::string> rest(parts.begin() + static_cast<long>(i), parts.end());
  bool has_namespace = false;
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status" && rest[2] != "finalize") {
    has_namespace = true;
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  const ResourceDef* def = FindResource(group, version, rest[0]);
  if (!def || rest.size() > 3) return labels;
  const bool named = rest.size() >= 2;
  labels.group = def->group;
  labels.version = def->version;
  labels.resource = def->plural;
  if (rest.size() == 3 && (rest[2] == "status" || rest[2] == "scale")) labels.subresource = rest[2];
  const std::string watch = req.Query("watch");
  if (req.method == "GET") {
    if (named) {
      labels.verb = "GET";
    } else {
      labels.verb = (watch == "true" || watch == "1") ? "WATCH" : "LIST";
    }
  } else if (req.method == "PATCH" &&
             req.Header("content-type") == "application/apply-patch+yaml") {
    labels.verb = "APPLY";
  } else if (req.method == "DELETE" && !named) {
    labels.verb = "DELETECOLLECTION";
  }
  if (named || req.method == "POST") {
    labels.scope = "resource";
  } else if (has_namespace) {
    labels.scope = "namespace";
  } else {
    labels.scope = "cluster";
  }
  return labels;
}

RequestMetrics::RequestMetrics(metrics::Registry& registry, std::filesystem::path storage_file)
    : registry_(registry),
      storage_file_(std::move(storage_file)),
      requests_(prometheus::BuildCounter()
                    .Name("apiserver_request_total")
                    .Help("Counter of apiserver requests broken out for each verb, dry run "
                          "value, group, version, resource, scope, component, and HTTP response "
                          "code.")
                    .Register(registry.families())),
      durations_(prometheus::BuildHistogram()
                     .Name("apiserver_request_duration_seconds")
                     .Help("Response latency distribution in seconds for each verb, dry run "
                           "value, group, version, resource, subresource, scope and component.")
                     .Register(registry.families())),
      inflight_(prometheus::BuildGauge()
                    .Name("apiserver_current_inflight_requests")
                    .Help("Requests being served, by request kind (a watch only while it "
                          "starts).")
                    .Register(registry.families())),
      longrunning_(prometheus::BuildGauge()
                       .Name("apiserver_longrunning_requests")
                       .Help("Gauge of all active long-running apiserver requests broken out by "
                             "verb, group, version, resource, scope and component. Not all "
                             "requests are tracked this way.")
                       .Register(registry.families())),
      storage_size_(prometheus::BuildGauge()
                        .Name("apiserver_storage_size_bytes")
                        .Help("Size of the storage database file physically allocated in bytes.")
                        .Register(registry.families())
                        .Add({{"storage_cluster_id", storage_file_.filename().string()}})),
      commit_duration_(
          prometheus::BuildHistogram()
              .Name("wcloud_storage_commit_duration_seconds")
              .Help("Latency of the storage's durable commits (SQLite COMMIT, fsync included).")
              .Register(registry.families())
              .Add({}, metrics::ExponentialBuckets(0.0001, 2, 16))),
      storage_size_hook_(registry.OnScrape([this] { UpdateStorageSize(); })) {
  // Both kinds exist from the start, as kube-apiserver's do.
  inflight_.Add({{"request_kind", "readOnly"}});
  inflight_.Add({{"request_kind", "mutating"}});
}

HttpResponse RequestMetrics::Record(const HttpRequest& req,
                                    const std::function<HttpResponse(const HttpRequest&)>& serve) {
  const RequestLabels l = LabelRequest(req);
  prometheus::Labels labels = {{"verb", l.verb},         {"dry_run", l.dry_run},
                               {"group", l.group},       {"version", l.version},
                               {"resource", l.resource}, {"subresource", l.subresource},
                               {"scope", l.scope},       {"component", "apiserver"}};
  const bool read_only = req.method == "GET" || req.method == "HEAD";
  prometheus::Gauge& inflight =
      inflight_.Add({{"request_kind", read_only ? "readOnly" : "mutating"}});
  inflight.Increment();
  const auto start = std::chrono::steady_clock::now();
  HttpResponse response = serve(req);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  inflight.Decrement();
  // A watch's time is until its stream starts; its life shows in apiserver_longrunning_requests.
  durations_
      .Add(labels,
           prometheus::Histogram::BucketBoundaries{0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8,
                                                   1.0,   1.25,  1.5,  2,   3,   4,   5,   6,
                                                   8,     10,    15,   20,  30,  45,  60})
      .Observe(seconds);
  if (response.stream && l.verb == "WATCH") {
    prometheus::Labels open = labels;
    open.erase("dry_run");
    prometheus::Gauge& gauge = longrunning_.Add(open);
    response.stream = [inner = std::move(response.stream),
                       &gauge](std::shared_ptr<ResponseStream> out) {
      inner(std::make_shared<CountedStream>(std::move(out), gauge));
    };
  }
  labels.emplace("code", std::to_string(response.status));
  requests_.Add(labels).Increment();
  return response;
}

HttpResponse RequestMetrics::Scrape() { return metrics::MetricsResponse(registry_); }

std::function<void(double)> RequestMetrics::CommitObserver() {
  return [this](double seconds) { commit_duration_.Observe(seconds); };
}

void RequestMetrics::UpdateStorageSize() {
  double bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(storage_file_.string() + suffix, ec);
    if (!ec) bytes += static_cast<double>(size);
  }
  storage_size_.Set(bytes);
}

}  // namespace wcloud::apiserver
