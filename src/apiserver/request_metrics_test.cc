#include "apiserver/request_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace wcloud::apiserver {
namespace {

using ::testing::HasSubstr;

HttpRequest Request(std::string method, std::string path,
                    std::map<std::string, std::string> query = {}) {
  HttpRequest req;
  req.method = std::move(method);
  req.path = std::move(path);
  req.query = std::move(query);
  return req;
}

TEST(LabelRequestTest, LabelsAsKubeApiserverDoes) {
  auto get = LabelRequest(Request("GET",
                                  "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/"
                                  "workloads/hello"));
  EXPECT_EQ(get.verb, "GET");
  EXPECT_EQ(get.group, "runtime.wasmcloud.dev");
  EXPECT_EQ(get.version, "v1alpha1");
  EXPECT_EQ(get.resource, "workloads");
  EXPECT_EQ(get.scope, "resource");

  auto list = LabelRequest(Request("GET", "/api/v1/namespaces/default/configmaps"));
  EXPECT_EQ(list.verb, "LIST");
  EXPECT_EQ(list.group, "");
  EXPECT_EQ(list.resource, "configmaps");
  EXPECT_EQ(list.scope, "namespace");

  auto watch = LabelRequest(
      Request("GET", "/apis/runtime.wasmcloud.dev/v1alpha1/hosts", {{"watch", "true"}}));
  EXPECT_EQ(watch.verb, "WATCH");
  EXPECT_EQ(watch.scope, "cluster");

  auto status = LabelRequest(Request(
      "PUT", "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads/hello/status"));
  EXPECT_EQ(status.verb, "PUT");
  EXPECT_EQ(status.subresource, "status");

  HttpRequest apply =
      Request("PATCH", "/api/v1/namespaces/default/configmaps/c", {{"dryRun", "All"}});
  apply.headers["content-type"] = "application/apply-patch+yaml";
  EXPECT_EQ(LabelRequest(apply).verb, "APPLY");
  EXPECT_EQ(LabelRequest(apply).dry_run, "All");

  EXPECT_EQ(LabelRequest(Request("DELETE", "/api/v1/namespaces/default/configmaps")).verb,
            "DELETECOLLECTION");
  EXPECT_EQ(LabelRequest(Request("POST", "/api/v1/namespaces/default/configmaps")).scope,
            "resource");
  EXPECT_EQ(LabelRequest(Request("POST", "/api/v1/namespaces")).resource, "namespaces");
}

TEST(LabelRequestTest, UnknownPathsAddNoLabelValues) {
  auto odd = LabelRequest(
      Request("GET", "/apis/evil.example/v1/namespaces/x/things-" + std::string(100, 'a')));
  EXPECT_EQ(odd.verb, "GET");
  EXPECT_EQ(odd.group, "");
  EXPECT_EQ(odd.resource, "");
  EXPECT_EQ(odd.scope, "");
  EXPECT_EQ(LabelRequest(Request("BREW", "/version")).verb, "other");
}

// A response stream that only records whether it is still referenced.
class NullStream : public ResponseStream {
 public:
  bool Write(std::string) override { return true; }
  void Close() override {}
  bool closed() const override { return false; }
  size_t pending_bytes() const override { return 0; }
  void SetListener(std::function<void()>) override {}
};

TEST(RequestMetricsTest, CountsRequestsAndOpenWatches) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("request_metrics_test_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "state.db") << std::string(4096, 'x');
  metrics::Registry registry;
  RequestMetrics metrics(registry, dir / "state.db");

  auto ok = [](const HttpRequest&) { return HttpResponse::Text(200, "{}"); };
  auto missing = [](const HttpRequest&) { return HttpResponse::Text(404, "{}"); };
  metrics.Record(Request("GET", "/api/v1/namespaces/default/configmaps"), ok);
  metrics.Record(Request("GET", "/api/v1/namespaces/default/configmaps"), ok);
  metrics.Record(Request("GET", "/api/v1/namespaces/default/configmaps/nope"), missing);

  std::shared_ptr<ResponseStream> held;
  HttpResponse watch = metrics.Record(
      Request("GET", "/api/v1/namespaces/default/configmaps", {{"watch", "1"}}),
      [&](const HttpRequest&) {
        HttpResponse r;
        r.stream = [&held](std::shared_ptr<ResponseStream> out) { held = std::move(out); };
        return r;
      });
  ASSERT_TRUE(watch.stream);
  watch.stream(std::make_shared<NullStream>());  // as the server does once headers are queued

  std::string text = registry.Scrape();
  EXPECT_THAT(text, HasSubstr("apiserver_request_total{code=\"200\",component=\"apiserver\","
                              "dry_run=\"\",group=\"\",resource=\"configmaps\",scope=\"namespace\","
                              "subresource=\"\",verb=\"LIST\",version=\"v1\"} 2"));
  EXPECT_THAT(text, HasSubstr("code=\"404\""));
  EXPECT_THAT(text, HasSubstr("apiserver_longrunning_requests{component=\"apiserver\",group=\"\","
                              "resource=\"configmaps\",scope=\"namespace\",subresource=\"\","
                              "verb=\"WATCH\",version=\"v1\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("apiserver_storage_size_bytes{storage_cluster_id=\"state.db\"} 4096"));
  EXPECT_THAT(text, HasSubstr("apiserver_request_duration_seconds_count{component=\"apiserver\","
                              "dry_run=\"\",group=\"\",resource=\"configmaps\",scope=\"namespace\","
                              "subresource=\"\",verb=\"LIST\",version=\"v1\"} 2"));

  held.reset();  // the watch ended
  EXPECT_THAT(registry.Scrape(), HasSubstr("verb=\"WATCH\",version=\"v1\"} 0"));

  metrics.CommitObserver()(0.002);
  EXPECT_THAT(registry.Scrape(), HasSubstr("wcloud_storage_commit_duration_seconds_count 1"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace wcloud::apiserver
