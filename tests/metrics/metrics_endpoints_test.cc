// The /metrics and health endpoints of real processes: `wcloud up`'s (behind its token, read by
// kubectl), checked by promtool and scraped by a real Prometheus server that computes a rate;
// and those of `wcloud operator`, `wcloud host` and `wcloud serve` on --metrics-listen, beside a
// nats-server, with the series of the workloads they served.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/subprocess.h"
#include "support/wait_for.h"
#include "test_components.h"
#include "util/json.h"

namespace wcloud {
namespace {

using namespace std::chrono_literals;
using testing::CommandResult;
using testing::FreePort;
using ::testing::HasSubstr;
using testing::RunCommand;
using testing::Subprocess;
using testing::TempDir;
using testing::TestComponentPath;
using testing::WaitFor;
using testing::WcloudBinary;

const char kConfigMap[] = R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: scraped
  namespace: default
data:
  greeting: hello
)";

// GET `url` with curl: {exit code, body}; the status code is the body's last line.
CommandResult Curl(const std::string& url, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv = {"curl", "-sS", "--max-time", "10", "-w", "\n%{http_code}"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  return RunCommand(argv);
}

std::string StatusOf(const CommandResult& r) { return r.out.substr(r.out.rfind('\n') + 1); }

// A WorkloadDeployment "hello" of http_hello routed by Host header hello.example, on hosts of
// `hostgroup`.
std::string HelloDeployment(const std::string& hostgroup) {
  return R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata:
  name: hello
spec:
  replicas: 1
  template:
    spec:
      hostSelector:
        hostgroup: )" +
         hostgroup + R"(
      components:
        - name: web
          image: file://)" +
         TestComponentPath("http_hello") + R"(
      hostInterfaces:
        - namespace: wasi
          package: http
          interfaces: [incoming-handler]
          config:
            host: hello.example
)";
}

// promtool's lint of an exposition: empty when it has nothing to say.
std::string Promtool(const std::string& exposition) {
  CommandResult r = RunCommand({"promtool", "check", "metrics"}, exposition);
  if (r.exit_code == 0 && r.out.empty() && r.err.empty()) return "";
  return "exit " + std::to_string(r.exit_code) + ": " + r.out + r.err;
}

class MetricsTest : public ::testing::Test {
 protected:
  MetricsTest() : api_port_(FreePort()), http_port_(FreePort()) {}

  // `wcloud up` on free ports (its workloads' listener too, so no fixed port is shared).
  bool StartUp(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {WcloudBinary(),  "up",
                                     "--data-dir",    UpDir().string(),
                                     "--api-listen",  "127.0.0.1:" + std::to_string(api_port_),
                                     "--http-listen", "127.0.0.1:" + std::to_string(http_port_)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    up_ = std::make_unique<Subprocess>(argv, dir_.path() / "up.log");
    if (!up_->WaitForPort(api_port_)) return false;
    return WaitFor([&] { return std::filesystem::exists(Kubeconfig()); }, 10s);
  }
  std::filesystem::path UpDir() const { return dir_.path() / "up"; }
  std::string Kubeconfig() const { return (UpDir() / "kubeconfig").string(); }
  CommandResult Kubectl(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", Kubeconfig(), "--request-timeout=20s"});
    return RunCommand(args, input);
  }
  std::string Logs() const {
    std::string logs;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      if (entry.path().extension() != ".log") continue;
      std::ifstream in(entry.path());
      logs += "--- " + entry.path().filename().string() + "\n" +
              std::string(std::istreambuf_iterator<char>(in), {});
    }
    return logs;
  }

  TempDir dir_;
  int api_port_;
  int http_port_;
  std::unique_ptr<Subprocess> up_;
};

TEST_F(MetricsTest, UpServesMetricsToTokenHoldersThatPromtoolAccepts) {
  ASSERT_TRUE(StartUp()) << Logs();
  CommandResult applied = Kubectl({"apply", "-f", "-"}, kConfigMap);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;

  // The embedded host's heartbeats make its Host Ready; the operator's informers watch.
  std::string text;
  ASSERT_TRUE(WaitFor(
      [&] {
        CommandResult r = Kubectl({"get", "--raw", "/metrics"});
        text = r.out;
        return r.exit_code == 0 &&
               text.find("wcloud_hosts{state=\"Ready\"} 1") != std::string::npos;
      },
      30s))
      << text << Logs();
  EXPECT_EQ(Promtool(text), "") << text;

  // kubectl apply created the ConfigMap: a POST to a namespaced collection, answered 201.
  EXPECT_THAT(text, HasSubstr("apiserver_request_total{code=\"201\",component=\"apiserver\","
                              "dry_run=\"\",group=\"\",resource=\"configmaps\",scope=\"resource\","
                              "subresource=\"\",verb=\"POST\",version=\"v1\"} 1"));
  EXPECT_THAT(text, HasSubstr("apiserver_request_duration_seconds_bucket{"));
  EXPECT_THAT(text, HasSubstr("verb=\"WATCH\""));  // the operator's informers
  EXPECT_THAT(text, HasSubstr("apiserver_longrunning_requests{"));
  EXPECT_THAT(text, HasSubstr("apiserver_storage_size_bytes{storage_cluster_id=\"state.db\"}"));
  EXPECT_THAT(text, HasSubstr("wcloud_storage_commit_duration_seconds_count"));
  EXPECT_THAT(text, HasSubstr("workqueue_adds_total{name=\"workload-scheduler\"}"));
  EXPECT_THAT(text, HasSubstr("workqueue_queue_duration_seconds_bucket{"));
  EXPECT_THAT(text,
              HasSubstr("controller_runtime_reconcile_total{controller=\"workload-scheduler\","
                        "result=\"requeue_after\"}"));
  EXPECT_THAT(text, HasSubstr("controller_runtime_reconcile_time_seconds_bucket{"));
  EXPECT_THAT(text, HasSubstr("process_cpu_seconds_total "));
  EXPECT_THAT(text, HasSubstr("wcloud_host_workloads 0"));  // the embedded host's

  // A workload on the embedded host: its series on the same /metrics.
  applied = Kubectl({"apply", "-f", "-"}, HelloDeployment("default"));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string hello_url = "http://127.0.0.1:" + std::to_string(http_port_) + "/";
  ASSERT_TRUE(WaitFor(
      [&] {
        return StatusOf(Curl(hello_url, {"-H", "Host: hello.example"})) == "200";
      },
      60s))
      << Logs();
  text = Kubectl({"get", "--raw", "/metrics"}).out;
  EXPECT_EQ(Promtool(text), "") << text;
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_total{code=\"2xx\",component=\"web\","
                              "namespace=\"default\",workload=\"hello-"));
  EXPECT_THAT(text, HasSubstr("wcloud_host_workloads 1"));

  // Without the token: 401, as kube-apiserver answers an anonymous /metrics; health is open.
  const std::string base = "https://127.0.0.1:" + std::to_string(api_port_);
  const std::string ca = (UpDir() / "ca.crt").string();
  EXPECT_EQ(StatusOf(Curl(base + "/metrics", {"--cacert", ca})), "401");
  EXPECT_EQ(StatusOf(Curl(base + "/readyz", {"--cacert", ca})), "200");

  // /readyz checks the embedded operator and host too, in kube-apiserver's format.
  CommandResult ready = Kubectl({"get", "--raw", "/readyz?verbose"});
  EXPECT_EQ(ready.exit_code, 0) << ready.out << ready.err;
  for (const char* line : {"[+]ping ok", "[+]operator-informers-synced ok",
                           "[+]operator-controllers ok", "[+]host ok", "readyz check passed"}) {
    EXPECT_THAT(ready.out, HasSubstr(line));
  }
  ready = Kubectl({"get", "--raw", "/readyz?verbose&exclude=host"});
  EXPECT_THAT(ready.out, HasSubstr("[+]host excluded: ok"));
}

TEST_F(MetricsTest, PrometheusScrapesUpAndComputesARequestRate) {
  ASSERT_TRUE(StartUp()) << Logs();
  const int prometheus_port = FreePort();
  const auto config = dir_.path() / "prometheus.yml";
  std::ofstream(config) << "global:\n"
                           "  scrape_interval: 1s\n"
                           "  evaluation_interval: 1s\n"
                           "scrape_configs:\n"
                           "  - job_name: wcloud\n"
                           "    scheme: https\n"
                           "    authorization:\n"
                           "      credentials_file: "
                        << (UpDir() / "token").string()
                        << "\n"
                           "    tls_config:\n"
                           "      ca_file: "
                        << (UpDir() / "ca.crt").string()
                        << "\n"
                           "    static_configs:\n"
                           "      - targets: ['127.0.0.1:"
                        << api_port_ << "']\n";
  // Killed (SIGTERM, then SIGKILL) when the test ends, however it ends.
  Subprocess prometheus({"prometheus", "--config.file=" + config.string(),
                         "--storage.tsdb.path=" + (dir_.path() / "tsdb").string(),
                         "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port)},
                        dir_.path() / "prometheus.log");
  ASSERT_TRUE(prometheus.WaitForPort(prometheus_port)) << Logs();

  const std::string query_url =
      "http://127.0.0.1:" + std::to_string(prometheus_port) + "/api/v1/query";
  auto query = [&](const std::string& promql) -> Json {
    CommandResult r = RunCommand(
        {"curl", "-sS", "--max-time", "10", "--data-urlencode", "query=" + promql, query_url});
    Json body = Json::parse(r.out, nullptr, false);
    if (body.is_discarded() || body.value("status", "") != "success") return Json::array();
    return body["data"]["result"];
  };
  // A scalar of the first result, 0 when there is none.
  auto value = [&](const std::string& promql) {
    Json result = query(promql);
    if (!result.is_array() || result.empty()) return 0.0;
    return std::stod(result[0]["value"][1].get<std::string>());
  };
  double up = 0, rate = 0;
  ASSERT_TRUE(WaitFor(
      [&] {
        // Traffic to count: kubectl reading the ConfigMaps.
        (void)Kubectl({"get", "configmaps"});
        up = value("up{job=\"wcloud\"}");
        rate =
            value("sum(rate(apiserver_request_total{resource=\"configmaps\",verb=\"LIST\"}[15s]))");
        return up == 1 && rate > 0;
      },
      90s, 1s))
      << "up=" << up << " rate=" << rate << "\n"
      << Logs();
  // The operator's five work queues came along in the same scrape.
  EXPECT_EQ(value("count(workqueue_depth{job=\"wcloud\"})"), 5);
}

TEST_F(MetricsTest, OperatorAndHostServeMetricsAndHealthOnMetricsListen) {
  const int nats_port = FreePort();
  Subprocess nats({"nats-server", "-js", "-sd", (dir_.path() / "jetstream").string(), "-a",
                   "127.0.0.1", "-p", std::to_string(nats_port)},
                  dir_.path() / "nats.log");
  ASSERT_TRUE(nats.WaitForPort(nats_port)) << Logs();
  const std::string nats_url = "nats://127.0.0.1:" + std::to_string(nats_port);
  ASSERT_TRUE(StartUp({"--nats", nats_url, "--no-operator"})) << Logs();

  const int operator_port = FreePort();
  Subprocess op({WcloudBinary(), "operator", "--nats", nats_url, "--kubeconfig", Kubeconfig(),
                 "--metrics-listen", "127.0.0.1:" + std::to_string(operator_port)},
                dir_.path() / "operator.log");
  const int host_port = FreePort();
  const int host_http_port = FreePort();
  Subprocess host(
      {WcloudBinary(), "host", "--nats", nats_url, "--data-dir", (dir_.path() / "host").string(),
       "--hostgroup", "edge", "--http-listen", "127.0.0.1:" + std::to_string(host_http_port),
       "--metrics-listen", "127.0.0.1:" + std::to_string(host_port)},
      dir_.path() / "host.log");
  ASSERT_TRUE(op.WaitForPort(operator_port)) << Logs();
  ASSERT_TRUE(host.WaitForPort(host_port)) << Logs();

  const std::string operator_url = "http://127.0.0.1:" + std::to_string(operator_port);
  CommandResult ready;
  ASSERT_TRUE(WaitFor([&] {
    ready = Curl(operator_url + "/readyz?verbose");
    return StatusOf(ready) == "200";
  })) << ready.out
      << Logs();
  EXPECT_THAT(ready.out, HasSubstr("[+]kubernetes-api ok"));
  EXPECT_THAT(ready.out, HasSubstr("[+]informers-synced ok"));
  EXPECT_THAT(ready.out, HasSubstr("[+]nats ok"));
  EXPECT_THAT(ready.out, HasSubstr("[+]leader-election ok: not enabled"));
  EXPECT_EQ(StatusOf(Curl(operator_url + "/healthz")), "200");

  // Both hosts (up's and the other) beat into Ready Host objects.
  std::string text;
  ASSERT_TRUE(WaitFor(
      [&] {
        CommandResult r = Curl(operator_url + "/metrics");
        text = r.out.substr(0, r.out.rfind('\n') + 1);
        return text.find("wcloud_hosts{state=\"Ready\"} 2") != std::string::npos;
      },
      30s))
      << text << Logs();
  EXPECT_EQ(Promtool(text), "") << text;
  EXPECT_THAT(text, HasSubstr("workqueue_depth{name=\"workload-dispatcher\"}"));
  EXPECT_THAT(text,
              HasSubstr("controller_runtime_reconcile_total{controller=\"workload-scheduler\""));
  EXPECT_THAT(text, HasSubstr("wcloud_nats_connected 1"));
  EXPECT_THAT(text, HasSubstr("leader_election_master_status{name=\"wcloud-operator\"} 1"));

  const std::string host_url = "http://127.0.0.1:" + std::to_string(host_port);
  CommandResult host_metrics = Curl(host_url + "/metrics");
  std::string host_text = host_metrics.out.substr(0, host_metrics.out.rfind('\n') + 1);
  EXPECT_EQ(StatusOf(host_metrics), "200");
  EXPECT_EQ(Promtool(host_text), "") << host_text;
  EXPECT_THAT(host_text, HasSubstr("wcloud_nats_connected 1"));
  EXPECT_THAT(host_text, HasSubstr("wcloud_host_workloads 0"));

  // A workload on that host, asked three times: its series, labelled with its Workload.
  CommandResult applied = Kubectl({"apply", "-f", "-"}, HelloDeployment("edge"));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  const std::string hello_url = "http://127.0.0.1:" + std::to_string(host_http_port) + "/";
  ASSERT_TRUE(WaitFor(
      [&] {
        return StatusOf(Curl(hello_url, {"-H", "Host: hello.example"})) == "200";
      },
      60s))
      << Logs();
  for (int i = 0; i < 2; ++i) Curl(hello_url, {"-H", "Host: hello.example"});
  host_metrics = Curl(host_url + "/metrics");
  host_text = host_metrics.out.substr(0, host_metrics.out.rfind('\n') + 1);
  EXPECT_EQ(Promtool(host_text), "") << host_text;
  const std::string series = "{component=\"web\",namespace=\"default\",workload=\"hello-";
  EXPECT_THAT(host_text, HasSubstr("wcloud_http_requests_total{code=\"2xx\",component=\"web\","
                                   "namespace=\"default\",workload=\"hello-"));
  EXPECT_THAT(host_text, ::testing::ContainsRegex(
                             "wcloud_http_requests_total\\{code=\"2xx\",[^}]*hello-[^}]*\\} 3\n"));
  EXPECT_THAT(host_text, HasSubstr("wcloud_http_request_duration_seconds_bucket" + series));
  EXPECT_THAT(host_text, HasSubstr("wcloud_http_requests_in_flight" + series));
  EXPECT_THAT(host_text, HasSubstr("wcloud_instances_created_total" + series));
  EXPECT_THAT(host_text, HasSubstr("wcloud_instantiation_duration_seconds_count" + series));
  EXPECT_THAT(host_text, HasSubstr("wcloud_guest_memory_bytes" + series));
  EXPECT_THAT(host_text, HasSubstr("wcloud_host_workloads 1"));
  // Deleted: the host stops it and its series go.
  ASSERT_EQ(Kubectl({"delete", "workloaddeployment", "hello"}).exit_code, 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        host_metrics = Curl(host_url + "/metrics");
        host_text = host_metrics.out;
        return StatusOf(host_metrics) == "200" &&
               host_text.find("workload=\"hello-") == std::string::npos;
      },
      30s))
      << host_text << Logs();
  EXPECT_EQ(StatusOf(Curl(host_url + "/readyz")), "200");
  EXPECT_EQ(StatusOf(Curl(host_url + "/livez")), "200");

  // NATS gone: both stop being ready, and say why; they stay alive.
  nats.Kill(SIGTERM);
  ASSERT_TRUE(nats.WaitForExit(10s));
  CommandResult not_ready;
  ASSERT_TRUE(WaitFor([&] {
    not_ready = Curl(host_url + "/readyz");
    return StatusOf(not_ready) == "500";
  })) << not_ready.out;
  EXPECT_THAT(not_ready.out, HasSubstr("[-]nats failed: not connected to NATS"));
  EXPECT_TRUE(WaitFor([&] { return StatusOf(Curl(operator_url + "/readyz")) == "500"; }));
  EXPECT_EQ(StatusOf(Curl(host_url + "/healthz")), "200");
}

TEST_F(MetricsTest, ServeCountsTheRequestsItServes) {
  const int port = FreePort();
  const int metrics_port = FreePort();
  Subprocess serve({WcloudBinary(), "serve", TestComponentPath("http_hello"), "--listen",
                    "127.0.0.1:" + std::to_string(port), "--metrics-listen",
                    "127.0.0.1:" + std::to_string(metrics_port)},
                   dir_.path() / "serve.log");
  ASSERT_TRUE(serve.WaitForPort(port)) << Logs();
  ASSERT_TRUE(serve.WaitForPort(metrics_port)) << Logs();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  for (int i = 0; i < 4; ++i) EXPECT_EQ(StatusOf(Curl(url)), "200");

  const std::string metrics_url = "http://127.0.0.1:" + std::to_string(metrics_port);
  CommandResult scraped = Curl(metrics_url + "/metrics");
  const std::string text = scraped.out.substr(0, scraped.out.rfind('\n') + 1);
  EXPECT_EQ(StatusOf(scraped), "200");
  EXPECT_EQ(Promtool(text), "") << text;
  const std::string labels =
      "component=\"http_hello\",namespace=\"default\",workload=\"http_hello\"";
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_total{code=\"2xx\"," + labels + "} 4\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_request_duration_seconds_count{" + labels + "} 4\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_in_flight{" + labels + "} 0\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_instances_created_total{" + labels + "} "));
  EXPECT_THAT(text, HasSubstr("wcloud_instance_resets_total{" + labels + "} "));
  EXPECT_THAT(text, HasSubstr("wcloud_guest_traps_total{" + labels + "} 0\n"));
  EXPECT_THAT(text, HasSubstr("process_cpu_seconds_total "));
  EXPECT_EQ(StatusOf(Curl(metrics_url + "/readyz")), "200");
}

TEST_F(MetricsTest, ServeCountsKeyValueOperationsPerBackend) {
  const int nats_port = FreePort();
  Subprocess nats({"nats-server", "-js", "-sd", (dir_.path() / "jetstream").string(), "-a",
                   "127.0.0.1", "-p", std::to_string(nats_port)},
                  dir_.path() / "nats.log");
  ASSERT_TRUE(nats.WaitForPort(nats_port)) << Logs();
  const auto interfaces = dir_.path() / "interfaces.yaml";
  std::ofstream(interfaces) << "hostInterfaces:\n"
                               "  - name: mem\n"
                               "    namespace: wasi\n"
                               "    package: keyvalue\n"
                               "    interfaces: [store, atomics, batch]\n"
                               "    config: {backend: in-memory}\n"
                               "  - name: js\n"
                               "    namespace: wasi\n"
                               "    package: keyvalue\n"
                               "    interfaces: [store, atomics, batch]\n"
                               "    config: {backend: nats, url: 'nats://127.0.0.1:"
                            << nats_port
                            << "'}\n"
                               "  - {namespace: wasi, package: config, interfaces: [store]}\n"
                               "  - {namespace: wasi, package: logging, interfaces: [logging]}\n";
  const int port = FreePort();
  const int metrics_port = FreePort();
  Subprocess serve({WcloudBinary(), "serve", TestComponentPath("http_kv"), "--interfaces",
                    interfaces.string(), "--listen", "127.0.0.1:" + std::to_string(port),
                    "--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port)},
                   dir_.path() / "serve.log");
  ASSERT_TRUE(serve.WaitForPort(port)) << Logs();
  ASSERT_TRUE(serve.WaitForPort(metrics_port)) << Logs();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  for (const std::string store : {"mem", "js"}) {
    EXPECT_EQ(StatusOf(Curl(url + "/kv/" + store + "/greeting", {"-X", "PUT", "-d", "hi"})), "200")
        << Logs();
    CommandResult got = Curl(url + "/kv/" + store + "/greeting");
    EXPECT_EQ(got.out, "hi\n200") << Logs();
  }

  CommandResult scraped = Curl("http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics");
  const std::string text = scraped.out.substr(0, scraped.out.rfind('\n') + 1);
  EXPECT_EQ(Promtool(text), "") << text;
  for (const std::string backend : {"in-memory", "nats"}) {
    for (const std::string operation : {"get", "set"}) {
      const std::string labels = "{backend=\"" + backend + "\",operation=\"" + operation + "\"}";
      EXPECT_THAT(text, HasSubstr("wcloud_keyvalue_operations_total" + labels + " 1\n"));
      EXPECT_THAT(text, HasSubstr("wcloud_keyvalue_operation_errors_total" + labels + " 0\n"));
      EXPECT_THAT(text,
                  HasSubstr("wcloud_keyvalue_operation_duration_seconds_count" + labels + " 1\n"));
    }
  }
  EXPECT_THAT(text, HasSubstr("wcloud_http_requests_total{code=\"2xx\",component=\"http_kv\","
                              "namespace=\"default\",workload=\"http_kv\"} 4\n"));
}

}  // namespace
}  // namespace wcloud
