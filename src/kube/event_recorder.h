// Records core/v1 Events about objects, as `kubectl describe` and `kubectl get events` show them.
// Repeats of the same event are folded into one Event with a count (client-go's aggregation);
// sending happens on a background thread so a slow API server never stalls a controller.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "kube/client.h"
#include "util/json.h"

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
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  bool stop_ = false;
  size_t in_flight_ = 0;
  std::map<std::string, Seen> seen_;  // aggregation key → the Event that holds it
  std::thread thread_;
};

}  // namespace wcloud::kube
