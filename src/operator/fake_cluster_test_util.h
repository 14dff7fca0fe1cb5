// For controller unit tests: the operator's typed informers over a FakeClient (no API server,
// no V8), objects seeded as typed values, and waiting for the caches to catch up with writes.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "api/codec.h"
#include "kube/event_recorder.h"
#include "kube/fake_client.h"
#include "operator/informers.h"
#include "operator/object_types.h"

namespace wcloud::operator_::testing {

inline const kube::ResourceType& TypeOf(const api::AnyObject& object) {
  const std::string& kind = api::KindOf(object);
  if (kind == "Artifact") return kArtifacts;
  if (kind == "Host") return kHosts;
  if (kind == "Workload") return kWorkloads;
  if (kind == "WorkloadReplicaSet") return kReplicaSets;
  return kDeployments;
}

inline api::Condition Cond(const std::string& type, const std::string& status) {
  api::Condition c;
  c.type = type;
  c.status = status;
  c.reason = "Test";
  c.last_transition_time = "2026-01-01T00:00:00Z";
  return c;
}

class FakeCluster {
 public:
  FakeCluster() : informers(client, "") {}
  ~FakeCluster() { informers.Stop(); }

  // Stores `object` with its status; returns it as stored (uid, versions filled in).
  template <typename T>
  T Seed(const T& object) {
    Json stored = client.Seed(TypeOf(object), api::EncodeObject(object));
    auto typed = kube::TypedInformer<T>::Decode(stored);
    // The informers would leave it out: the test would test nothing.
    EXPECT_TRUE(typed) << "the codec refuses " << stored.dump();
    return typed ? *typed : T{};
  }

  // Starts the informers and waits for their first lists.
  bool Sync() {
    informers.Start();
    return informers.WaitForSync(std::chrono::seconds(5));
  }

  static bool WaitFor(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }

  // The write requests since the last call.
  std::vector<kube::FakeClient::Action> TakeWrites() {
    auto writes = client.Writes();
    client.ClearActions();
    return writes;
  }

  kube::FakeClient client;
  Informers informers;
};

// The base of controller tests: the informers stop before the controller under test (a member
// of the derived fixture, so destroyed first) can be called by them.
class ControllerTest : public ::testing::Test {
 protected:
  void TearDown() override { cluster_.informers.Stop(); }
  FakeCluster cluster_;
};

// The Events a controller records, kept in a client of their own so that the cluster's writes
// stay what the tests count.
class EventLog {
 public:
  kube::EventRecorder* recorder() { return &recorder_; }
  // Sends what was recorded (once: the recorder stops) and answers the stored Events.
  std::vector<Json> Take() {
    recorder_.Flush();
    auto list = client_.Get("/api/v1/namespaces/default/events");
    EXPECT_TRUE(list) << list.error().message();
    return list ? list->value("items", std::vector<Json>{}) : std::vector<Json>{};
  }
  // "Type Reason: message" of each Event in `events`, as kubectl describe lists them.
  static std::vector<std::string> Lines(const std::vector<Json>& events) {
    std::vector<std::string> lines;
    for (const Json& e : events) {
      lines.push_back(e.value("type", "") + " " + e.value("reason", "") + ": " +
                      e.value("message", ""));
    }
    return lines;
  }
  std::vector<std::string> TakeLines() { return Lines(Take()); }

 private:
  kube::FakeClient client_;
  kube::EventRecorder recorder_{client_, "wcloud-operator", "test"};
};

inline api::Host ReadyHost(const std::string& name, const std::string& host_id,
                           const api::StringMap& labels, bool ready = true) {
  api::Host h;
  h.metadata.name = name;
  h.metadata.namespace_ = "default";
  h.metadata.labels = labels;
  h.spec.host_id = host_id;
  h.spec.hostname = name;
  h.status.conditions = {Cond("Ready", ready ? "True" : "False")};
  return h;
}

inline api::Workload MakeWorkload(const std::string& name, const api::StringMap& selector) {
  api::Workload w;
  w.metadata.name = name;
  w.metadata.namespace_ = "default";
  w.spec.host_selector = selector;
  api::Component c;
  c.name = "web";
  c.image = "registry.example/web:1";
  w.spec.components.push_back(c);
  return w;
}

}  // namespace wcloud::operator_::testing
