// `wcloud up` end to end, as a user drives it: the real kubectl against a `wcloud up` subprocess
// (API server, operator and this machine's host in one process), components pushed with
// `wcloud push` to a real docker-registry with htpasswd, answers checked with curl and raw
// sockets. Covers: Artifact with an imagePullSecret → WorkloadDeployment → answers; scaling;
// a new Artifact image rolled out (RollingUpdate) with a client loop seeing no failed request;
// Recreate; unreachable registries and broken components explained by conditions while another
// workload keeps answering; deletion closing the port; a restart bringing the Workloads back.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "support/subprocess.h"
#include "support/test_registry.h"
#include "support/wait_for.h"
#include "test_components.h"
#include "util/json.h"

namespace wcloud {
namespace {

using namespace std::chrono_literals;
using testing::CommandResult;
using testing::FreePort;
using testing::RunCommand;
using testing::Subprocess;
using testing::TempDir;
using testing::TestComponentPath;
using testing::TestRegistry;
using testing::WcloudBinary;

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 60s) {
  return testing::WaitFor(done, timeout, 100ms);
}

constexpr char kUser[] = "e2e";
constexpr char kPassword[] = "s3cret";
constexpr char kHello[] = "hello from http_hello";

// `wcloud up` on its own data dir and free ports (API and --http-listen), restartable on both.
class UpProcess {
 public:
  UpProcess() : api_port_(FreePort()), http_port_(FreePort()) {}

  bool Start() {
    std::filesystem::remove(kubeconfig());
    ++starts_;
    server_ = std::make_unique<Subprocess>(
        std::vector<std::string>{WcloudBinary(), "up", "--data-dir", dir_.path().string(),
                                 "--api-listen", "127.0.0.1:" + std::to_string(api_port_),
                                 "--http-listen", "127.0.0.1:" + std::to_string(http_port_)},
        dir_.path() / ("wcloud." + std::to_string(starts_) + ".log"));
    if (!server_->WaitForPort(api_port_)) return false;
    return WaitFor([&] { return std::filesystem::exists(kubeconfig()); }, 10s);
  }

  // SIGTERM, then the exit code; nullopt if it is still running after `timeout`.
  std::optional<int> Terminate(std::chrono::milliseconds timeout) {
    server_->Kill(SIGTERM);
    return server_->WaitForExit(timeout);
  }

  std::string Log() const { return server_ ? server_->Log() : ""; }
  pid_t pid() const { return server_ ? server_->pid() : -1; }
  std::string kubeconfig() const { return (dir_.path() / "kubeconfig").string(); }

  CommandResult Kubectl(std::vector<std::string> args, const std::string& input = "") const {
    args.insert(args.begin(), {"kubectl", "--kubeconfig", kubeconfig(), "--request-timeout=20s"});
    return RunCommand(args, input);
  }

 private:
  TempDir dir_;
  int api_port_;
  int http_port_;
  int starts_ = 0;
  std::unique_ptr<Subprocess> server_;
};

// One GET on a fresh connection. status 0: no HTTP answer (refused, reset, timed out).
struct Answer {
  int status = 0;
  std::string text;  // the whole response, or why there was none
};

Answer HttpGet(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {0, std::string("socket: ") + std::strerror(errno)};
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  Answer answer;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    answer.text = std::string("connect: ") + std::strerror(errno);
    close(fd);
    return answer;
  }
  const std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    answer.text = std::string("send: ") + std::strerror(errno);
    close(fd);
    return answer;
  }
  std::string response;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      response.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0) answer.text = std::string("recv: ") + std::strerror(errno) + " after ";
    break;
  }
  close(fd);
  if (response.rfind("HTTP/1.1 ", 0) == 0 && response.size() >= 12) {
    answer.status = std::atoi(response.substr(9, 3).c_str());
    answer.text = response;
  } else {
    answer.text += "'" + response + "'";
  }
  return answer;
}

// Requests one after another on fresh connections until stopped, counting what answered.
class ClientLoop {
 public:
  explicit ClientLoop(int port) : port_(port), thread_([this] { Run(); }) {}
  ~ClientLoop() { Stop(); }

  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int total() const { return total_; }
  int failed() const { return failed_; }
  int hello() const { return hello_; }
  int echo() const { return echo_; }
  std::string Failures() const {
    std::lock_guard lock(mu_);
    return failures_;
  }

 private:
  void Run() {
    auto start = std::chrono::steady_clock::now();
    while (!stop_) {
      Answer a = HttpGet(port_);
      ++total_;
      if (a.status >= 200 && a.status < 300) {
        if (a.text.find(kHello) != std::string::npos) ++hello_;
        if (a.text.find("x-echo-method") != std::string::npos) ++echo_;
      } else {
        ++failed_;
        std::lock_guard lock(mu_);
        if (failed_ <= 5) {
          auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::steady_clock::now() - start);
          failures_ += "request " + std::to_string(total_) + " at " + std::to_string(ms.count()) +
                       " ms: " + (a.status ? std::to_string(a.status) + " " : "") +
                       a.text.substr(0, 300) + "\n";
        }
      }
      std::this_thread::sleep_for(2ms);
    }
  }

  int port_;
  std::atomic<bool> stop_{false};
  std::atomic<int> total_{0}, failed_{0}, hello_{0}, echo_{0};
  mutable std::mutex mu_;
  std::string failures_;
  std::thread thread_;
};

Json ConditionOf(const Json& object, const std::string& type) {
  if (!object.contains("status") || !object["status"].is_object()) return Json::object();
  for (const auto& c : object["status"].value("conditions", Json::array())) {
    if (c.value("type", "") == type) return c;
  }
  return Json::object();
}

bool IsReady(const Json& object) {
  return ConditionOf(object, "Ready").value("status", "") == "True";
}

std::string ArtifactYaml(const std::string& name, const std::string& image,
                         const std::string& secret) {
  return "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Artifact\nmetadata: {name: " + name +
         "}\nspec:\n  image: " + image + "\n" +
         (secret.empty() ? "" : "  imagePullSecret: {name: " + secret + "}\n");
}

struct DeploymentSpec {
  std::string name = {};
  int replicas = 2;
  int port = 0;
  std::string image = {};     // a file:// path or an OCI reference; ignored with `artifact`
  std::string artifact = {};  // an Artifact whose current revision the component runs
  std::string policy = "RollingUpdate";
};

std::string DeploymentYaml(const DeploymentSpec& d) {
  std::string yaml =
      "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: WorkloadDeployment\n"
      "metadata: {name: " +
      d.name + "}\nspec:\n  replicas: " + std::to_string(d.replicas) +
      "\n  deployPolicy: " + d.policy + "\n";
  if (!d.artifact.empty()) {
    yaml += "  artifacts:\n    - name: http\n      artifactFrom: {name: " + d.artifact + "}\n";
  }
  yaml += "  template:\n    metadata:\n      labels: {app: " + d.name +
          "}\n    spec:\n      hostSelector: {hostgroup: default}\n      components:\n"
          "        - name: http\n          image: " +
          (d.artifact.empty() ? d.image : "artifact://" + d.artifact) +
          "\n      hostInterfaces:\n        - namespace: wasi\n          package: http\n"
          "          interfaces: [incoming-handler]\n          config: {address: \"127.0.0.1:" +
          std::to_string(d.port) + "\"}\n";
  return yaml;
}

class UpEndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    registry_ = new TestRegistry(kUser, kPassword);
    if (!registry_->ok()) return;
    // A docker config.json for `wcloud push`: base64("e2e:s3cret").
    std::ofstream(registry_->dir() / "docker-config.json")
        << R"({"auths":{")" << registry_->host() << R"(":{"auth":"ZTJlOnMzY3JldA=="}}})";
    pushed_ = Push("http_hello", HelloImage()) && Push("http_echo", EchoImage());
  }
  static void TearDownTestSuite() {
    delete registry_;
    registry_ = nullptr;
  }
  static bool Push(const std::string& component, const std::string& ref) {
    auto r = RunCommand({WcloudBinary(), "push", ref, TestComponentPath(component),
                         "--docker-config", (registry_->dir() / "docker-config.json").string()});
    if (r.exit_code != 0) std::cerr << "wcloud push " << ref << ": " << r.out << r.err << "\n";
    return r.exit_code == 0;
  }
  static std::string HelloImage() { return registry_->host() + "/e2e/web:1"; }
  static std::string EchoImage() { return registry_->host() + "/e2e/web:2"; }

  void SetUp() override {
    ASSERT_TRUE(registry_ && registry_->ok()) << (registry_ ? registry_->Log() : "");
    ASSERT_TRUE(pushed_);
    ASSERT_TRUE(up_.Start()) << up_.Log();
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cerr << "---- kubectl get wasmcloud\n"
                << up_.Kubectl({"get", "wasmcloud,events", "-o", "wide"}).out
                << "---- wcloud up log (last 6000 bytes)\n";
      std::string log = up_.Log();
      std::cerr << log.substr(log.size() > 6000 ? log.size() - 6000 : 0) << "\n";
    }
  }

  CommandResult Ok(std::vector<std::string> args, const std::string& input = "") {
    auto r = up_.Kubectl(std::move(args), input);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return r;
  }

  Json Get(const std::string& what, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"get", what, "-o", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = up_.Kubectl(args);
    if (r.exit_code != 0) return Json();
    auto parsed = Json::parse(r.out, nullptr, false);
    return parsed.is_discarded() ? Json() : parsed;
  }

  // The Workloads of deployment `app` (its template's label).
  std::vector<Json> Workloads(const std::string& app) {
    Json list = Get("ww", {"-l", "app=" + app});
    std::vector<Json> items;
    if (list.is_object()) {
      for (const auto& w : list.value("items", Json::array())) items.push_back(w);
    }
    return items;
  }

  // The deployment rolled out at `replicas`: its status says so for its current generation,
  // and exactly that many Workloads exist, all Ready.
  bool RolledOut(const std::string& name, int replicas) {
    Json wd = Get("wd/" + name);
    if (!wd.is_object() || !wd.contains("status")) return false;
    const Json& s = wd["status"];
    if (s.value("observedGeneration", 0) != wd["metadata"].value("generation", -1)) return false;
    if (s.value("replicas", -1) != replicas || s.value("readyReplicas", -1) != replicas ||
        s.value("updatedReplicas", -1) != replicas || !IsReady(wd)) {
      return false;
    }
    auto workloads = Workloads(name);
    if (static_cast<int>(workloads.size()) != replicas) return false;
    for (const auto& w : workloads) {
      if (!IsReady(w) || w["metadata"].contains("deletionTimestamp")) return false;
    }
    return true;
  }

  void ExpectRolledOut(const std::string& name, int replicas) {
    EXPECT_TRUE(WaitFor([&] { return RolledOut(name, replicas); }))
        << name << " at " << replicas << " replicas:\n"
        << Ok({"get", "wd,wrs,ww", "-o", "wide"}).out;
  }

  // curl's answer: its exit code (7: nothing listens) and the body.
  static CommandResult Curl(int port) {
    return RunCommand(
        {"curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + std::to_string(port) + "/"});
  }

  void CreatePullSecret(const std::string& name) {
    Ok({"create", "secret", "docker-registry", name, "--docker-server=" + registry_->host(),
        std::string("--docker-username=") + kUser, std::string("--docker-password=") + kPassword});
  }

  // A pushed image through an Artifact with a pull secret, `replicas` Workloads on `port`.
  void DeployFromArtifact(const std::string& name, int replicas, int port,
                          const std::string& image = HelloImage()) {
    CreatePullSecret("regcred");
    Ok({"apply", "-f", "-"},
       ArtifactYaml(name, image, "regcred") + "---\n" +
           DeploymentYaml({.name = name, .replicas = replicas, .port = port, .artifact = name}));
  }

  static inline TestRegistry* registry_ = nullptr;
  static inline bool pushed_ = false;
  UpProcess up_;
};

TEST_F(UpEndToEndTest, PushedImageThroughArtifactWithPullSecretServes) {
  int port = FreePort();
  DeployFromArtifact("web", 2, port);
  ExpectRolledOut("web", 2);
  Json art = Get("art/web");
  EXPECT_TRUE(IsReady(art)) << art.dump(2);
  EXPECT_EQ(art["status"].value("revision", 0), 1);
  EXPECT_EQ(art["status"].value("artifactURL", "").rfind(HelloImage() + "@sha256:", 0), 0u)
      << art.dump(2);
  for (const auto& w : Workloads("web")) {
    EXPECT_EQ(w["spec"]["components"][0].value("image", ""),
              art["status"].value("artifactURL", ""));
  }
  for (int i = 0; i < 10; ++i) {
    auto r = Curl(port);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(kHello), std::string::npos) << r.out;
  }

  // Events as kubectl shows them: the pull and the revision on the Artifact, the host's
  // readiness on its Host.
  std::string events = Ok({"events", "--for", "artifact/web"}).out;
  EXPECT_NE(events.find("Pulled"), std::string::npos) << events;
  EXPECT_NE(events.find("NewRevision"), std::string::npos) << events;
  const std::string host = Ok({"get", "hosts", "-o", "jsonpath={.items[0].metadata.name}"}).out;
  events = Ok({"events", "--for", "host/" + host}).out;
  EXPECT_NE(events.find("HostReady"), std::string::npos) << events;
}

TEST_F(UpEndToEndTest, ScaleFollowsKubectlScale) {
  int port = FreePort();
  DeployFromArtifact("web", 2, port);
  ExpectRolledOut("web", 2);
  for (int replicas : {5, 1}) {
    Ok({"scale", "wd", "web", "--replicas=" + std::to_string(replicas)});
    ExpectRolledOut("web", replicas);
    EXPECT_EQ(Ok({"get", "wd", "web", "-o", "jsonpath={.spec.replicas}"}).out,
              std::to_string(replicas));
    for (int i = 0; i < 10; ++i) {
      auto r = Curl(port);
      ASSERT_EQ(r.exit_code, 0) << "at " << replicas << " replicas: " << r.err;
      EXPECT_NE(r.out.find(kHello), std::string::npos) << r.out;
    }
  }
  // Scaled down for good: the extra Workloads are gone, not just unready.
  EXPECT_EQ(Workloads("web").size(), 1u);

  // Each step is an Event on the deployment, worded as Kubernetes' deployment controller words
  // it; the scheduler's decision is one on each Workload.
  const std::string set =
      Ok({"get", "wrs", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"}).out;
  std::string events = Ok({"events", "--for", "workloaddeployment/web"}).out;
  for (const std::string& step : {"Scaled up replica set " + set + " from 0 to 2",
                                  "Scaled up replica set " + set + " from 2 to 5",
                                  "Scaled down replica set " + set + " from 5 to 1"}) {
    EXPECT_NE(events.find(step), std::string::npos) << step << " in:\n" << events;
  }
  EXPECT_NE(events.find("ScalingReplicaSet"), std::string::npos) << events;
  const std::string workload = Workloads("web").at(0)["metadata"].value("name", "");
  events = Ok({"events", "--for", "workload/" + workload}).out;
  EXPECT_NE(events.find("Scheduled"), std::string::npos) << events;
  EXPECT_NE(events.find("Successfully assigned default/" + workload + " to "), std::string::npos)
      << events;
}

TEST_F(UpEndToEndTest, NewArtifactImageRollsOutWithoutAFailedRequest) {
  int port = FreePort();
  DeployFromArtifact("web", 2, port);
  ExpectRolledOut("web", 2);
  std::string old_set =
      Ok({"get", "wrs", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"}).out;

  ClientLoop client(port);
  // And a client on one keep-alive connection: curl reuses it across its URLs, 100 a second.
  CommandResult kept;
  std::thread kept_thread([&] {
    std::vector<std::string> args = {
        "curl", "-s", "--rate", "100/s", "-w", "%{http_code} %{num_connects} %{size_download}\n"};
    for (int i = 0; i < 800; ++i) {
      args.insert(args.end(),
                  {"-o", "/dev/null", "http://127.0.0.1:" + std::to_string(port) + "/"});
    }
    kept = RunCommand(args);
  });
  ASSERT_TRUE(WaitFor([&] { return client.hello() >= 20; }, 20s)) << client.Failures();
  auto started = std::chrono::steady_clock::now();
  Ok({"patch", "art", "web", "--type=merge", "-p",
      R"({"spec":{"image":")" + EchoImage() + R"("}})"});
  EXPECT_TRUE(WaitFor([&] {
    Json art = Get("art/web");
    return art.is_object() && art["status"].value("revision", 0) == 2 && RolledOut("web", 2);
  })) << Ok({"get", "art,wd,wrs,ww", "-o", "wide"}).out;
  auto rolled = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  // Once rolled out only the new image answers.
  int echo_before = client.echo();
  ASSERT_TRUE(WaitFor([&] { return client.echo() >= echo_before + 20; }, 20s));
  int hello_after = client.hello();
  std::this_thread::sleep_for(500ms);
  client.Stop();
  EXPECT_EQ(client.hello(), hello_after) << "the old revision still answers after the rollout";

  std::cout << "rollout in " << rolled.count() << " ms; " << client.total()
            << " requests: " << client.hello() << " hello, " << client.echo() << " echo, "
            << client.failed() << " failed\n";
  EXPECT_EQ(client.failed(), 0) << client.Failures();
  EXPECT_EQ(client.hello() + client.echo(), client.total());

  kept_thread.join();
  // Lines of "status connects bytes": http_hello's body has 22 bytes, http_echo's GET none.
  std::istringstream lines(kept.out);
  int kept_total = 0, kept_failed = 0, kept_hello = 0, kept_echo = 0, connects = 0;
  std::string first_failure;
  for (std::string line; std::getline(lines, line);) {
    int status = 0, connected = 0, bytes = -1;
    std::istringstream(line) >> status >> connected >> bytes;
    ++kept_total;
    connects += connected;
    if (status < 200 || status >= 300) {
      if (kept_failed++ == 0) first_failure = "request " + std::to_string(kept_total) + ": " + line;
    } else if (bytes == 0) {
      ++kept_echo;
    } else {
      ++kept_hello;
    }
  }
  std::cout << "keep-alive client: " << kept_total << " requests on " << connects
            << " connections: " << kept_hello << " hello, " << kept_echo << " echo, " << kept_failed
            << " failed\n";
  EXPECT_EQ(kept_total, 800) << kept.err;
  EXPECT_EQ(kept_failed, 0) << first_failure;
  EXPECT_GT(kept_echo, 0) << "the keep-alive client saw the new revision";

  // The old set stays in the history at zero.
  EXPECT_EQ(Ok({"get", "wrs", old_set, "-o", "jsonpath={.spec.replicas}/{.status.replicas}"}).out,
            "0/0");
}

// The Artifact controller polls the tag (every 30 s in `wcloud up`): a new digest pushed under
// the same tag is a new revision, and the deployment rolls to it.
TEST_F(UpEndToEndTest, RepushedTagRollsOutAtTheNextPoll) {
  std::string image = registry_->host() + "/e2e/retag:1";
  ASSERT_TRUE(Push("http_hello", image));
  int port = FreePort();
  DeployFromArtifact("web", 2, port, image);
  ExpectRolledOut("web", 2);
  ClientLoop client(port);
  ASSERT_TRUE(Push("http_echo", image));
  auto pushed = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor(
      [&] {
        Json art = Get("art/web");
        return art.is_object() && art["status"].value("revision", 0) == 2 && RolledOut("web", 2) &&
               client.echo() > 0;
      },
      60s))
      << Ok({"get", "art,wd,wrs,ww", "-o", "wide"}).out;
  std::cout << "rolled to the re-pushed tag "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - pushed)
                   .count()
            << " ms after the push\n";
  client.Stop();
  EXPECT_EQ(client.failed(), 0) << client.Failures();
  auto r = RunCommand(
      {"curl", "-sS", "-i", "--max-time", "10", "http://127.0.0.1:" + std::to_string(port) + "/"});
  EXPECT_NE(r.out.find("x-echo-method"), std::string::npos) << r.out;
}

TEST_F(UpEndToEndTest, RecreateSwitchesOver) {
  int port = FreePort();
  DeploymentSpec spec{.name = "web",
                      .replicas = 2,
                      .port = port,
                      .image = "file://" + TestComponentPath("http_hello"),
                      .policy = "Recreate"};
  Ok({"apply", "-f", "-"}, DeploymentYaml(spec));
  ExpectRolledOut("web", 2);
  EXPECT_NE(Curl(port).out.find(kHello), std::string::npos);

  spec.image = "file://" + TestComponentPath("http_echo");
  Ok({"apply", "-f", "-"}, DeploymentYaml(spec));
  ExpectRolledOut("web", 2);
  auto r = RunCommand(
      {"curl", "-sS", "-i", "--max-time", "10", "http://127.0.0.1:" + std::to_string(port) + "/"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("x-echo-method"), std::string::npos) << r.out;
  // Both sets exist, the old one at zero.
  std::multiset<int> sets;
  for (const auto& rs : Get("wrs", {"-l", "app=web"}).value("items", Json::array())) {
    sets.insert(rs["spec"].value("replicas", -1));
  }
  EXPECT_EQ(sets, (std::multiset<int>{0, 2}));
}

TEST_F(UpEndToEndTest, FailuresAreConditionsWhileOthersKeepServing) {
  int good = FreePort();
  Ok({"apply", "-f", "-"}, DeploymentYaml({.name = "good",
                                           .replicas = 1,
                                           .port = good,
                                           .image = "file://" + TestComponentPath("http_hello")}));
  ExpectRolledOut("good", 1);
  ClientLoop client(good);

  // A registry nobody listens on, directly and through an Artifact; a file of garbage bytes.
  std::string unreachable = "127.0.0.1:" + std::to_string(FreePort()) + "/e2e/gone:1";
  TempDir dir;
  auto garbage = dir.path() / "garbage.wasm";
  std::ofstream(garbage, std::ios::binary)
      << std::string("\0asm\x0d\0\x01\0", 8) << std::string(64, '\x7f') << "not a component";
  Ok({"apply", "-f", "-"},
     DeploymentYaml(
         {.name = "unreachable", .replicas = 1, .port = FreePort(), .image = unreachable}) +
         "---\n" +
         DeploymentYaml({.name = "broken",
                         .replicas = 1,
                         .port = FreePort(),
                         .image = "file://" + garbage.string()}) +
         "---\n" + ArtifactYaml("gone", unreachable, "") + "---\n" +
         DeploymentYaml({.name = "viaart", .replicas = 1, .port = FreePort(), .artifact = "gone"}));

  auto failed_workload = [&](const std::string& app, Json& out) {
    auto ws = Workloads(app);
    if (ws.size() != 1) return false;
    out = ConditionOf(ws[0], "Ready");
    return out.value("status", "") == "False" && !out.value("message", "").empty();
  };
  Json unreachable_ready, broken_ready;
  ASSERT_TRUE(WaitFor([&] { return failed_workload("unreachable", unreachable_ready); }))
      << Ok({"get", "ww", "-o", "yaml"}).out;
  EXPECT_EQ(unreachable_ready.value("reason", ""), "ImagePullFailed") << unreachable_ready.dump();
  EXPECT_NE(unreachable_ready.value("message", "").find(unreachable), std::string::npos)
      << unreachable_ready.dump();
  ASSERT_TRUE(WaitFor([&] { return failed_workload("broken", broken_ready); }))
      << Ok({"get", "ww", "-o", "yaml"}).out;
  EXPECT_EQ(broken_ready.value("reason", ""), "InvalidComponent") << broken_ready.dump();
  EXPECT_EQ(broken_ready.value("message", "").rfind("component http: offset ", 0), 0u)
      << "names the component and the offset: " << broken_ready.dump();
  std::cout << "unreachable registry: " << unreachable_ready.value("reason", "") << ": "
            << unreachable_ready.value("message", "")
            << "\nbroken component: " << broken_ready.value("reason", "") << ": "
            << broken_ready.value("message", "") << "\n";

  // The deployments say so too.
  for (const char* name : {"unreachable", "broken"}) {
    Json wd = Get(std::string("wd/") + name);
    Json ready = ConditionOf(wd, "Ready");
    EXPECT_EQ(ready.value("status", ""), "False") << wd.dump(2);
    EXPECT_EQ(ready.value("message", ""), "0/1 workloads ready") << wd.dump(2);
  }
  Json art_ready;
  EXPECT_TRUE(WaitFor([&] {
    art_ready = ConditionOf(Get("art/gone"), "Ready");
    return art_ready.value("status", "") == "False";
  }));
  EXPECT_NE(art_ready.value("message", "").find(unreachable.substr(0, unreachable.find('/'))),
            std::string::npos)
      << art_ready.dump();
  Json progressing;
  EXPECT_TRUE(WaitFor([&] {
    progressing = ConditionOf(Get("wd/viaart"), "Progressing");
    return progressing.value("reason", "") == "ArtifactNotResolved";
  })) << progressing.dump();
  EXPECT_NE(progressing.value("message", "").find("gone"), std::string::npos) << progressing.dump();
  std::cout << "unreachable artifact: " << art_ready.value("message", "")
            << "\ndeployment on it: " << progressing.value("message", "") << "\n";

  std::this_thread::sleep_for(1s);
  client.Stop();
  EXPECT_GT(client.hello(), 10);
  EXPECT_EQ(client.failed(), 0) << client.Failures();
  EXPECT_TRUE(RolledOut("good", 1));
}

TEST_F(UpEndToEndTest, DeleteRemovesEverythingAndClosesThePort) {
  int port = FreePort();
  Ok({"apply", "-f", "-"}, DeploymentYaml({.name = "web",
                                           .replicas = 2,
                                           .port = port,
                                           .image = "file://" + TestComponentPath("http_hello")}));
  ExpectRolledOut("web", 2);
  ASSERT_EQ(Curl(port).exit_code, 0);

  Ok({"delete", "wd", "web"});
  EXPECT_TRUE(WaitFor([&] {
    return Workloads("web").empty() && Get("wrs").value("items", Json::array()).empty();
  })) << Ok({"get", "wrs,ww", "-o", "wide"}).out;
  EXPECT_TRUE(WaitFor([&] { return Curl(port).exit_code == 7; }, 10s))
      << "port " << port << " still accepts: " << Curl(port).out;
}

TEST_F(UpEndToEndTest, RestartBringsTheWorkloadsBack) {
  int port = FreePort();
  DeployFromArtifact("web", 2, port);
  ExpectRolledOut("web", 2);
  auto names = [&] {
    std::set<std::string> out;
    for (const auto& w : Workloads("web")) out.insert(w["metadata"].value("name", ""));
    return out;
  };
  auto before = names();
  std::string host = Ok({"get", "hosts", "-o", "jsonpath={.items[*].metadata.name}"}).out;

  auto stopping = std::chrono::steady_clock::now();
  auto exit_code = up_.Terminate(30s);
  ASSERT_TRUE(exit_code.has_value()) << "still running 30 s after SIGTERM\n" << up_.Log();
  EXPECT_EQ(*exit_code, 0) << up_.Log();
  std::cout << "wcloud up stopped "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - stopping)
                   .count()
            << " ms after SIGTERM\n";
  EXPECT_EQ(Curl(port).exit_code, 7) << "nothing serves while wcloud is down";

  ASSERT_TRUE(up_.Start()) << up_.Log();
  auto restarted = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return Curl(port).exit_code == 0; })) << up_.Log();
  std::cout << "answering again "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - restarted)
                   .count()
            << " ms after the restart\n";
  EXPECT_NE(Curl(port).out.find(kHello), std::string::npos);
  ExpectRolledOut("web", 2);
  EXPECT_EQ(names(), before) << "the same Workloads, taken up again";
  EXPECT_EQ(Ok({"get", "hosts", "-o", "jsonpath={.items[*].metadata.name}"}).out, host)
      << "the same host identity";
}

}  // namespace
}  // namespace wcloud
