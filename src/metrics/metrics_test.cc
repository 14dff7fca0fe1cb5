#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/atomic_histogram.h"
#include "metrics/endpoint.h"
#include "metrics/health.h"
#include "metrics/process_metrics.h"
#include "metrics/registry.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"

namespace wcloud::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(RegistryTest, ScrapesFamiliesInTheTextFormat) {
  Registry registry;
  auto& requests = prometheus::BuildCounter()
                       .Name("test_requests_total")
                       .Help("Requests.")
                       .Register(registry.families())
                       .Add({{"code", "200"}});
  requests.Increment(3);
  const std::string text = registry.Scrape();
  EXPECT_THAT(text, HasSubstr("# HELP test_requests_total Requests.\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE test_requests_total counter\n"));
  EXPECT_THAT(text, HasSubstr("test_requests_total{code=\"200\"} 3"));
}

TEST(RegistryTest, HooksRunBeforeEachScrapeUntilDestroyed) {
  Registry registry;
  auto& gauge = prometheus::BuildGauge()
                    .Name("test_age_seconds")
                    .Help("Age.")
                    .Register(registry.families())
                    .Add({});
  int runs = 0;
  {
    ScrapeHook hook = registry.OnScrape([&] { gauge.Set(++runs); });
    EXPECT_THAT(registry.Scrape(), HasSubstr("test_age_seconds 1"));
    ScrapeHook moved = std::move(hook);  // the moved-from handle removes nothing
    EXPECT_THAT(registry.Scrape(), HasSubstr("test_age_seconds 2"));
  }
  EXPECT_THAT(registry.Scrape(), HasSubstr("test_age_seconds 2"));
  EXPECT_EQ(runs, 2);
}

TEST(RegistryTest, ExponentialBucketsAsTheGoClientBuildsThem) {
  EXPECT_THAT(ExponentialBuckets(1e-8, 10, 10),
              ::testing::Pointwise(::testing::DoubleNear(1e-12),
                                   {1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0}));
}

TEST(AtomicHistogramTest, ObservationsReachTheScrapeOnceEach) {
  Registry registry;
  const std::vector<double> bounds = {0.125, 1};
  auto& target = prometheus::BuildHistogram()
                     .Name("test_seconds")
                     .Help("Times.")
                     .Register(registry.families())
                     .Add({}, bounds);
  AtomicHistogram histogram(target, bounds);
  ScrapeHook flush = registry.OnScrape([&] { histogram.Flush(); });
  histogram.Observe(0.125);  // buckets hold values up to their bound
  histogram.Observe(0.5);
  histogram.Observe(7);
  std::string text = registry.Scrape();
  EXPECT_THAT(text, HasSubstr("test_seconds_bucket{le=\"0.125\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("test_seconds_bucket{le=\"1\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("test_seconds_bucket{le=\"+Inf\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("test_seconds_sum 7.625\n"));
  histogram.Observe(0.01);
  text = registry.Scrape();
  EXPECT_THAT(text, HasSubstr("test_seconds_bucket{le=\"0.125\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("test_seconds_count 4\n"));
}

TEST(ProcessMetricsTest, ReadsTheProcess) {
  Registry registry;
  ProcessMetrics process(registry);
  const std::string text = registry.Scrape();
  EXPECT_THAT(text, HasSubstr("# TYPE process_cpu_seconds_total counter"));
  EXPECT_THAT(text, HasSubstr("wcloud_build_info{"));
  EXPECT_THAT(text, Not(HasSubstr("process_resident_memory_bytes 0\n")));
  EXPECT_THAT(text, Not(HasSubstr("process_open_fds 0\n")));
  EXPECT_THAT(text, Not(HasSubstr("process_start_time_seconds 0\n")));
}

HttpRequest Get(std::string path, std::map<std::string, std::string> query = {}) {
  HttpRequest req;
  req.method = "GET";
  req.path = std::move(path);
  req.query = std::move(query);
  return req;
}

TEST(HealthChecksTest, ReadinessFailsOnARequiredCheckOnly) {
  HealthChecks health;
  bool connected = false;
  health.AddLiveness("ping", [] { return Ok(); });
  health.AddReadiness("nats", [&]() -> Status {
    if (!connected) return Error("not connected");
    return Ok();
  });
  health.AddReport("leader-election", [] { return std::string("not the leader"); });

  auto live = health.Serve(Get("/healthz"));
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  EXPECT_EQ(live->body, "ok");

  auto ready = health.Serve(Get("/readyz"));
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 500);
  EXPECT_THAT(ready->body, HasSubstr("[+]ping ok\n"));
  EXPECT_THAT(ready->body, HasSubstr("[-]nats failed: not connected\n"));
  EXPECT_THAT(ready->body, HasSubstr("[+]leader-election ok: not the leader\n"));
  EXPECT_THAT(ready->body, HasSubstr("readyz check failed"));

  connected = true;
  ready = health.Serve(Get("/readyz"));
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(ready->body, "ok");
  ready = health.Serve(Get("/readyz", {{"verbose", ""}}));
  EXPECT_THAT(ready->body, HasSubstr("[+]nats ok\n"));
  EXPECT_THAT(ready->body, HasSubstr("readyz check passed"));

  EXPECT_FALSE(health.Serve(Get("/metrics")));

  // kube-apiserver's ?exclude=, repeatable: a failing check left out leaves the rest to decide.
  connected = false;
  HttpRequest excluding = Get("/readyz", {{"exclude", "nats"}});
  excluding.target = "/readyz?exclude=nats&exclude=etcd&verbose";
  excluding.query["verbose"] = "";
  ready = health.Serve(excluding);
  EXPECT_EQ(ready->status, 200) << ready->body;
  EXPECT_THAT(ready->body, HasSubstr("[+]nats excluded: ok\n"));
  EXPECT_THAT(ready->body, HasSubstr("[+]ping ok\n"));
  EXPECT_THAT(ready->body,
              HasSubstr("warn: some health checks cannot be excluded: no matches for \"etcd\""));
}

size_t Collect(char* p, size_t s, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, s * n);
  return s * n;
}

struct Reply {
  long status = 0;
  std::string content_type;
  std::string body;
};

Reply Fetch(const std::string& url) {
  Reply r;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    char* type = nullptr;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
    if (type) r.content_type = type;
  }
  curl_easy_cleanup(curl);
  return r;
}

TEST(EndpointTest, ServesMetricsAndHealthOverHttp) {
  Registry registry;
  prometheus::BuildGauge().Name("test_up").Help("Up.").Register(registry.families()).Add({}).Set(1);
  HealthChecks health;
  health.AddReadiness("synced", [] { return Status(Error("informers not synced")); });
  auto endpoint = Endpoint::Start("127.0.0.1:0", registry, health);
  ASSERT_TRUE(endpoint) << endpoint.error().message();
  const std::string base = "http://127.0.0.1:" + std::to_string((*endpoint)->port());

  Reply metrics = Fetch(base + "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(metrics.body, HasSubstr("test_up 1"));
  EXPECT_EQ(Fetch(base + "/healthz").status, 200);
  Reply ready = Fetch(base + "/readyz");
  EXPECT_EQ(ready.status, 500);
  EXPECT_THAT(ready.body, HasSubstr("[-]synced failed: informers not synced"));
  EXPECT_EQ(Fetch(base + "/other").status, 404);
}

}  // namespace
}  // namespace wcloud::metrics
