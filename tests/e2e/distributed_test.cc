// Distributed mode end to end, as a user runs it on one machine: a real nats-server, `wcloud up
// --nats` (API server, operator and one host), three `wcloud host` processes, and for leader
// election two `wcloud operator` processes against `wcloud up --no-operator`. Checked from
// outside: kubectl, curl with Host headers, and a raw libnats subscriber that sees every message
// on the bus. Covers: replicas spread; Secret values cross NATS sealed and still reach the
// component; kill -9 of a host moves its Workloads (time printed) and the host comes back
// empty; SIGTERM drains; restarting `wcloud up` or nats-server restarts no workload; a killed
// leader's operator is replaced.
#include <gtest/gtest.h>
#include <nats/nats.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "nats/connection.h"
#include "nats/nkey.h"
#include "nats/object_store.h"
#include "oci/registry_client.h"
#include "support/subprocess.h"
#include "support/test_registry.h"
#include "support/wait_for.h"
#include "test_components.h"
#include "util/base64.h"
#include "util/json.h"
#include "util/random.h"
#include "util/sha256.h"

namespace wcloud {
namespace {

using namespace std::chrono_literals;
using testing::CommandResult;
using testing::FreePort;
using testing::RunCommand;
using testing::Subprocess;
using testing::TempDir;
using testing::TestComponentPath;
using testing::WcloudBinary;

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 60s) {
  return testing::WaitFor(done, timeout, 100ms);
}

constexpr char kHello[] = "hello from http_hello\n";

// GET / with a Host header on 127.0.0.1:port; the body, or "" when nothing answered.
std::string Get(int port, const std::string& host) {
  auto r = RunCommand({"curl", "-s", "--max-time", "5", "-H", "Host: " + host,
                       "http://127.0.0.1:" + std::to_string(port) + "/"});
  return r.exit_code == 0 ? r.out : "";
}

// A bare libnats connection for playing the other side of the protocol from the spec alone.
class RawNats {
 public:
  explicit RawNats(int port) {
    EXPECT_EQ(nats_Open(-1), NATS_OK);
    const std::string url = "nats://127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(natsConnection_ConnectTo(&conn_, url.c_str()), NATS_OK);
  }
  ~RawNats() {
    for (natsSubscription* sub : subs_) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
    natsConnection_Destroy(conn_);
  }
  // The reply's JSON, or null when none came within `timeout_ms`.
  Json Request(const std::string& subject, const std::string& body, int64_t timeout_ms = 30000) {
    natsMsg* reply = nullptr;
    if (natsConnection_RequestString(&reply, conn_, subject.c_str(), body.c_str(), timeout_ms) !=
        NATS_OK) {
      return nullptr;
    }
    Json json = Json::parse(std::string(natsMsg_GetData(reply), natsMsg_GetDataLength(reply)),
                            nullptr, false);
    natsMsg_Destroy(reply);
    return json;
  }
  void Publish(const std::string& subject, const std::string& body) {
    EXPECT_EQ(natsConnection_PublishString(conn_, subject.c_str(), body.c_str()), NATS_OK);
  }
  // Answers requests on `subject` with `answer(subject, body)`; records what came.
  void Serve(const std::string& subject,
             std::function<std::string(const std::string&, const std::string&)> answer) {
    answer_ = std::move(answer);
    natsSubscription* sub = nullptr;
    EXPECT_EQ(natsConnection_Subscribe(&sub, conn_, subject.c_str(), &RawNats::OnRequest, this),
              NATS_OK);
    subs_.push_back(sub);
    EXPECT_EQ(natsConnection_Flush(conn_), NATS_OK);
  }
  std::vector<std::pair<std::string, Json>> Received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  static void OnRequest(natsConnection* nc, natsSubscription*, natsMsg* msg, void* self) {
    auto* raw = static_cast<RawNats*>(self);
    const std::string subject = natsMsg_GetSubject(msg);
    const std::string body(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    {
      std::lock_guard lock(raw->mu_);
      raw->received_.emplace_back(subject, Json::parse(body, nullptr, false));
    }
    const std::string answer = raw->answer_(subject, body);
    if (natsMsg_GetReply(msg) != nullptr && !answer.empty()) {
      natsConnection_PublishString(nc, natsMsg_GetReply(msg), answer.c_str());
    }
    natsMsg_Destroy(msg);
  }

  natsConnection* conn_ = nullptr;
  std::vector<natsSubscription*> subs_;
  std::function<std::string(const std::string&, const std::string&)> answer_;
  std::mutex mu_;
  std::vector<std::pair<std::string, Json>> received_;
};

// Every message on the bus, as any NATS user could see it.
class Snooper {
 public:
  explicit Snooper(int port) {
    EXPECT_EQ(nats_Open(-1), NATS_OK);
    const std::string url = "nats://127.0.0.1:" + std::to_string(port);
    EXPECT_EQ(natsConnection_ConnectTo(&conn_, url.c_str()), NATS_OK);
    EXPECT_EQ(natsConnection_Subscribe(&sub_, conn_, ">", &Snooper::OnMessage, this), NATS_OK);
    EXPECT_EQ(natsConnection_Flush(conn_), NATS_OK);
  }
  ~Snooper() {
    natsSubscription_Unsubscribe(sub_);
    natsSubscription_Destroy(sub_);
    natsConnection_Destroy(conn_);
  }
  std::vector<std::pair<std::string, std::string>> Seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

 private:
  static void OnMessage(natsConnection*, natsSubscription*, natsMsg* msg, void* self) {
    auto* s = static_cast<Snooper*>(self);
    std::lock_guard lock(s->mu_);
    s->seen_.emplace_back(natsMsg_GetSubject(msg),
                          std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
  }
  natsConnection* conn_ = nullptr;
  natsSubscription* sub_ = nullptr;
  std::mutex mu_;
  std::vector<std::pair<std::string, std::string>> seen_;
};

class DistributedTest : public ::testing::Test {
 protected:
  struct HostProcess {
    std::filesystem::path dir;
    int http_port = 0;
    std::unique_ptr<Subprocess> process;
    std::string id;  // the NKey it printed
    int starts = 0;
  };

  DistributedTest() : nats_port_(FreePort()), api_port_(FreePort()), up_http_(FreePort()) {}

  void SetUp() override { ASSERT_TRUE(StartNats()); }

  // With JetStream (the Object Store) and its state kept across restarts.
  bool StartNats() {
    nats_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"nats-server", "-js", "-sd", (dir_.path() / "jetstream").string(),
                                 "-a", "127.0.0.1", "-p", std::to_string(nats_port_)},
        dir_.path() / ("nats." + std::to_string(++nats_starts_) + ".log"));
    return nats_->WaitForPort(nats_port_);
  }
  std::string NatsUrl() const { return "nats://127.0.0.1:" + std::to_string(nats_port_); }

  bool StartUp(bool with_operator = true) {
    std::filesystem::remove(Kubeconfig());
    std::vector<std::string> argv = {WcloudBinary(),  "up",
                                     "--data-dir",    (dir_.path() / "up").string(),
                                     "--api-listen",  "127.0.0.1:" + std::to_string(api_port_),
                                     "--http-listen", "127.0.0.1:" + std::to_string(up_http_),
                                     "--nats",        NatsUrl()};
    if (!with_operator) argv.push_back("--no-operator");
    up_ = std::make_unique<Subprocess>(
        argv, dir_.path() / ("up." + std::to_string(++up_starts_) + ".log"));
    if (!up_->WaitForPort(api_port_)) return false;
    return WaitFor([&] { return std::filesystem::exists(Kubeconfig()); }, 10s);
  }
  std::string Kubeconfig() const { return (dir_.path() / "up" / "kubeconfig").string(); }

  // Host `i` (0, 1, 2, ...), started again on its own data dir and port when it ran before.
  bool StartHost(size_t i) {
    if (hosts_.size() <= i) hosts_.resize(i + 1);
    HostProcess& h = hosts_[i];
    if (h.dir.empty()) {
      h.dir = dir_.path() / ("host" + std::to_string(i));
      h.http_port = FreePort();
    }
    h.process = std::make_unique<Subprocess>(
        std::vector<std::string>{WcloudBinary(), "host", "--nats", NatsUrl(), "--hostgroup", "edge",
                                 "--data-dir", h.dir.string(), "--http-listen",
                                 "127.0.0.1:" + std::to_string(h.http_port)},
        h.dir.string() + "." + std::to_string(++h.starts) + ".log");
    return WaitFor(
        [&] {
          const std::string log = h.process->Log();
          const size_t at = log.find("wcloud host N");
          if (at == std::string::npos) return false;
          h.id = log.substr(at + 12, 56);
          return true;
        },
        20s);
  }

  CommandResult Kubectl(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", Kubeconfig(), "--request-timeout=20s"});
    return RunCommand(args, input);
  }
  Json GetJson(const std::vector<std::string>& args) const {
    std::vector<std::string> all = args;
    all.push_back("-o");
    all.push_back("json");
    auto r = Kubectl(all);
    if (r.exit_code != 0) return Json::object();
    return Json::parse(r.out, nullptr, false);
  }

  // Ready hosts of hostgroup edge.
  std::set<std::string> ReadyEdgeHosts() const {
    std::set<std::string> ready;
    for (const auto& h : GetJson({"get", "hosts"}).value("items", Json::array())) {
      if (h["metadata"].value("labels", Json::object()).value("hostgroup", "") != "edge") continue;
      for (const auto& c : h["status"].value("conditions", Json::array())) {
        if (c.value("type", "") == "Ready" && c.value("status", "") == "True") {
          ready.insert(h["spec"].value("hostId", ""));
        }
      }
    }
    return ready;
  }

  // Workloads by name: {hostId, Ready status, workload-id annotation}.
  struct Placed {
    std::string host, ready, id;
  };
  std::map<std::string, Placed> Workloads() const {
    std::map<std::string, Placed> out;
    for (const auto& w : GetJson({"get", "workloads"}).value("items", Json::array())) {
      Placed p;
      p.host = w.value("status", Json::object()).value("hostId", "");
      for (const auto& c : w.value("status", Json::object()).value("conditions", Json::array())) {
        if (c.value("type", "") == "Ready") p.ready = c.value("status", "");
      }
      p.id = w["metadata"]
                 .value("annotations", Json::object())
                 .value("runtime.wasmcloud.dev/workload-id", "");
      out[w["metadata"].value("name", "")] = p;
    }
    return out;
  }
  // Whether `replicas` Workloads are Ready, none on `not_on`.
  bool AllReady(size_t replicas, const std::string& not_on = "") const {
    auto ws = Workloads();
    if (ws.size() != replicas) return false;
    for (const auto& [name, p] : ws) {
      if (p.ready != "True" || p.host.empty() || p.host == not_on) return false;
    }
    return true;
  }

  // A WorkloadDeployment of http_hello on the edge hosts, routed by Host header.
  void Deploy(int replicas, const std::string& host = "hello.example") {
    const std::string yaml = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata:
  name: hello
spec:
  replicas: )" + std::to_string(replicas) +
                             R"(
  template:
    spec:
      hostSelector:
        hostgroup: edge
      components:
        - name: web
          image: file://)" + TestComponentPath("http_hello") +
                             R"(
      hostInterfaces:
        - namespace: wasi
          package: http
          interfaces: [incoming-handler]
          config:
            host: )" + host + "\n";
    auto r = Kubectl({"apply", "-f", "-"}, yaml);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  HostProcess* HostById(const std::string& id) {
    for (auto& h : hosts_) {
      if (h.id == id) return &h;
    }
    return nullptr;
  }

  std::string Logs() {
    std::string all = "--- up ---\n" + (up_ ? up_->Log() : "");
    for (auto& h : hosts_) {
      if (h.process) all += "--- host " + h.id + " ---\n" + h.process->Log();
    }
    return all;
  }

  // A three-host cluster with `wcloud up --nats`.
  void StartCluster() {
    ASSERT_TRUE(StartUp()) << Logs();
    for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(StartHost(i)) << Logs();
    ASSERT_TRUE(WaitFor([&] { return ReadyEdgeHosts().size() == 3; })) << Logs();
  }

  // A cluster with 2 replicas, one of whose hosts is then cut off: paused (SIGSTOP) while
  // nats-server restarts, so its connection and whatever was queued for it are gone, until its
  // Workload runs elsewhere. The host, still running it, is returned.
  HostProcess* CutOffAHost() {
    StartCluster();
    Deploy(2);
    EXPECT_TRUE(WaitFor([&] { return AllReady(2); })) << Logs();
    HostProcess* h = HostById(Workloads().begin()->second.host);
    if (!h) return nullptr;
    EXPECT_EQ(Get(h->http_port, "hello.example"), kHello);
    h->process->Kill(SIGSTOP);
    nats_->Kill(SIGKILL);
    EXPECT_TRUE(nats_->WaitForExit(10s).has_value());
    EXPECT_TRUE(StartNats());
    EXPECT_TRUE(WaitFor([&] { return AllReady(2, h->id); }, 60s)) << Logs();
    return h;
  }

  TempDir dir_;
  int nats_port_, api_port_, up_http_;
  int nats_starts_ = 0, up_starts_ = 0;
  std::unique_ptr<Subprocess> nats_;
  std::unique_ptr<Subprocess> up_;
  std::vector<HostProcess> hosts_;
};

TEST_F(DistributedTest, ReplicasSpreadAndSecretsCrossNatsSealedYetReachTheComponent) {
  StartCluster();
  Snooper snooper(nats_port_);
  const std::string secret = "sealed-" + RandomHex(12);
  ASSERT_EQ(
      Kubectl({"create", "secret", "generic", "db", "--from-literal=PASSWORD=" + secret}).exit_code,
      0);
  const std::string yaml = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata:
  name: kv
spec:
  replicas: 3
  template:
    spec:
      hostSelector:
        hostgroup: edge
      components:
        - name: web
          image: file://)" +
                           TestComponentPath("http_kv") + R"(
          localResources:
            environment:
              config:
                GREETING: hello
              secretFrom:
                - name: db
      hostInterfaces:
        - namespace: wasi
          package: http
          interfaces: [incoming-handler]
          config:
            host: kv.example
        - namespace: wasi
          package: keyvalue
          interfaces: [store, atomics, batch]
        - namespace: wasi
          package: config
          interfaces: [store]
        - namespace: wasi
          package: logging
          interfaces: [logging]
)";
  ASSERT_EQ(Kubectl({"apply", "-f", "-"}, yaml).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return AllReady(3); }))
      << Kubectl({"get", "workloads", "-o", "yaml"}).out << Logs();
  std::set<std::string> used;
  for (const auto& [name, p] : Workloads()) used.insert(p.host);
  EXPECT_EQ(used.size(), 3u) << "one replica per host";

  // Each host's component reads the Secret's value through wasi:config...
  for (const auto& h : hosts_) {
    auto r = RunCommand({"curl", "-s", "--max-time", "5", "-H", "Host: kv.example",
                         "http://127.0.0.1:" + std::to_string(h.http_port) + "/config"});
    EXPECT_NE(r.out.find("PASSWORD=" + secret), std::string::npos) << h.id << ": " << r.out;
    EXPECT_NE(r.out.find("GREETING=hello"), std::string::npos) << r.out;
  }
  // ...while nobody else on the bus could.
  int starts = 0, sealed = 0;
  for (const auto& [subject, data] : snooper.Seen()) {
    EXPECT_EQ(data.find(secret), std::string::npos) << "in plaintext on " << subject;
    if (subject.size() > 15 && subject.substr(subject.size() - 15) == ".workload.start") {
      ++starts;
      if (data.find("wcloud-sealed:v1:") != std::string::npos) ++sealed;
    }
  }
  EXPECT_EQ(starts, 3);
  EXPECT_EQ(sealed, 3);
}

TEST_F(DistributedTest, AKilledHostsWorkloadsMoveAndItComesBackEmpty) {
  StartCluster();
  Deploy(2);
  ASSERT_TRUE(WaitFor([&] { return AllReady(2); })) << Logs();
  const std::string victim = Workloads().begin()->second.host;
  HostProcess* h = HostById(victim);
  ASSERT_NE(h, nullptr);

  const auto killed = std::chrono::steady_clock::now();
  h->process->Kill(SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return AllReady(2, victim); }, 60s)) << Logs();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::cout << "kill -9 of a host: its Workloads Ready elsewhere after " << seconds << " s\n";
  EXPECT_LT(seconds, 20) << "the goal is under 10 s";
  for (const auto& other : hosts_) {
    if (other.id != victim) {
      EXPECT_EQ(Get(other.http_port, "hello.example"), kHello);
    }
  }

  // Back with the same identity: Ready again, running nothing, still two replicas in all.
  ASSERT_TRUE(StartHost(static_cast<size_t>(h - hosts_.data()))) << Logs();
  EXPECT_EQ(h->id, victim);
  ASSERT_TRUE(WaitFor([&] { return ReadyEdgeHosts().count(victim) == 1; })) << Logs();
  std::this_thread::sleep_for(3s);
  EXPECT_TRUE(AllReady(2, victim));
  EXPECT_EQ(Get(h->http_port, "hello.example"), "") << "nothing routed on the returned host";
}

// A host that was only cut off (CutOffAHost) still runs its Workload when it returns; by then it
// runs elsewhere, and the operator's stop, which found nobody to take it, is sent again.
TEST_F(DistributedTest, AHostBackFromAPartitionStopsWhatMovedAway) {
  HostProcess* h = CutOffAHost();
  ASSERT_NE(h, nullptr);
  const std::string paused = h->id;
  h->process->Kill(SIGCONT);
  ASSERT_TRUE(WaitFor([&] { return ReadyEdgeHosts().count(paused) == 1; })) << Logs();
  EXPECT_TRUE(WaitFor([&] { return Get(h->http_port, "hello.example").empty(); }, 20s))
      << "the returned host still serves a Workload that moved away\n"
      << Logs();
  EXPECT_TRUE(AllReady(2, paused));
}

// The same, with the operator restarted while the host was away: it no longer remembers the stop
// it owes, but the host's heartbeat counts more workloads than are placed on it, and the IDs it
// lists (wcloud's workload.list) that no Workload is placed under are stopped.
TEST_F(DistributedTest, AHostBackFromAPartitionIsSweptByARestartedOperator) {
  HostProcess* h = CutOffAHost();
  ASSERT_NE(h, nullptr);
  const std::string paused = h->id;
  up_->Kill(SIGTERM);
  ASSERT_TRUE(up_->WaitForExit(30s).has_value());
  ASSERT_TRUE(StartUp()) << Logs();
  h->process->Kill(SIGCONT);
  ASSERT_TRUE(WaitFor([&] { return ReadyEdgeHosts().count(paused) == 1; })) << Logs();
  EXPECT_TRUE(WaitFor([&] { return Get(h->http_port, "hello.example").empty(); }, 20s))
      << "the returned host still serves a Workload that moved away\n"
      << Logs();
  EXPECT_NE(up_->Log().find("which no Workload is placed under there; stopping it"),
            std::string::npos)
      << up_->Log();
  EXPECT_TRUE(AllReady(2, paused));
}

TEST_F(DistributedTest, AnUnreachableNatsServerIsAnErrorNotACrash) {
  for (const std::string command : {"host", "operator"}) {
    std::vector<std::string> argv = {WcloudBinary(), command,
                                     "--nats",       "nats://127.0.0.1:1",
                                     "--data-dir",   (dir_.path() / "unused").string()};
    if (command == "operator") {
      argv = {WcloudBinary(), command, "--nats", "nats://127.0.0.1:1"};
      ASSERT_TRUE(StartUp()) << Logs();
      argv.push_back("--kubeconfig");
      argv.push_back(Kubeconfig());
    }
    auto r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 2) << command << ": " << r.err;
    EXPECT_NE(r.err.find("nats://127.0.0.1:1"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("no server available"), std::string::npos) << r.err;
  }
}

TEST_F(DistributedTest, SigtermDrainsAHostAfterItsWorkloadsMoved) {
  StartCluster();
  Deploy(2);
  ASSERT_TRUE(WaitFor([&] { return AllReady(2); })) << Logs();
  const std::string leaving = Workloads().begin()->second.host;
  HostProcess* h = HostById(leaving);
  ASSERT_NE(h, nullptr);
  h->process->Kill(SIGTERM);
  auto code = h->process->WaitForExit(40s);
  ASSERT_TRUE(code.has_value()) << "still draining\n" << Logs();
  EXPECT_EQ(*code, 0) << h->process->Log();
  EXPECT_NE(h->process->Log().find("drained; stopping"), std::string::npos) << h->process->Log();
  EXPECT_TRUE(WaitFor([&] { return AllReady(2, leaving); }, 10s)) << Logs();
}

TEST_F(DistributedTest, RestartingWcloudUpOrNatsServerRestartsNoWorkload) {
  StartCluster();
  Deploy(3);
  ASSERT_TRUE(WaitFor([&] { return AllReady(3); })) << Logs();
  const auto before = Workloads();

  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, answered{0};
  std::thread client([&] {
    for (size_t i = 0; !done; ++i) {
      if (Get(hosts_[i % hosts_.size()].http_port, "hello.example") == kHello) {
        ++answered;
      } else {
        ++failures;
      }
    }
  });

  up_->Kill(SIGTERM);
  ASSERT_TRUE(up_->WaitForExit(30s).has_value());
  ASSERT_TRUE(StartUp()) << Logs();
  ASSERT_TRUE(WaitFor([&] { return ReadyEdgeHosts().size() == 3; })) << Logs();
  std::this_thread::sleep_for(3s);

  nats_->Kill(SIGKILL);
  ASSERT_TRUE(nats_->WaitForExit(10s).has_value());
  ASSERT_TRUE(StartNats());
  std::this_thread::sleep_for(5s);
  ASSERT_TRUE(WaitFor([&] { return ReadyEdgeHosts().size() == 3 && AllReady(3); })) << Logs();
  done = true;
  client.join();

  const auto after = Workloads();
  for (const auto& [name, p] : before) {
    ASSERT_TRUE(after.count(name)) << name;
    EXPECT_EQ(after.at(name).id, p.id) << name << " was started again";
  }
  EXPECT_EQ(failures, 0) << answered << " answered";
  EXPECT_GT(answered, 0);
}

TEST_F(DistributedTest, AnotherOperatorTakesOverFromAKilledLeader) {
  ASSERT_TRUE(StartUp(/*with_operator=*/false)) << Logs();
  for (size_t i = 0; i < 2; ++i) ASSERT_TRUE(StartHost(i)) << Logs();
  std::vector<std::unique_ptr<Subprocess>> operators;
  for (int i = 0; i < 2; ++i) {
    operators.push_back(std::make_unique<Subprocess>(
        std::vector<std::string>{WcloudBinary(), "operator", "--nats", NatsUrl(), "--kubeconfig",
                                 Kubeconfig(), "--leader-elect", "--lease-duration", "4s"},
        dir_.path() / ("operator" + std::to_string(i) + ".log")));
  }
  ASSERT_TRUE(WaitFor([&] { return ReadyEdgeHosts().size() == 2; })) << Logs();
  Deploy(2);
  ASSERT_TRUE(WaitFor([&] { return AllReady(2); })) << Logs();

  // Exactly one leads.
  std::vector<int> leaders;
  for (int i = 0; i < 2; ++i) {
    if (operators[i]->Log().find("leading as") != std::string::npos) leaders.push_back(i);
  }
  ASSERT_EQ(leaders.size(), 1u) << operators[0]->Log() << operators[1]->Log();
  const int follower = 1 - leaders[0];
  operators[leaders[0]]->Kill(SIGKILL);
  const auto killed = std::chrono::steady_clock::now();

  // The follower takes the lease and acts: a scaled deployment gets its third replica.
  Deploy(3);
  ASSERT_TRUE(WaitFor([&] { return AllReady(3); }, 60s)) << operators[follower]->Log() << Logs();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
  std::cout << "kill -9 of the leading operator: the other acted after " << seconds << " s\n";
  EXPECT_NE(operators[follower]->Log().find("leading as"), std::string::npos);
  EXPECT_LT(seconds, 30);
}

// wasmCloud's operator, played from ../shared/spec/host-protocol.md with hand-written JSON,
// drives a `wcloud host` process.
TEST_F(DistributedTest, AWasmCloudOperatorDrivesAWcloudHost) {
  RawNats op(nats_port_);
  op.Serve("runtime.operator.heartbeat.*",
           [](const std::string&, const std::string&) { return std::string(); });
  ASSERT_TRUE(StartHost(0)) << Logs();
  const HostProcess& h = hosts_[0];
  const std::string prefix = "runtime.host." + h.id + ".";
  ASSERT_TRUE(WaitFor([&] { return !op.Received().empty(); }, 10s)) << "no heartbeat published";
  const Json beat = op.Received().front().second;
  EXPECT_EQ(op.Received().front().first, "runtime.operator.heartbeat." + h.id);
  EXPECT_EQ(beat["id"], h.id);
  EXPECT_EQ(beat["labels"]["hostgroup"], "edge");
  EXPECT_TRUE(beat["startedAt"].is_string()) << beat.dump();
  EXPECT_TRUE(beat["imports"].is_array()) << beat.dump();

  const std::string start =
      R"({"workloadId":"0b8e7f7e-5d0c-4a5e-9a38-3f5a1c2d9e01",)"
      R"("workload":{"namespace":"default","name":"hello",)"
      R"("annotations":{"team":"a"},"witWorld":{"components":[)"
      R"({"name":"web","image":"file://)" +
      TestComponentPath("http_hello") +
      R"(","poolSize":2,"maxInvocations":100,)"
      R"("imagePullPolicy":"IMAGE_PULL_POLICY_IF_NOT_PRESENT"}],)"
      R"("hostInterfaces":[{"namespace":"wasi","package":"http",)"
      R"("interfaces":["incoming-handler"],"config":{"host":"wc.example"}}]}}})";
  Json started = op.Request(prefix + "workload.start", start);
  ASSERT_TRUE(started.is_object()) << h.process->Log();
  EXPECT_EQ(started["workloadStatus"]["workloadId"], "0b8e7f7e-5d0c-4a5e-9a38-3f5a1c2d9e01");
  EXPECT_EQ(started["workloadStatus"]["workloadState"], "WORKLOAD_STATE_RUNNING") << started.dump();
  EXPECT_EQ(Get(h.http_port, "wc.example"), kHello);
  EXPECT_EQ(op.Request(prefix + "heartbeat", "")["workloadCount"], "1");

  // A live ID: refused, and the running one untouched.
  Json again = op.Request(prefix + "workload.start", start);
  EXPECT_EQ(again["workloadStatus"]["workloadState"], "WORKLOAD_STATE_ERROR") << again.dump();
  EXPECT_EQ(Get(h.http_port, "wc.example"), kHello);

  const std::string id = R"({"workloadId":"0b8e7f7e-5d0c-4a5e-9a38-3f5a1c2d9e01"})";
  EXPECT_EQ(op.Request(prefix + "workload.status", id)["workloadStatus"]["workloadState"],
            "WORKLOAD_STATE_RUNNING");
  Json stopped = op.Request(prefix + "workload.stop", id);
  const std::string state = stopped["workloadStatus"].value("workloadState", "");
  EXPECT_TRUE(state == "WORKLOAD_STATE_COMPLETED" || state == "WORKLOAD_STATE_STOPPING") << state;
  EXPECT_EQ(Get(h.http_port, "wc.example"), "");
  EXPECT_EQ(op.Request(prefix + "workload.status", id)["workloadStatus"]["workloadState"],
            "WORKLOAD_STATE_NOT_FOUND");
  EXPECT_EQ(op.Request(prefix + "workload.stop", id)["workloadStatus"]["workloadState"],
            "WORKLOAD_STATE_NOT_FOUND");
}

// A wasmCloud host, played with hand-written JSON (one heartbeat, then only answers, as a host
// heartbeating every 15 s looks between beats), driven by `wcloud up --nats`.
TEST_F(DistributedTest, WcloudDrivesAWasmCloudHost) {
  const std::string host_id =
      std::move(nats::NKeyPair::Generate(nats::NKeyType::kServer)).value().PublicKey();
  const std::string beat = R"({"id":")" + host_id +
                           R"(","hostname":"wasmcloud-1","friendlyName":"quiet-fox",)"
                           R"("version":"2.0.0","labels":{"hostgroup":"wasmcloud"},)"
                           R"("startedAt":"2026-12-07T10:00:00Z","osArch":"x86_64",)"
                           R"("osName":"linux","systemCpuUsage":3.5,)"
                           R"("systemMemoryTotal":"8000000000","systemMemoryFree":"4000000000",)"
                           R"("componentCount":"0","workloadCount":"0","imports":[{)"
                           R"("namespace":"wasi","package":"http","version":"0.2.0",)"
                           R"("interfaces":["outgoing-handler"]}],"exports":[{)"
                           R"("namespace":"wasi","package":"http","version":"0.2.0",)"
                           R"("interfaces":["incoming-handler"]}],"httpPort":8080,)"
                           R"("environment":"default"})";
  RawNats fake(nats_port_);
  fake.Serve("runtime.host." + host_id + ".>",
             [&](const std::string& subject, const std::string& body) -> std::string {
               const std::string command = subject.substr(subject.find('.', 13) + 1);
               if (command == "heartbeat") return beat;
               Json request = Json::parse(body, nullptr, false);
               const std::string id = request.value("workloadId", "");
               const char* state = command == "workload.stop" ? "WORKLOAD_STATE_STOPPING"
                                                              : "WORKLOAD_STATE_RUNNING";
               return R"({"workloadStatus":{"workloadId":")" + id + R"(","workloadState":")" +
                      state + R"("}})";
             });
  ASSERT_TRUE(StartUp()) << Logs();
  auto ready = [&] {
    for (const auto& h : GetJson({"get", "hosts"}).value("items", Json::array())) {
      if (h["spec"].value("hostId", "") != host_id) continue;
      for (const auto& c : h["status"].value("conditions", Json::array())) {
        if (c.value("type", "") == "Ready") return c.value("status", "") == "True";
      }
    }
    return false;
  };
  // Beats until the operator has seen one (it subscribes a moment after its kubeconfig exists).
  ASSERT_TRUE(WaitFor(
      [&] {
        fake.Publish("runtime.operator.heartbeat." + host_id, beat);
        return ready();
      },
      20s))
      << Logs();

  const std::string workload = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: on-wasmcloud
spec:
  hostSelector:
    hostgroup: wasmcloud
  components:
    - name: web
      image: ghcr.io/example/web:1.0
      poolSize: 3
  hostInterfaces:
    - namespace: wasi
      package: http
      interfaces: [incoming-handler]
)";
  ASSERT_EQ(Kubectl({"apply", "-f", "-"}, workload).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return AllReady(1); }, 30s))
      << Kubectl({"get", "workloads", "-o", "yaml"}).out << Logs();
  std::this_thread::sleep_for(8s);  // past the host TTL: asked, not given up
  EXPECT_TRUE(ready()) << "a slow heartbeater that answers stays Ready";

  Json start;
  for (const auto& [subject, body] : fake.Received()) {
    if (subject.ends_with(".workload.start")) start = body;
  }
  ASSERT_TRUE(start.is_object());
  const std::string id = start.value("workloadId", "");
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(start["workload"]["namespace"], "default");
  EXPECT_EQ(start["workload"]["name"], "on-wasmcloud");
  EXPECT_EQ(start["workload"]["witWorld"]["components"][0]["image"], "ghcr.io/example/web:1.0");
  EXPECT_EQ(start["workload"]["witWorld"]["components"][0]["poolSize"], 3);
  EXPECT_EQ(start["workload"]["witWorld"]["hostInterfaces"][0]["package"], "http");

  // Secrets would cross in plaintext to a host without a seal key: not sent, and said why.
  ASSERT_EQ(Kubectl({"create", "secret", "generic", "db", "--from-literal=P=never-on-the-wire"})
                .exit_code,
            0);
  std::string secret_workload = workload;
  secret_workload.replace(secret_workload.find("on-wasmcloud"), 12, "with-secret");
  secret_workload.replace(secret_workload.find("      poolSize: 3\n"), 18,
                          "      localResources:\n        environment:\n          secretFrom:\n"
                          "            - name: db\n");
  ASSERT_EQ(Kubectl({"apply", "-f", "-"}, secret_workload).exit_code, 0);
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = Kubectl({"get", "workload", "with-secret", "-o",
                          "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}"});
        return r.out == "SecretsNotSealable";
      },
      30s))
      << Kubectl({"get", "workload", "with-secret", "-o", "yaml"}).out;
  for (const auto& [subject, body] : fake.Received()) {
    EXPECT_EQ(body.dump().find("never-on-the-wire"), std::string::npos) << subject;
  }

  // Deleting the Workload stops it on that host, under the ID it was started with.
  ASSERT_EQ(Kubectl({"delete", "workload", "on-wasmcloud", "--wait=true"}).exit_code, 0);
  bool stopped = false;
  for (const auto& [subject, body] : fake.Received()) {
    stopped =
        stopped || (subject.ends_with(".workload.stop") && body.value("workloadId", "") == id);
  }
  EXPECT_TRUE(stopped);
}

// Artifacts staged in the NATS Object Store: the operator pulls from a private registry once,
// hosts (which have no registry credentials) fetch the staged object; a new push rolls out; old
// the registry is not needed afterwards; a tampered object is refused by the host.
TEST_F(DistributedTest, ArtifactsAreStagedInTheObjectStoreAndHostsNeedNoRegistry) {
  wcloud::testing::TestRegistry registry("puller", "s3cret");
  ASSERT_TRUE(registry.ok()) << registry.Log();
  StartCluster();
  const std::string image = registry.host() + "/demo/web:1.0";
  oci::RegistryClient pusher({.credentials = oci::Credentials{"puller", "s3cret"}});
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string hello = read(TestComponentPath("http_hello"));
  const std::string echo = read(TestComponentPath("http_echo"));
  ASSERT_TRUE(pusher.Push(*api::ParseImageReference(image), hello));
  ASSERT_EQ(
      Kubectl({"create", "secret", "docker-registry", "pull", "--docker-server=" + registry.host(),
               "--docker-username=puller", "--docker-password=s3cret"})
          .exit_code,
      0);
  const std::string manifests = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Artifact
metadata:
  name: web
spec:
  image: )" + image + R"(
  imagePullSecret:
    name: pull
---
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: WorkloadDeployment
metadata:
  name: web
spec:
  replicas: 2
  artifacts:
    - name: web
      artifactFrom:
        name: web
  template:
    spec:
      hostSelector:
        hostgroup: edge
      components:
        - name: web
          image: artifact://web
      hostInterfaces:
        - namespace: wasi
          package: http
          interfaces: [incoming-handler]
          config:
            host: web.example
)";
  ASSERT_EQ(Kubectl({"apply", "-f", "-"}, manifests).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return AllReady(2); }))
      << Kubectl({"get", "artifact,wd,workloads", "-o", "yaml"}).out << Logs();
  Json artifact = GetJson({"get", "artifact", "web"});
  const std::string url = artifact["status"].value("artifactURL", "");
  EXPECT_EQ(url, "nats-object://wcloud-artifacts/" + Sha256Digest(hello)) << artifact.dump(2);
  for (const auto& [name, p] : Workloads()) {
    HostProcess* h = HostById(p.host);
    ASSERT_NE(h, nullptr);
    EXPECT_EQ(Get(h->http_port, "web.example"), kHello);
  }

  // A new push under the same tag is a new revision, staged and rolled out: http_echo answers
  // a GET with 200 and an empty body.
  auto echoes = [&](int port) {
    auto r = RunCommand({"curl", "-s", "-w", "%{http_code}", "-H", "Host: web.example",
                         "http://127.0.0.1:" + std::to_string(port) + "/"});
    return r.out == "200";
  };
  ASSERT_TRUE(pusher.Push(*api::ParseImageReference(image), echo));
  ASSERT_TRUE(WaitFor(
      [&] {
        if (GetJson({"get", "artifact", "web"})["status"].value("revision", 0) != 2) return false;
        if (!AllReady(2)) return false;
        for (const auto& [name, p] : Workloads()) {
          HostProcess* h = HostById(p.host);
          if (!h || !echoes(h->http_port)) return false;
        }
        return true;
      },
      90s))
      << Kubectl({"get", "artifact,wd,workloadreplicasets,workloads", "-o", "yaml"}).out << Logs();
  EXPECT_EQ(GetJson({"get", "artifact", "web"})["status"].value("artifactURL", ""),
            "nats-object://wcloud-artifacts/" + Sha256Digest(echo));

  // The registry goes away: the hosts never needed it.
  registry.Stop();
  for (const auto& [name, p] : Workloads()) EXPECT_TRUE(echoes(HostById(p.host)->http_port));

  nats::ConnectOptions connect;
  connect.urls = {NatsUrl()};
  auto connection = nats::Connection::Connect(connect);
  ASSERT_TRUE(connection) << connection.error().message();
  auto bucket = nats::ObjectStore::Open(**connection, "wcloud-artifacts");
  ASSERT_TRUE(bucket) << bucket.error().message();
  auto info = (*bucket)->Info(Sha256Digest(echo));
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->metadata.at("artifact"), "default/web");
  EXPECT_EQ(info->metadata.at("revision"), "2");
  EXPECT_EQ(info->size, echo.size());

  // A tampered object (bytes that do not match its name) is refused by the host, nothing else.
  const std::string fake_digest = Sha256Digest("what the name promises");
  ASSERT_TRUE((*bucket)->Put(fake_digest, "something else"));
  const std::string tampered = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: tampered
spec:
  hostSelector:
    hostgroup: edge
  components:
    - name: web
      image: nats-object://wcloud-artifacts/)" +
                               fake_digest + R"(
  hostInterfaces:
    - namespace: wasi
      package: http
      interfaces: [incoming-handler]
      config:
        host: tampered.example
)";
  ASSERT_EQ(Kubectl({"apply", "-f", "-"}, tampered).exit_code, 0);
  ASSERT_TRUE(WaitFor([&] {
    auto r = Kubectl({"get", "workload", "tampered", "-o",
                      "jsonpath={.status.conditions[?(@.type==\"Ready\")].message}"});
    return r.out.find("digest mismatch") != std::string::npos;
  })) << Kubectl({"get", "workload", "tampered", "-o", "yaml"}).out;
  ASSERT_EQ(Kubectl({"delete", "workload", "tampered"}).exit_code, 0);
}

}  // namespace
}  // namespace wcloud
