// The host protocol over a real nats-server: our operator side (NatsHostClient,
// NatsHeartbeatSubscriber) against our host side (NatsHostServer), each side against messages
// written by hand from ../shared/spec/host-protocol.md as wasmCloud's peers send them (through
// raw libnats, not our wrapper), and nats::Connection's connect errors and reconnects.
#include <gtest/gtest.h>
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hostapi/codec.h"
#include "hostapi/nats_transport.h"
#include "nats/connection.h"
#include "nats/nkey.h"
#include "support/subprocess.h"
#include "support/wait_for.h"
#include "util/mutex.h"
#include "util/tls_certificates.h"

namespace wcloud::hostapi {
namespace {

using std::chrono::milliseconds;
using wcloud::testing::FreePort;
using wcloud::testing::Subprocess;
using wcloud::testing::TempDir;
using wcloud::testing::WaitFor;

// A nats-server on 127.0.0.1 that can be stopped and started again on the same port.
class NatsServer {
 public:
  explicit NatsServer(std::vector<std::string> extra_args = {})
      : port_(FreePort()), extra_args_(std::move(extra_args)) {
    Start();
  }

  void Start() {
    std::vector<std::string> argv = {"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port_)};
    argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
    process_ = std::make_unique<Subprocess>(
        argv, dir_.path() / ("nats-" + std::to_string(starts_++) + ".log"));
    ASSERT_TRUE(process_->WaitForPort(port_)) << process_->Log();
  }
  void Stop() { process_.reset(); }

  int port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  int port_;
  std::vector<std::string> extra_args_;
  int starts_ = 0;
  std::unique_ptr<Subprocess> process_;
};

std::unique_ptr<nats::Connection> Connect(const std::string& url,
                                          std::function<void(bool)> on_state = {}) {
  nats::ConnectOptions options;
  options.urls = {url};
  options.name = "host-transport-test";
  options.on_state = std::move(on_state);
  auto connection = nats::Connection::Connect(options);
  EXPECT_TRUE(connection) << connection.error().message();
  return connection ? std::move(connection).value() : nullptr;
}

std::string NewHostId() {
  auto pair = nats::NKeyPair::Generate(nats::NKeyType::kServer);
  return pair ? pair->PublicKey() : "NHOST";
}

// A host that answers from memory. Start may be held at a gate to stand for an image pull.
class FakeHost final : public HostHandler {
 public:
  explicit FakeHost(std::string id) : id_(std::move(id)) {}

  WorkloadStatus Start(const WorkloadStartRequest& request) override {
    MutexLock lock(mu_);
    starts_.push_back(request);
    while (hold_starts_) cv_.Wait(lock);
    if (running_.count(request.workload_id)) {
      return {request.workload_id, WorkloadState::kError, "AlreadyExists: workload is running"};
    }
    running_.insert(request.workload_id);
    return {request.workload_id, WorkloadState::kRunning, "started"};
  }
  WorkloadStatus Stop(const std::string& workload_id) override {
    MutexLock lock(mu_);
    if (running_.erase(workload_id) == 0) return {workload_id, WorkloadState::kNotFound, ""};
    return {workload_id, WorkloadState::kStopping, ""};
  }
  WorkloadStatus Status(const std::string& workload_id) override {
    MutexLock lock(mu_);
    if (!running_.count(workload_id)) return {workload_id, WorkloadState::kNotFound, ""};
    return {workload_id, WorkloadState::kRunning, ""};
  }
  HostHeartbeat Heartbeat() override {
    MutexLock lock(mu_);
    HostHeartbeat h = HeartbeatOf(id_);
    h.workload_count = running_.size();
    return h;
  }
  WorkloadList List() override {
    MutexLock lock(mu_);
    return {{running_.begin(), running_.end()}};
  }
  // One line naming the request; a follower's request (waitMillis) waits until released.
  WorkloadLogs Logs(const WorkloadLogsRequest& request) override {
    MutexLock lock(mu_);
    ++log_calls_;
    logs_requests_.push_back(request);
    while (request.wait_millis > 0 && hold_logs_) cv_.Wait(lock);
    if (!running_.count(request.workload_id)) return {};
    return {.found = true,
            .entries = {{.sequence = request.after_sequence + 1,
                         .time = "2026-12-07T10:00:00.000001Z",
                         .component = "http",
                         .stream = "stdout",
                         .text = "after " + std::to_string(request.after_sequence)}},
            .last_sequence = request.after_sequence + 1,
            .more = false,
            .ended = false,
            .error = ""};
  }
  void HoldLogs(bool hold) {
    {
      MutexLock lock(mu_);
      hold_logs_ = hold;
    }
    cv_.notify_all();
  }
  int log_calls() {
    MutexLock lock(mu_);
    return log_calls_;
  }
  std::vector<WorkloadLogsRequest> logs_requests() {
    MutexLock lock(mu_);
    return logs_requests_;
  }

  static HostHeartbeat HeartbeatOf(const std::string& id) {
    HostHeartbeat h;
    h.id = id;
    h.hostname = "node-1";
    h.friendly_name = "brave-otter";
    h.version = "0.1.0";
    h.labels = {{"hostgroup", "default"}, {"zone", "a"}};
    h.started_at = "2025-01-02T03:04:05Z";
    h.os_arch = "x86_64";
    h.os_name = "linux";
    h.os_kernel = "6.1.0";
    h.system_cpu_usage = 0.5f;
    h.system_memory_total = 17179869184ull;
    h.system_memory_free = 8589934592ull;
    h.component_count = 3;
    h.imports = {{"wasi", "keyvalue", "0.2.0-draft", {"store", "atomics"}, {{"k", "v"}}, "cache"}};
    h.exports = {{"wasi", "http", "0.2.0", {"incoming-handler"}, {}, ""}};
    h.http_port = 8080;
    h.environment = "prod";
    return h;
  }

  void HoldStarts(bool hold) {
    MutexLock lock(mu_);
    hold_starts_ = hold;
    cv_.notify_all();
  }
  std::vector<WorkloadStartRequest> starts() {
    MutexLock lock(mu_);
    return starts_;
  }
  int calls() {
    MutexLock lock(mu_);
    return static_cast<int>(starts_.size());
  }

 private:
  const std::string id_;
  Mutex mu_;
  CondVar cv_;
  bool hold_starts_ GUARDED_BY(mu_) = false;
  bool hold_logs_ GUARDED_BY(mu_) = false;
  int log_calls_ GUARDED_BY(mu_) = 0;
  std::vector<WorkloadLogsRequest> logs_requests_ GUARDED_BY(mu_);
  std::vector<WorkloadStartRequest> starts_ GUARDED_BY(mu_);
  std::set<std::string> running_ GUARDED_BY(mu_);
};

LocalResources FullResources(const std::string& tag) {
  LocalResources r;
  r.memory_limit_mb = 256;
  r.cpu_limit = 2;
  r.config = {{"greeting", "hello " + tag}, {"empty", ""}};
  r.environment = {{"RUST_LOG", "debug"}};
  r.volume_mounts = {{"data", "/data", true}, {"scratch", "/tmp/s", false}};
  r.allowed_hosts = {"api.example.com", "*.example.org"};
  r.allowed_ip_name_lookups = {"example.com"};
  r.allowed_host_loopback_ports = {"6379"};
  return r;
}

// A start request with every field of the message set, none to its default.
WorkloadStartRequest FullStartRequest() {
  WorkloadStartRequest request;
  request.workload_id = "w-full";
  Workload& w = request.workload;
  w.namespace_ = "team-a";
  w.name = "shop";
  w.annotations = {{"wasmcloud.dev/owner", "team-a"}, {"note", "ünïcödé ✓"}};
  Service service;
  service.image = "ghcr.io/x/svc:2";
  service.local_resources = FullResources("svc");
  service.max_restarts = 18446744073709551615ull;  // travels as a string
  service.image_pull_secret = ImagePullSecret{"robot", "s3cr3t"};
  service.image_pull_policy = ImagePullPolicy::kNever;
  w.service = service;
  Component web;
  web.name = "web";
  web.image = "ghcr.io/x/web:1";
  web.local_resources = FullResources("web");
  web.pool_size = 4;
  web.max_invocations = -1;
  web.max_concurrency = 100;
  web.image_pull_secret = ImagePullSecret{"u", "p"};
  web.image_pull_policy = ImagePullPolicy::kAlways;
  Component worker;
  worker.name = "worker";
  worker.image = "ghcr.io/x/worker@sha256:" + std::string(64, 'a');
  worker.image_pull_policy = ImagePullPolicy::kIfNotPresent;
  w.wit_world.components = {web, worker};
  w.wit_world.host_interfaces = {
      {"wasi", "keyvalue", "0.2.0-draft", {"store"}, {{"bucket", "b1"}}, "cache"},
      {"wasi", "config", "", {"store"}, {}, ""}};
  Volume host_path;
  host_path.name = "data";
  host_path.type = Volume::Type::kHostPath;
  host_path.local_path = "/var/lib/data";
  Volume empty_dir;
  empty_dir.name = "scratch";
  empty_dir.type = Volume::Type::kEmptyDir;
  w.volumes = {host_path, empty_dir};
  return request;
}

// ---- raw libnats, as a peer that knows only the spec ----

struct RawConnectionDeleter {
  void operator()(natsConnection* c) const { natsConnection_Destroy(c); }
};
using RawConnection = std::unique_ptr<natsConnection, RawConnectionDeleter>;

RawConnection RawConnect(const std::string& url) {
  natsConnection* conn = nullptr;
  EXPECT_EQ(natsConnection_ConnectTo(&conn, url.c_str()), NATS_OK) << nats_GetLastError(nullptr);
  return RawConnection(conn);
}

// The reply's payload, or the libnats status when there is none.
struct RawReply {
  natsStatus status = NATS_ERR;
  std::string data;
};
RawReply RawRequest(natsConnection* conn, const std::string& subject, const std::string& body,
                    int64_t timeout_ms = 5000) {
  natsMsg* msg = nullptr;
  RawReply out;
  out.status = natsConnection_Request(&msg, conn, subject.c_str(), body.data(),
                                      static_cast<int>(body.size()), timeout_ms);
  if (out.status == NATS_OK) {
    out.data.assign(natsMsg_GetData(msg), natsMsg_GetDataLength(msg));
    natsMsg_Destroy(msg);
  }
  return out;
}

// Compares JSON text by value (key order aside).
nlohmann::json J(const std::string& text) { return nlohmann::json::parse(text); }

class HostTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_conn_ = Connect(nats_.url());
    operator_conn_ = Connect(nats_.url());
    ASSERT_TRUE(host_conn_ && operator_conn_);
    auto server = NatsHostServer::Create(*host_conn_, host_id_, host_);
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(server).value();
    client_ = std::make_unique<NatsHostClient>(*operator_conn_);
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
  }

  NatsServer nats_;
  const std::string host_id_ = NewHostId();
  FakeHost host_{host_id_};
  std::unique_ptr<nats::Connection> host_conn_;
  std::unique_ptr<nats::Connection> operator_conn_;
  std::unique_ptr<NatsHostServer> server_;
  std::unique_ptr<NatsHostClient> client_;
};

TEST_F(HostTransportTest, ClientAndServerRoundTripEveryCommand) {
  const WorkloadStartRequest request = FullStartRequest();
  auto started = client_->Start(host_id_, request);
  ASSERT_TRUE(started) << started.error().message();
  EXPECT_EQ(*started, (WorkloadStatus{"w-full", WorkloadState::kRunning, "started"}));
  ASSERT_EQ(host_.starts().size(), 1u);
  EXPECT_TRUE(host_.starts()[0] == request) << Encode(host_.starts()[0]).dump(2);

  // An ID already live answers ERROR, which is an answer, not an Error.
  auto again = client_->Start(host_id_, request);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->state, WorkloadState::kError);
  EXPECT_EQ(again->workload_id, "w-full");

  auto status = client_->Status(host_id_, "w-full");
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(*status, (WorkloadStatus{"w-full", WorkloadState::kRunning, ""}));

  auto heartbeat = client_->Heartbeat(host_id_);
  ASSERT_TRUE(heartbeat) << heartbeat.error().message();
  HostHeartbeat expected = FakeHost::HeartbeatOf(host_id_);
  expected.workload_count = 1;
  EXPECT_TRUE(*heartbeat == expected) << Encode(*heartbeat).dump(2);

  // wcloud's extension: the IDs the host runs.
  auto list = client_->List(host_id_);
  ASSERT_TRUE(list) << list.error().message();
  EXPECT_EQ(list->workload_ids, std::vector<std::string>{"w-full"});

  auto stopped = client_->Stop(host_id_, "w-full");
  ASSERT_TRUE(stopped) << stopped.error().message();
  EXPECT_EQ(stopped->state, WorkloadState::kStopping);
  auto stopped_again = client_->Stop(host_id_, "w-full");
  ASSERT_TRUE(stopped_again) << stopped_again.error().message();
  EXPECT_EQ(stopped_again->state, WorkloadState::kNotFound);
}

TEST_F(HostTransportTest, ClientNamesSubjectWhenNoHostAnswers) {
  const std::string missing = NewHostId();
  auto status = client_->Status(missing, "w1");
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message().find("runtime.host." + missing + ".workload.status"),
            std::string::npos)
      << status.error().message();

  auto bad = client_->Status("not.a.token", "w1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

// wasmCloud's operator, written from the spec alone: a JSON literal to the start subject.
TEST_F(HostTransportTest, HostAnswersHandWrittenOperatorRequests) {
  RawConnection raw = RawConnect(nats_.url());
  ASSERT_TRUE(raw);
  const std::string prefix = "runtime.host." + host_id_ + ".";

  RawReply reply = RawRequest(raw.get(), prefix + "workload.start",
                              R"({"workloadId":"w1","workload":{"namespace":"default",)"
                              R"("name":"hello","witWorld":{"components":[{"name":"web",)"
                              R"("image":"ghcr.io/x/y:1","poolSize":2}]}}})");
  ASSERT_EQ(reply.status, NATS_OK) << natsStatus_GetText(reply.status);
  EXPECT_EQ(J(reply.data), J(R"({"workloadStatus":{"workloadId":"w1",)"
                             R"("workloadState":"WORKLOAD_STATE_RUNNING","message":"started"}})"));
  ASSERT_EQ(host_.starts().size(), 1u);
  WorkloadStartRequest expected;
  expected.workload_id = "w1";
  expected.workload.namespace_ = "default";
  expected.workload.name = "hello";
  Component web;
  web.name = "web";
  web.image = "ghcr.io/x/y:1";
  web.pool_size = 2;
  expected.workload.wit_world.components = {web};
  EXPECT_TRUE(host_.starts()[0] == expected) << Encode(host_.starts()[0]).dump(2);

  reply = RawRequest(raw.get(), prefix + "workload.status", R"({"workloadId":"w1"})");
  ASSERT_EQ(reply.status, NATS_OK);
  EXPECT_EQ(J(reply.data), J(R"({"workloadStatus":{"workloadId":"w1",)"
                             R"("workloadState":"WORKLOAD_STATE_RUNNING"}})"));

  reply = RawRequest(raw.get(), prefix + "heartbeat", "");
  ASSERT_EQ(reply.status, NATS_OK);
  const nlohmann::json heartbeat = J(reply.data);
  EXPECT_EQ(heartbeat["id"], host_id_);
  EXPECT_EQ(heartbeat["labels"]["hostgroup"], "default");
  EXPECT_EQ(heartbeat["workloadCount"], "1");  // uint64 as a string, as pbjson writes it
  EXPECT_EQ(heartbeat["environment"], "prod");

  reply = RawRequest(raw.get(), prefix + "workload.stop", R"({"workloadId":"w1"})");
  ASSERT_EQ(reply.status, NATS_OK);
  EXPECT_EQ(J(reply.data), J(R"({"workloadStatus":{"workloadId":"w1",)"
                             R"("workloadState":"WORKLOAD_STATE_STOPPING"}})"));
  reply = RawRequest(raw.get(), prefix + "workload.stop", R"({"workloadId":"w1"})");
  ASSERT_EQ(reply.status, NATS_OK);
  EXPECT_EQ(J(reply.data), J(R"({"workloadStatus":{"workloadId":"w1",)"
                             R"("workloadState":"WORKLOAD_STATE_NOT_FOUND"}})"));
}

TEST_F(HostTransportTest, BadRequestsAnswerErrorNamingTheField) {
  RawConnection raw = RawConnect(nats_.url());
  ASSERT_TRUE(raw);
  const std::string prefix = "runtime.host." + host_id_ + ".";

  RawReply reply =
      RawRequest(raw.get(), prefix + "workload.start",
                 R"({"workloadId":"w2","workload":{"witWorld":{"components":[{"name":5}]}}})");
  ASSERT_EQ(reply.status, NATS_OK);
  nlohmann::json status = J(reply.data)["workloadStatus"];
  EXPECT_EQ(status["workloadId"], "w2");
  EXPECT_EQ(status["workloadState"], "WORKLOAD_STATE_ERROR");
  EXPECT_NE(status["message"].get<std::string>().find(
                "InvalidRequest: workload.witWorld.components[0].name"),
            std::string::npos)
      << status;
  EXPECT_EQ(host_.calls(), 0);  // the handler never saw it

  reply = RawRequest(raw.get(), prefix + "workload.status", "not json");
  ASSERT_EQ(reply.status, NATS_OK);
  status = J(reply.data)["workloadStatus"];
  EXPECT_EQ(status["workloadState"], "WORKLOAD_STATE_ERROR");
  EXPECT_FALSE(status.contains("workloadId"));

  // Nesting far deeper than any message of the protocol is refused before parsing.
  reply = RawRequest(raw.get(), prefix + "workload.stop",
                     std::string(100000, '[') + std::string(100000, ']'));
  ASSERT_EQ(reply.status, NATS_OK);
  EXPECT_EQ(J(reply.data)["workloadStatus"]["workloadState"], "WORKLOAD_STATE_ERROR");
}

// The spec: an unknown command is logged and not answered. The host is subscribed, so the
// server does not answer "no responders" either: the request times out.
TEST_F(HostTransportTest, UnknownCommandGetsNoReply) {
  RawConnection raw = RawConnect(nats_.url());
  ASSERT_TRUE(raw);
  RawReply reply =
      RawRequest(raw.get(), "runtime.host." + host_id_ + ".workload.explode", "{}", 500);
  EXPECT_EQ(reply.status, NATS_TIMEOUT) << natsStatus_GetText(reply.status);

  auto ours =
      operator_conn_->Request("runtime.host." + host_id_ + ".nothing", "{}", milliseconds(300));
  ASSERT_FALSE(ours);
  EXPECT_EQ(ours.error().code(), ErrorCode::kDeadlineExceeded);

  // The server keeps serving after it.
  auto status = client_->Status(host_id_, "w1");
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(status->state, WorkloadState::kNotFound);
}

// Starts run on their own workers: a start held up (an image pull) does not delay heartbeats
// or status requests.
TEST_F(HostTransportTest, SlowStartDoesNotHoldUpOtherCommands) {
  host_.HoldStarts(true);
  WorkloadStartRequest request;
  request.workload_id = "w-slow";
  Result<WorkloadStatus> started = Error("not run");
  std::thread starter([&] { started = client_->Start(host_id_, request); });
  ASSERT_TRUE(WaitFor([&] { return host_.calls() == 1; }));

  auto heartbeat = client_->Heartbeat(host_id_);
  EXPECT_TRUE(heartbeat) << heartbeat.error().message();
  auto status = client_->Status(host_id_, "w-slow");
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(status->state, WorkloadState::kNotFound);

  host_.HoldStarts(false);
  starter.join();
  ASSERT_TRUE(started) << started.error().message();
  EXPECT_EQ(started->state, WorkloadState::kRunning);
}

TEST_F(HostTransportTest, WorkloadLogsRoundTripAndAWaitingFollowerHoldsUpNothing) {
  WorkloadStartRequest start;
  start.workload_id = "w-logs";
  ASSERT_TRUE(client_->Start(host_id_, start));

  const WorkloadLogsRequest request{.workload_id = "w-logs",
                                    .component = "http",
                                    .since_time = "2026-12-07T09:00:00Z",
                                    .tail_lines = 5,
                                    .after_sequence = 7,
                                    .wait_millis = 0};
  auto logs = client_->Logs(host_id_, request);
  ASSERT_TRUE(logs) << logs.error().message();
  EXPECT_TRUE(logs->found);
  ASSERT_EQ(logs->entries.size(), 1u);
  EXPECT_EQ(logs->entries[0].text, "after 7");
  EXPECT_EQ(logs->last_sequence, 8u);
  ASSERT_EQ(host_.logs_requests().size(), 1u);
  EXPECT_EQ(host_.logs_requests()[0], request);

  auto unknown = client_->Logs(host_id_, {.workload_id = "w-none"});
  ASSERT_TRUE(unknown) << unknown.error().message();
  EXPECT_FALSE(unknown->found);

  // A follower waits on the host; stop and status are answered meanwhile.
  host_.HoldLogs(true);
  Result<WorkloadLogs> followed = Error("not run");
  std::thread follower(
      [&] { followed = client_->Logs(host_id_, {.workload_id = "w-logs", .wait_millis = 2000}); });
  ASSERT_TRUE(WaitFor([&] { return host_.log_calls() == 3; }));
  auto status = client_->Status(host_id_, "w-logs");
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(status->state, WorkloadState::kRunning);
  host_.HoldLogs(false);
  follower.join();
  ASSERT_TRUE(followed) << followed.error().message();
  EXPECT_TRUE(followed->found);
}

// wasmCloud's host, written from the spec alone, answering our client.
TEST_F(HostTransportTest, ClientTalksToHandWrittenHost) {
  RawConnection raw = RawConnect(nats_.url());
  ASSERT_TRUE(raw);
  struct Responder {
    Mutex mu;
    std::vector<std::pair<std::string, std::string>> requests GUARDED_BY(mu);
  } responder;
  const auto on_message = [](natsConnection* nc, natsSubscription*, natsMsg* msg, void* closure) {
    auto* r = static_cast<Responder*>(closure);
    const std::string subject = natsMsg_GetSubject(msg);
    {
      MutexLock lock(r->mu);
      r->requests.emplace_back(subject,
                               std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)));
    }
    std::string answer;
    if (subject.ends_with(".workload.start")) {
      answer = R"({"workloadStatus":{"workloadId":"w1","workloadState":"WORKLOAD_STATE_STARTING",)"
               R"("message":"pulling ghcr.io/x/y:1"}})";
    } else if (subject.ends_with(".workload.status")) {
      // Numbers for enums are proto3 JSON too; unknown fields are ignored.
      answer = R"({"workloadStatus":{"workloadId":"w9","workloadState":6},"extra":true})";
    } else if (subject.ends_with(".heartbeat")) {
      answer = R"({"id":"NOTHEHOST","hostname":"h"})";
    } else {
      answer = "garbage";
    }
    natsConnection_PublishString(nc, natsMsg_GetReply(msg), answer.c_str());
    natsMsg_Destroy(msg);
  };
  const std::string host = "NRAWHOST";
  natsSubscription* sub = nullptr;
  ASSERT_EQ(natsConnection_Subscribe(&sub, raw.get(), ("runtime.host." + host + ".>").c_str(),
                                     on_message, &responder),
            NATS_OK);
  ASSERT_EQ(natsConnection_Flush(raw.get()), NATS_OK);

  WorkloadStartRequest request;
  request.workload_id = "w1";
  request.workload.namespace_ = "default";
  request.workload.name = "hello";
  Component web;
  web.name = "web";
  web.image = "ghcr.io/x/y:1";
  web.pool_size = 2;
  request.workload.wit_world.components = {web};
  auto started = client_->Start(host, request);
  ASSERT_TRUE(started) << started.error().message();
  EXPECT_EQ(*started, (WorkloadStatus{"w1", WorkloadState::kStarting, "pulling ghcr.io/x/y:1"}));

  auto status = client_->Status(host, "w9");
  ASSERT_TRUE(status) << status.error().message();
  EXPECT_EQ(*status, (WorkloadStatus{"w9", WorkloadState::kNotFound, ""}));

  auto stopped = client_->Stop(host, "w9");  // answered "garbage"
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(stopped.error().message().find("runtime.host.NRAWHOST.workload.stop: reply"),
            std::string::npos)
      << stopped.error().message();

  auto heartbeat = client_->Heartbeat(host);  // another host's heartbeat
  ASSERT_FALSE(heartbeat);
  EXPECT_NE(heartbeat.error().message().find("NOTHEHOST"), std::string::npos);

  // What we sent is what the spec shows.
  std::vector<std::pair<std::string, std::string>> requests;
  {
    MutexLock lock(responder.mu);
    requests = responder.requests;
  }
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].first, "runtime.host.NRAWHOST.workload.start");
  EXPECT_EQ(
      J(requests[0].second),
      J(R"({"workloadId":"w1","workload":{"namespace":"default","name":"hello",)"
        R"("witWorld":{"components":[{"name":"web","image":"ghcr.io/x/y:1","poolSize":2}]}}})"));
  EXPECT_EQ(requests[1].first, "runtime.host.NRAWHOST.workload.status");
  EXPECT_EQ(J(requests[1].second), J(R"({"workloadId":"w9"})"));
  EXPECT_EQ(requests[2].first, "runtime.host.NRAWHOST.workload.stop");
  EXPECT_EQ(J(requests[2].second), J(R"({"workloadId":"w9"})"));
  EXPECT_EQ(requests[3].first, "runtime.host.NRAWHOST.heartbeat");
  EXPECT_EQ(requests[3].second, "");

  natsSubscription_Unsubscribe(sub);
  natsSubscription_Destroy(sub);
}

class HeartbeatLog {
 public:
  HeartbeatSink Sink() {
    return [this](const HostHeartbeat& h) {
      MutexLock lock(mu_);
      seen_.push_back(h);
    };
  }
  std::vector<HostHeartbeat> seen() {
    MutexLock lock(mu_);
    return seen_;
  }

 private:
  Mutex mu_;
  std::vector<HostHeartbeat> seen_ GUARDED_BY(mu_);
};

TEST_F(HostTransportTest, PublishedHeartbeatsReachTheSubscriber) {
  HeartbeatLog log;
  auto subscriber = NatsHeartbeatSubscriber::Create(*operator_conn_, log.Sink());
  ASSERT_TRUE(subscriber) << subscriber.error().message();

  const HostHeartbeat heartbeat = FakeHost::HeartbeatOf(host_id_);
  ASSERT_TRUE(server_->PublishHeartbeat(heartbeat));
  ASSERT_TRUE(WaitFor([&] { return log.seen().size() == 1; }));
  EXPECT_TRUE(log.seen()[0] == heartbeat) << Encode(log.seen()[0]).dump(2);

  // A host may not publish another's heartbeat; our server refuses to.
  auto refused = server_->PublishHeartbeat(FakeHost::HeartbeatOf("NSOMEONEELSE"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);

  // Raw publishes the subscriber must skip: another host's id, a wrong type, not JSON. Then a
  // good one, which arrives after them (one subscription delivers in order).
  RawConnection raw = RawConnect(nats_.url());
  ASSERT_TRUE(raw);
  const std::string subject = "runtime.operator.heartbeat." + host_id_;
  natsConnection_PublishString(raw.get(), subject.c_str(), R"({"id":"NSOMEONEELSE"})");
  natsConnection_PublishString(raw.get(), subject.c_str(),
                               (R"({"id":")" + host_id_ + R"(","labels":[1]})").c_str());
  natsConnection_PublishString(raw.get(), subject.c_str(), "{{{");
  natsConnection_PublishString(raw.get(), subject.c_str(),
                               (R"({"id":")" + host_id_ + R"(","hostname":"raw",)" +
                                R"("labels":{"hostgroup":"g"},"workloadCount":"7"})")
                                   .c_str());
  ASSERT_EQ(natsConnection_Flush(raw.get()), NATS_OK);
  ASSERT_TRUE(WaitFor([&] { return log.seen().size() >= 2; }));
  std::this_thread::sleep_for(milliseconds(100));
  const auto seen = log.seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].hostname, "raw");
  EXPECT_EQ(seen[1].workload_count, 7u);
  EXPECT_EQ(seen[1].labels.at("hostgroup"), "g");
}

// ---- the connection itself ----

TEST(NatsConnectionTest, NoServerIsAnErrorNamingTheUrl) {
  const std::string url = "nats://127.0.0.1:" + std::to_string(FreePort());
  nats::ConnectOptions options;
  options.urls = {url};
  options.connect_timeout = milliseconds(1000);
  auto connection = nats::Connection::Connect(options);
  ASSERT_FALSE(connection);
  EXPECT_EQ(connection.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(connection.error().message().find(url), std::string::npos)
      << connection.error().message();

  options.urls = {};
  auto none = nats::Connection::Connect(options);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kInvalidArgument);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(NatsConnectionTest, WrongTokenIsAnAuthorizationError) {
  NatsServer nats({"--auth", "secret"});
  nats::ConnectOptions options;
  options.urls = {nats.url()};
  options.token = "wrong";
  auto refused = nats::Connection::Connect(options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kUnauthenticated) << refused.error().message();
  EXPECT_NE(Lower(refused.error().message()).find("authorization"), std::string::npos)
      << refused.error().message();
  EXPECT_NE(refused.error().message().find(nats.url()), std::string::npos);

  options.token = "secret";
  auto accepted = nats::Connection::Connect(options);
  ASSERT_TRUE(accepted) << accepted.error().message();
  EXPECT_TRUE((*accepted)->connected());
}

TEST(NatsConnectionTest, NKeySeedFileAuthenticates) {
  TempDir dir;
  auto user = nats::NKeyPair::Generate(nats::NKeyType::kUser);
  ASSERT_TRUE(user);
  const int port = FreePort();
  const auto config = dir.path() / "nats.conf";
  std::ofstream(config) << "listen: 127.0.0.1:" << port << "\n"
                        << "authorization { users = [ { nkey: " << user->PublicKey() << " } ] }\n";
  Subprocess server({"nats-server", "-c", config.string()}, dir.path() / "nats.log");
  ASSERT_TRUE(server.WaitForPort(port)) << server.Log();

  const auto seed_file = dir.path() / "user.nk";
  std::ofstream(seed_file) << user->Seed() << "\n";
  nats::ConnectOptions options;
  options.urls = {"nats://127.0.0.1:" + std::to_string(port)};
  options.nkey_seed_file = seed_file.string();
  auto connection = nats::Connection::Connect(options);
  ASSERT_TRUE(connection) << connection.error().message() << "\n" << server.Log();
  ASSERT_TRUE((*connection)->Flush(milliseconds(2000)));

  std::ofstream(seed_file) << "SUNOTASEED\n";
  auto bad = nats::Connection::Connect(options);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message().find(seed_file.string()), std::string::npos)
      << bad.error().message();
}

TEST(NatsConnectionTest, TlsTrustsTheGivenCa) {
  TempDir dir;
  auto ca = GenerateCertificateAuthority("test-ca", 1);
  ASSERT_TRUE(ca) << ca.error().message();
  auto cert = IssueServerCertificate(*ca, "nats", {"localhost"}, {"127.0.0.1"}, 1);
  ASSERT_TRUE(cert) << cert.error().message();
  std::ofstream(dir.path() / "ca.pem") << ca->certificate_pem;
  std::ofstream(dir.path() / "server.pem") << cert->certificate_pem;
  std::ofstream(dir.path() / "server.key") << cert->private_key_pem;
  NatsServer nats({"--tls", "--tlscert", (dir.path() / "server.pem").string(), "--tlskey",
                   (dir.path() / "server.key").string()});

  nats::ConnectOptions options;
  options.urls = {"tls://127.0.0.1:" + std::to_string(nats.port())};
  options.tls_ca_file = (dir.path() / "ca.pem").string();
  auto connection = nats::Connection::Connect(options);
  ASSERT_TRUE(connection) << connection.error().message();
  ASSERT_TRUE((*connection)->Flush(milliseconds(2000)));

  // Without our CA the server's certificate is not trusted.
  options.tls_ca_file.clear();
  auto untrusted = nats::Connection::Connect(options);
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(untrusted.error().message().find(options.urls[0]), std::string::npos);

  // A CA file that does not exist is named.
  options.tls_ca_file = (dir.path() / "missing.pem").string();
  auto missing = nats::Connection::Connect(options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kInvalidArgument);
}

TEST(NatsConnectionTest, DestroyingASubscriptionWaitsForItsHandler) {
  NatsServer nats;
  auto connection = Connect(nats.url());
  ASSERT_TRUE(connection);
  std::atomic<bool> started{false}, finished{false};
  auto sub =
      connection->Subscribe("slow", [&](const std::string&, std::string_view, const std::string&) {
        started = true;
        std::this_thread::sleep_for(milliseconds(300));
        finished = true;
      });
  ASSERT_TRUE(sub) << sub.error().message();
  ASSERT_TRUE(connection->Publish("slow", "x"));
  ASSERT_TRUE(WaitFor([&] { return started.load(); }));
  sub->reset();
  EXPECT_TRUE(finished.load());

  // One that outlives its connection is closed with it and goes without waiting for anything.
  auto orphan = connection->Subscribe(
      "orphan", [](const std::string&, std::string_view, const std::string&) {});
  ASSERT_TRUE(orphan) << orphan.error().message();
  connection.reset();
  orphan->reset();
}

// nats-server stops and comes back on the same port: both sides reconnect on their own, the
// host's subscription and the heartbeat subscription are still there, requests work again.
TEST(NatsConnectionTest, ReconnectsAndKeepsSubscriptions) {
  NatsServer nats;
  std::atomic<int> downs{0}, ups{0};
  auto host_conn = Connect(nats.url(), [&](bool connected) { ++(connected ? ups : downs); });
  auto operator_conn = Connect(nats.url());
  ASSERT_TRUE(host_conn && operator_conn);
  const std::string host_id = NewHostId();
  FakeHost host(host_id);
  auto server = NatsHostServer::Create(*host_conn, host_id, host);
  ASSERT_TRUE(server) << server.error().message();
  HeartbeatLog log;
  auto subscriber = NatsHeartbeatSubscriber::Create(*operator_conn, log.Sink());
  ASSERT_TRUE(subscriber) << subscriber.error().message();
  NatsHostClient client(*operator_conn);
  ASSERT_TRUE(client.Status(host_id, "w1"));

  nats.Stop();
  ASSERT_TRUE(WaitFor([&] { return !host_conn->connected() && !operator_conn->connected(); }));
  ASSERT_TRUE(WaitFor([&] { return downs.load() == 1; }));
  // While away, requests fail at once rather than waiting out their timeout.
  auto away = client.Status(host_id, "w1");
  ASSERT_FALSE(away);
  EXPECT_EQ(away.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(away.error().message().find("not connected"), std::string::npos);

  nats.Start();
  ASSERT_TRUE(WaitFor([&] { return host_conn->connected() && operator_conn->connected(); }));
  ASSERT_TRUE(WaitFor([&] { return ups.load() == 1; }));
  // libnats subscribes again as it reconnects; a flush on each side makes sure the server has
  // the subscriptions before we rely on them.
  ASSERT_TRUE(host_conn->Flush(milliseconds(5000)));
  ASSERT_TRUE(operator_conn->Flush(milliseconds(5000)));

  WorkloadStartRequest request;
  request.workload_id = "w-after";
  auto started = client.Start(host_id, request);
  ASSERT_TRUE(started) << started.error().message();
  EXPECT_EQ(started->state, WorkloadState::kRunning);
  auto heartbeat = client.Heartbeat(host_id);
  ASSERT_TRUE(heartbeat) << heartbeat.error().message();
  EXPECT_EQ(heartbeat->workload_count, 1u);

  ASSERT_TRUE((*server)->PublishHeartbeat(FakeHost::HeartbeatOf(host_id)));
  ASSERT_TRUE(WaitFor([&] { return log.seen().size() == 1; }));

  // Destroyed in the order main would: subscriptions before their connections. on_state is not
  // told about our own close.
  subscriber->reset();
  server->reset();
  host_conn.reset();
  EXPECT_EQ(downs.load(), 1);
}

}  // namespace
}  // namespace wcloud::hostapi
