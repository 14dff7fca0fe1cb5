// The probes of issue #18 against a real `wcloud up`: bad input a careless or hostile client
// sends must get a 4xx naming what is wrong, and must leave the server serving with nothing lost
// (no wedged store, no crash, no stored object that crashes it again at the next start).
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "support/wait_for.h"
#include "support/wcloud_up.h"

namespace wcloud {
namespace {

using namespace std::chrono_literals;
using testing::CommandResult;
using testing::WaitFor;
using testing::WcloudUp;

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct RawAnswer {
  long status = 0;  // 0: no HTTP answer
  std::string body;
};

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

// One request with exactly these bytes, as a client that is not kubectl would send them.
RawAnswer Send(const WcloudUp& up, const std::string& method, const std::string& path,
               const std::string& content_type, const std::string& body) {
  std::string token = ReadFile(up.data_dir() / "token");
  while (!token.empty() && token.back() == '\n') token.pop_back();
  const std::string ca = (up.data_dir() / "ca.crt").string();
  const std::string url = "https://127.0.0.1:" + std::to_string(up.port()) + path;
  CURL* curl = curl_easy_init();
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
  headers = curl_slist_append(headers, ("Content-Type: " + content_type).c_str());
  headers = curl_slist_append(headers, "Expect:");
  RawAnswer answer;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  if (curl_easy_perform(curl) == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
  }
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return answer;
}

// Protobuf wire format, enough for a ConfigMap in the k8s envelope (runtime.Unknown).
std::string Varint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}
std::string Bytes(int field, const std::string& bytes) {
  return Varint(static_cast<uint64_t>(field) << 3 | 2) + Varint(bytes.size()) + bytes;
}
std::string ProtobufConfigMap(const std::string& name, const std::string& key,
                              const std::string& value) {
  std::string meta = Bytes(1, name) + Bytes(11, Bytes(1, "team") + Bytes(2, "a"));
  std::string config_map = Bytes(1, meta) + Bytes(2, Bytes(1, key) + Bytes(2, value));
  std::string type_meta = Bytes(1, "v1") + Bytes(2, "ConfigMap");
  return std::string("k8s\0", 4) + Bytes(1, type_meta) + Bytes(2, config_map);
}

constexpr char kProtobuf[] = "application/vnd.kubernetes.protobuf";
constexpr char kConfigMaps[] = "/api/v1/namespaces/default/configmaps";

class BadInputTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(up_.ok()) << up_.Log(); }

  CommandResult Ok(std::vector<std::string> args, const std::string& input = "") {
    auto r = up_.Kubectl(std::move(args), input);
    EXPECT_EQ(r.exit_code, 0) << r.err << "\n" << up_.Log();
    return r;
  }

  // The server still takes writes and answers reads.
  void ExpectServing(const std::string& name) {
    Ok({"create", "configmap", name, "--from-literal=k=v"});
    EXPECT_EQ(Ok({"get", "configmap", name, "-o", "jsonpath={.data.k}"}).out, "v");
  }

  WcloudUp up_;
};

TEST_F(BadInputTest, InvalidUtf8InAProtobufBodyIsA400AndLaterWritesWork) {
  // kubectl sends typed core objects as protobuf: the exact probe of the issue.
  auto r = up_.Kubectl({"create", "configmap", "x", "--from-literal=k=\xff"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("invalid UTF-8"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("data[k]"), std::string::npos) << r.err;
  auto raw = Send(up_, "POST", kConfigMaps, kProtobuf, ProtobufConfigMap("y", "k", "\xc3\x28"));
  EXPECT_EQ(raw.status, 400) << raw.body;
  // The failed write left no transaction behind.
  ExpectServing("after-utf8");
  ExpectServing("after-utf8-again");
}

TEST_F(BadInputTest, MutatedProtobufBodiesNeverGetA5xx) {
  const std::string valid = ProtobufConfigMap("mutant", "key", "value");
  ASSERT_EQ(Send(up_, "POST", kConfigMaps, kProtobuf, valid).status, 201);
  std::mt19937 random(18);
  int refused = 0;
  for (int i = 0; i < 300; ++i) {
    std::string body = valid;
    switch (i % 4) {
      case 0:  // flipped bytes
        for (int k = 0; k < 3; ++k) body[random() % body.size()] ^= static_cast<char>(random());
        break;
      case 1:  // truncated
        body.resize(random() % body.size());
        break;
      case 2:  // random bytes inserted
        body.insert(random() % body.size(),
                    std::string(1 + random() % 8, static_cast<char>(random())));
        break;
      case 3:  // a length byte made large
        body[4 + random() % (body.size() - 4)] = static_cast<char>(0x80 | random());
        break;
    }
    auto answer = Send(up_, "POST", kConfigMaps, kProtobuf, body);
    ASSERT_NE(answer.status, 0) << "mutation " << i << ": no answer\n" << up_.Log();
    EXPECT_LT(answer.status, 500) << "mutation " << i << ": " << answer.body;
    if (answer.status >= 400) ++refused;
    // Whatever got stored is removed again, so the next create can store.
    (void)up_.Kubectl({"delete", "configmaps", "--all"});
  }
  EXPECT_GT(refused, 100);
  ExpectServing("after-mutants");
}

std::string Nested(size_t levels) {
  std::string s;
  s.reserve(levels * 6 + 8);
  for (size_t i = 0; i < levels; ++i) s += "{\"a\":";
  s += "1";
  s.append(levels, '}');
  return s;
}

TEST_F(BadInputTest, DeepNestingIsRefusedBeforeAnythingRecurses) {
  Ok({"create", "configmap", "deep", "--from-literal=k=v"});
  const std::string path = std::string(kConfigMaps) + "/deep";
  for (size_t levels : {size_t{20000}, size_t{100000}}) {
    const std::string merge = "{\"metadata\":{\"annotations\":" + Nested(levels) + "}}";
    auto m = Send(up_, "PATCH", path, "application/merge-patch+json", merge);
    EXPECT_EQ(m.status, 400) << levels << ": " << m.body.substr(0, 300);
    EXPECT_NE(m.body.find("nested deeper than 10000 levels"), std::string::npos) << m.body;
    const std::string json_patch =
        "[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":" + Nested(levels) + "}]";
    auto j = Send(up_, "PATCH", path, "application/json-patch+json", json_patch);
    EXPECT_EQ(j.status, 400) << levels << ": " << j.body.substr(0, 300);
    auto c = Send(up_, "POST", kConfigMaps, "application/json",
                  "{\"metadata\":{\"name\":\"c\"},\"data\":" + Nested(levels) + "}");
    EXPECT_EQ(c.status, 400) << levels;
    auto apply =
        Send(up_, "PATCH", path + "?fieldManager=probe", "application/apply-patch+yaml",
             "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":" + Nested(levels) + "}");
    EXPECT_GE(apply.status, 400) << levels;
    EXPECT_LT(apply.status, 500) << levels << ": " << apply.body.substr(0, 300);
  }
  // Nesting the real server accepts is parsed, patched and refused by validation, not a crash.
  const std::string at_limit = "{\"data\":" + Nested(9990) + "}";
  auto a = Send(up_, "PATCH", path, "application/merge-patch+json", at_limit);
  EXPECT_EQ(a.status, 422) << a.body.substr(0, 300);
  // Nothing deep was stored: kubectl (whose decoder stops at 10000 levels) still lists.
  Ok({"get", "configmaps"});
  ExpectServing("after-deep");
}

TEST_F(BadInputTest, WrongTypesAre4xxNamingTheField) {
  struct Probe {
    std::string body;
    std::string field;
  };
  for (const Probe& p : std::vector<Probe>{
           {R"({"metadata": {"name": 7}})", "metadata.name: expected string, got integer"},
           {R"({"metadata": {"name": "l", "labels": {"a": 1}}})",
            "metadata.labels[a]: expected string, got integer"},
           {R"({"metadata": {"name": "n", "namespace": ["default"]}})", "metadata.namespace"},
           {R"({"metadata": {"name": "f", "finalizers": "x"}})", "metadata.finalizers"},
           {R"({"metadata": "m"})", "metadata: expected object"},
           {R"({"metadata": {"name": "d"}, "data": {"k": 1}})", "data[k]: expected string"},
           {R"({"apiVersion": 1, "metadata": {"name": "v"}})", "apiVersion"},
       }) {
    auto r = Send(up_, "POST", kConfigMaps, "application/json", p.body);
    EXPECT_GE(r.status, 400) << p.body;
    EXPECT_LT(r.status, 500) << p.body << ": " << r.body;
    EXPECT_NE(r.body.find(p.field), std::string::npos) << p.body << ": " << r.body;
  }
  // Our kinds too, and on update.
  auto w = Send(up_, "POST", "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads",
                "application/json",
                R"({"apiVersion": "runtime.wasmcloud.dev/v1alpha1", "kind": "Workload",
                    "metadata": {"name": 1.5}, "spec": {}})");
  EXPECT_EQ(w.status, 422) << w.body;
  EXPECT_NE(w.body.find("metadata.name: expected string"), std::string::npos) << w.body;
  Ok({"create", "configmap", "typed", "--from-literal=k=v"});
  auto u = Send(up_, "PATCH", std::string(kConfigMaps) + "/typed", "application/merge-patch+json",
                R"({"metadata": {"labels": {"a": {"b": 1}}}})");
  EXPECT_EQ(u.status, 422) << u.body;
  EXPECT_NE(u.body.find("metadata.labels[a]"), std::string::npos) << u.body;
  // And what Kubernetes' ObjectMeta rules refuse (issue #20 item 2).
  auto bad_label = Send(up_, "POST", kConfigMaps, "application/json",
                        R"({"metadata": {"name": "bad-label", "labels": {"a b": "c"}}})");
  EXPECT_EQ(bad_label.status, 422) << bad_label.body;
  EXPECT_NE(bad_label.body.find("metadata.labels[a b]"), std::string::npos) << bad_label.body;
  ExpectServing("after-types");
}

TEST_F(BadInputTest, ObjectsAndBodiesPastKubernetesSizesAreRefused) {
  // ConfigMap data: at most 1 MiB, as Kubernetes validates it.
  std::filesystem::path big = up_.data_dir() / "big.txt";
  std::ofstream(big) << std::string(2560 << 10, 'x');
  auto r = up_.Kubectl({"create", "configmap", "big", "--from-file=big.txt=" + big.string()});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("at most 1048576 bytes"), std::string::npos) << r.err;
  // Any object: at most what etcd stores (about 1.5 MiB), here through a Workload's config.
  std::string value(1600 << 10, 'v');
  auto w = Send(up_, "POST", "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads",
                "application/json",
                R"({"apiVersion": "runtime.wasmcloud.dev/v1alpha1", "kind": "Workload",
                    "metadata": {"name": "big"}, "spec": {"hostSelector": {"hostgroup": "none"},
                    "components": [{"name": "c", "image": "ghcr.io/x/y:1",
                    "localResources": {"environment": {"config": {"big": ")" +
                    value + R"("}}}}]}})");
  EXPECT_EQ(w.status, 413) << w.body.substr(0, 300);
  // A request body: at most 3 MiB.
  auto body = Send(
      up_, "POST", kConfigMaps, "application/json",
      R"({"metadata": {"name": "huge"}, "data": {"k": ")" + std::string(3 << 20, 'h') + "\"}}");
  EXPECT_EQ(body.status, 413);
  EXPECT_EQ(body.body, "Request entity too large: limit is 3145728\n");
  EXPECT_NE(up_.Kubectl({"get", "workload", "big"}).exit_code, 0);
  ExpectServing("after-sizes");
}

TEST_F(BadInputTest, AStoredWorkloadReadingAPseudoFileNeverCrashesTheServer) {
  Ok({"apply", "-f", "-"}, R"(
apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: pagemap
spec:
  hostSelector:
    hostgroup: default
  components:
    - name: http
      image: file:///proc/self/pagemap
)");
  auto explained = [&] {
    auto r = up_.Kubectl({"get", "workload", "pagemap", "-o", "json"});
    return r.exit_code == 0 && r.out.find("pseudo-file") != std::string::npos;
  };
  EXPECT_TRUE(WaitFor(explained, 60s))
      << up_.Kubectl({"get", "workload", "pagemap", "-o", "yaml"}).out << up_.Log();
  // Stored, so it is read again at every start: the server must come up each time.
  for (int restart = 0; restart < 2; ++restart) {
    up_.Stop(SIGTERM);
    ASSERT_TRUE(up_.Start()) << up_.Log();
    EXPECT_TRUE(WaitFor(explained, 60s)) << up_.Log();
    ExpectServing("after-restart-" + std::to_string(restart));
  }
}

// A line of /proc/PID/status ("Threads", "VmRSS") as a number.
long ProcStatus(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

size_t OpenFds(pid_t pid) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    ++n;
  }
  return n;
}

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }
size_t PauseAtOnce(char*, size_t, size_t, void* flag) {
  *static_cast<bool*>(flag) = true;
  return CURL_WRITEFUNC_PAUSE;  // and never resumed: a client that stopped reading
}

// Watches of configmaps held open by one curl multi handle.
class Watchers {
 public:
  Watchers(const WcloudUp& up, int count, bool read) : flags_(count, 0) {
    std::string token = ReadFile(up.data_dir() / "token");
    while (!token.empty() && token.back() == '\n') token.pop_back();
    headers_ = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
    ca_ = (up.data_dir() / "ca.crt").string();
    url_ = "https://127.0.0.1:" + std::to_string(up.port()) + kConfigMaps + "?watch=true";
    multi_ = curl_multi_init();
    for (int i = 0; i < count; ++i) {
      CURL* e = curl_easy_init();
      curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
      curl_easy_setopt(e, CURLOPT_CAINFO, ca_.c_str());
      curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
      curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, read ? Discard : PauseAtOnce);
      curl_easy_setopt(e, CURLOPT_WRITEDATA, reinterpret_cast<bool*>(&flags_[i]));
      curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 1024L);
      curl_multi_add_handle(multi_, e);
      easy_.push_back(e);
    }
  }
  ~Watchers() { Close(); }

  // Drives the transfers for a while (connects, handshakes, the first bytes).
  void Pump(std::chrono::milliseconds how_long) {
    auto until = std::chrono::steady_clock::now() + how_long;
    while (std::chrono::steady_clock::now() < until) {
      int running = 0;
      curl_multi_perform(multi_, &running);
      curl_multi_poll(multi_, nullptr, 0, 50, nullptr);
    }
  }
  int Paused() const { return static_cast<int>(std::count(flags_.begin(), flags_.end(), 1)); }

  void Close() {
    for (CURL* e : easy_) {
      curl_multi_remove_handle(multi_, e);
      curl_easy_cleanup(e);
    }
    easy_.clear();
    if (multi_) curl_multi_cleanup(multi_);
    multi_ = nullptr;
    curl_slist_free_all(headers_);
    headers_ = nullptr;
  }

 private:
  std::vector<char> flags_;
  std::string ca_, url_;
  curl_slist* headers_ = nullptr;
  CURLM* multi_ = nullptr;
  std::vector<CURL*> easy_;
};

TEST_F(BadInputTest, WatchesCostNoThreadEachAndGoWithTheirClients) {
  rlimit nofile{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &nofile), 0);
  nofile.rlim_cur = nofile.rlim_max;
  setrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < 1200)
    GTEST_SKIP() << "needs 1,200 descriptors, the limit is " << nofile.rlim_cur;
  const pid_t pid = up_.pid();
  // Settled first: controllers, informers and engine threads start during the first seconds.
  ExpectServing("before-watches");
  std::this_thread::sleep_for(3s);
  const long threads_before = ProcStatus(pid, "Threads");
  const size_t fds_before = OpenFds(pid);
  Watchers watchers(up_, 1000, /*read=*/true);
  // 1,000 TLS handshakes take a while on a busy machine.
  EXPECT_TRUE(WaitFor(
      [&] {
        watchers.Pump(1s);
        return OpenFds(pid) > fds_before + 900;
      },
      120s))
      << "the watches are open: " << OpenFds(pid) << " fds, " << fds_before << " before";
  // A thread per watch was 1,000 more.
  EXPECT_LT(ProcStatus(pid, "Threads"), threads_before + 50)
      << "1,000 watches, " << threads_before << " threads before";
  // An event still reaches them, and the server still serves.
  ExpectServing("during-watches");
  watchers.Close();
  // The process's own clients (informers) open a few connections meanwhile: 100 is slack, the
  // watches were 1,000.
  EXPECT_TRUE(WaitFor([&] { return OpenFds(pid) < fds_before + 100; }, 10s))
      << OpenFds(pid) << " fds, " << fds_before << " before the watches";
}

TEST_F(BadInputTest, WatchersThatStopReadingCostBoundedMemory) {
  const pid_t pid = up_.pid();
  Ok({"create", "configmap", "churn", "--from-literal=k=v"});
  Watchers slow(up_, 50, /*read=*/false);
  ASSERT_TRUE(WaitFor(
      [&] {
        slow.Pump(1s);
        return slow.Paused() == 50;
      },
      60s))
      << slow.Paused() << " of 50 watchers got their first bytes and stopped reading";
  const long rss_before = ProcStatus(pid, "VmRSS");  // KiB
  // 400 updates of 100 KiB each: 40 MiB of events for every watcher, 2 GiB for all 50.
  const std::string path = std::string(kConfigMaps) + "/churn";
  for (int i = 0; i < 400; ++i) {
    const std::string patch =
        R"({"data": {"k": ")" + std::string(100 << 10, static_cast<char>('a' + i % 26)) + "\"}}";
    auto r = Send(up_, "PATCH", path, "application/merge-patch+json", patch);
    ASSERT_EQ(r.status, 200) << i << ": " << r.body.substr(0, 300);
  }
  const long rss_after = ProcStatus(pid, "VmRSS");
  EXPECT_LT(rss_after - rss_before, 400 << 10)
      << "RSS " << rss_before / 1024 << " MiB -> " << rss_after / 1024 << " MiB";
  ExpectServing("after-slow-watchers");
}

}  // namespace
}  // namespace wcloud
