// Every kubectl on this machine (kubectl.1.N beside the real binary, and the default one) runs the
// same everyday script against one `wcloud up`, each in its own namespace: apply client-side, get
// with printer columns and as JSON, watch a change, apply server-side over the client-side apply,
// diff server-side and client-side, delete.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <optional>
#include <thread>

#include "support/wcloud_up.h"
#include "util/json.h"

namespace wcloud {
namespace {

namespace fs = std::filesystem;
using testing::CommandResult;
using testing::DefaultKubectl;
using testing::RunCommand;
using testing::WcloudUp;

struct Kubectl {
  std::string name;  // "1.27", or "default (v1.32.4)"
  std::string path;
  int minor = 0;  // 0 for the default one
};

std::vector<Kubectl> FindKubectls() {
  std::vector<Kubectl> out;
  fs::path kubectl = DefaultKubectl();
  if (kubectl.empty()) return out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kubectl.parent_path(), ec)) {
    std::string file = entry.path().filename().string();
    if (file.rfind("kubectl.1.", 0) != 0) continue;
    std::string minor = file.substr(std::string("kubectl.1.").size());
    if (minor.empty() || !std::all_of(minor.begin(), minor.end(), ::isdigit)) continue;
    out.push_back({"1." + minor, entry.path().string(), std::stoi(minor)});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.minor < b.minor; });
  auto version = RunCommand({kubectl.string(), "version", "--client", "-o", "json"});
  Json client = Json::parse(version.out, nullptr, false);
  std::string git_version =
      client.is_object() ? client.value("clientVersion", Json::object()).value("gitVersion", "")
                         : "";
  out.push_back({"default (" + git_version + ")", kubectl.string(), 0});
  return out;
}

std::string Artifact(const std::string& tag, bool pull_secret) {
  return "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Artifact\nmetadata: {name: hello}\n"
         "spec:\n  image: ghcr.io/x/hello:" +
         tag + "\n" + (pull_secret ? "  imagePullSecret: {name: pull}\n" : "");
}

// One kubectl's run of the script.
class Script {
 public:
  Script(const Kubectl& kubectl, const WcloudUp& up, const fs::path& cache)
      : kubectl_(kubectl), up_(up), cache_(cache) {
    namespace_ = "matrix-" + kubectl.name.substr(0, kubectl.name.find(' '));
    std::replace(namespace_.begin(), namespace_.end(), '.', '-');
  }

  // The first step that failed, if one did.
  std::optional<std::string> Run() {
    Expect("create namespace", {"create", "namespace", namespace_}, 0, {"created"});
    Expect("apply", {"apply", "-f", "-"}, 0, {"artifact.runtime.wasmcloud.dev/hello created"},
           Artifact("1", true));
    Expect("get with columns", {"get", "artifacts"}, 0, {"IMAGE", "ghcr.io/x/hello:1"});
    auto got = Expect("get -o json", {"get", "artifact", "hello", "-o", "json"}, 0, {});
    Json object = Json::parse(got.out, nullptr, false);
    if (!object.is_object() || object["spec"]["image"] != "ghcr.io/x/hello:1") {
      Fail("get -o json", "expected spec.image ghcr.io/x/hello:1 in " + got.out);
    }
    Watch();
    // The first server-side apply over a client-side one: a changed field and a dropped one,
    // both set by client-side apply, change without a conflict.
    Expect("apply --server-side", {"apply", "--server-side", "-f", "-"}, 0, {"serverside-applied"},
           Artifact("2", false));
    auto applied =
        Expect("apply --server-side",
               {"get", "artifact", "hello", "--show-managed-fields", "-o", "json"}, 0, {});
    object = Json::parse(applied.out, nullptr, false);
    std::string managers;
    for (const auto& e : object.is_object() ? object["metadata"]["managedFields"] : Json())
      managers += e.value("manager", "") + " ";
    if (!object.is_object() || object["spec"]["image"] != "ghcr.io/x/hello:2" ||
        object["spec"].contains("imagePullSecret") ||
        managers.find("kubectl-client-side-apply") != std::string::npos) {
      Fail("apply --server-side",
           "expected image :2, no imagePullSecret and no kubectl-client-side-apply manager, got " +
               applied.out);
    }
    Expect("diff --server-side (same)", {"diff", "--server-side", "-f", "-"}, 0, {},
           Artifact("2", false));
    Expect("diff --server-side (changed)", {"diff", "--server-side", "-f", "-"}, 1,
           {"+  image: ghcr.io/x/hello:3"}, Artifact("3", false));
    Expect("diff (same)", {"diff", "-f", "-"}, 0, {}, Artifact("2", false));
    Expect("diff (changed)", {"diff", "-f", "-"}, 1, {"+  image: ghcr.io/x/hello:3"},
           Artifact("3", false));
    Expect("delete", {"delete", "artifact", "hello"}, 0, {"deleted"});
    Expect("get after delete", {"get", "artifact", "hello"}, 1, {});
    return failure_;
  }

 private:
  CommandResult Call(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), {kubectl_.path, "--kubeconfig", up_.kubeconfig(), "--cache-dir",
                               cache_.string(), "--request-timeout=20s", "-n", namespace_});
    return RunCommand(args, input);
  }

  // Runs a step that must exit with `exit_code` and print each of `expected` on stdout. Steps
  // build on each other, so none runs after one failed.
  CommandResult Expect(const std::string& step, std::vector<std::string> args, int exit_code,
                       const std::vector<std::string>& expected, const std::string& input = "") {
    if (failure_) return {};
    std::string command;
    for (const auto& a : args) command += " " + a;
    auto r = Call(std::move(args), input);
    bool printed = std::all_of(expected.begin(), expected.end(),
                               [&](const auto& e) { return r.out.find(e) != std::string::npos; });
    if (r.exit_code != exit_code || !printed) {
      Fail(step, "kubectl" + command + ": exit " + std::to_string(r.exit_code) + " (expected " +
                     std::to_string(exit_code) + ")\nstdout: " + r.out + "\nstderr: " + r.err);
    }
    return r;
  }

  // A watch must see a change made while it runs: labels change until it ends, so one lands
  // after it started however slowly kubectl starts.
  void Watch() {
    if (failure_) return;
    auto watch = std::async(std::launch::async, [&] {
      return Call({"get", "artifacts", "-w", "--output-watch-events", "--request-timeout=5s"});
    });
    for (int tick = 0; watch.wait_for(std::chrono::milliseconds(500)) != std::future_status::ready;
         ++tick) {
      Expect("watch", {"label", "artifact", "hello", "tick=" + std::to_string(tick), "--overwrite"},
             0, {"labeled"});
    }
    auto watched = watch.get();
    if (watched.out.find("MODIFIED") == std::string::npos) {
      Fail("watch", "no MODIFIED event in: " + watched.out + watched.err);
    }
  }

  void Fail(const std::string& step, std::string why) {
    if (failure_) return;
    failure_ = step + ": " + why;
  }

  const Kubectl& kubectl_;
  const WcloudUp& up_;
  fs::path cache_;
  std::string namespace_;
  std::optional<std::string> failure_;
};

TEST(KubectlMatrixTest, EveryKubectlRunsTheEverydayScript) {
  std::vector<Kubectl> kubectls = FindKubectls();
  // The machines this project targets carry kubectl.1.27 … 1.33 beside kubectl; a fresh Debian
  // root has only the one kubectl, which the other kubectl tests run.
  if (std::none_of(kubectls.begin(), kubectls.end(), [](const auto& k) { return k.minor; })) {
    GTEST_SKIP() << "no kubectl.1.N beside " << DefaultKubectl();
  }
  WcloudUp up;
  ASSERT_TRUE(up.ok()) << up.Log();
  testing::TempDir caches;
  std::vector<std::optional<std::string>> failures(kubectls.size());
  // A few at a time: every kubectl takes most of a core to start.
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < kubectls.size();) {
        failures[i] = Script(kubectls[i], up, caches.path() / std::to_string(i)).Run();
      }
    });
  }
  for (auto& worker : workers) worker.join();
  for (size_t i = 0; i < kubectls.size(); ++i) {
    std::cout << "kubectl " << kubectls[i].name << " (" << kubectls[i].path
              << "): " << (failures[i] ? "FAILED" : "passed") << "\n";
    EXPECT_FALSE(failures[i]) << "kubectl " << kubectls[i].name << ": " << *failures[i];
  }
}

}  // namespace
}  // namespace wcloud
