// Records core/v1 Events about objects, as `kubectl describe` and `kubectl get events` show them.
// Repeats of the same event are folded into one Event with a count (client-go's aggregation);
// sending happens on a background thread so a slow API server never stalls a controller.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <thread>

#include "kube/client.h"
#include "util/json.h"
#include "util/mutex.h"

namespace wcloud::kube {

class EventRecorder {
 public:
  // `component` names the reporter ("wcloud-operator"); `instance` tells replicas apart.
  EventRecorder(Client& client, std::string component, std::string instance);
  ~EventRecorder();
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  // `object` is the involved object (apiVersion, kind, metadata). type: "Normal" or "Warning".
  // The message must not contain secret values.
  void Record(const Json& object, const std::string& type, const std::string& reason,
              const std::string& message);
  // Sends everything queued, then stops the sender.
  void Flush();

 private:
  struct Pending {
    Json involved;
    std::string ns, type, reason, message;
  };
  struct Seen {
    std::string event_name;
    int count = 0;
    std::chrono::steady_clock::time_point last;
  };
  void Run();
  void Send(const Pending& p);

  Client& client_;
  std::string component_;
  std::string instance_;
  Mutex mu_;
  CondVar cv_;
  std::deque<Pending> queue_ GUARDED_BY(mu_);
  bool stop_ GUARDED_BY(mu_) = false;
  // Aggregation key → the Event that holds it; the sending thread's alone.
  std::map<std::string, Seen> seen_;
  std::thread thread_;
};

}  // namespace wcloud::kube
