#include "kube/event_recorder.h"

#include "util/random.h"
#include "util/timestamp.h"

namespace wcloud::kube {
namespace {

const ResourceType kEvents{"", "v1", "events", true};
constexpr auto kAggregationWindow = std::chrono::minutes(10);
constexpr size_t kMaxQueued = 1000;  // beyond this, events are dropped rather than memory grown

}  // namespace

EventRecorder::EventRecorder(Client& client, std::string component, std::string instance)
    : client_(client), component_(std::move(component)), instance_(std::move(instance)) {
  thread_ = std::thread([this] { Run(); });
}

EventRecorder::~EventRecorder() { Flush(); }

void EventRecorder::Record(const Json& object, const std::string& type, const std::string& reason,
                           const std::string& message) {
  const Json& meta = object.contains("metadata") ? object["metadata"] : Json::object();
  Pending p;
  p.ns = meta.value("namespace", "default");
  p.involved = {{"apiVersion", object.value("apiVersion", "")},
                {"kind", object.value("kind", "")},
                {"name", meta.value("name", "")},
                {"namespace", p.ns},
                {"uid", meta.value("uid", "")},
                {"resourceVersion", meta.value("resourceVersion", "")}};
  p.type = type;
  p.reason = reason;
  p.message = message.substr(0, 1024);
  {
    MutexLock lock(mu_);
    if (stop_ || queue_.size() >= kMaxQueued) return;
    queue_.push_back(std::move(p));
  }
  cv_.notify_one();
}

void EventRecorder::Flush() {
  {
    MutexLock lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventRecorder::Run() {
  while (true) {
    Pending p;
    {
      MutexLock lock(mu_);
      while (!stop_ && queue_.empty()) cv_.Wait(lock);
      if (queue_.empty()) return;
      p = std::move(queue_.front());
      queue_.pop_front();
    }
    Send(p);
  }
}

void EventRecorder::Send(const Pending& p) {
  std::string key = p.involved.value("uid", "") + "/" + p.involved.value("name", "") + "/" +
                    p.type + "/" + p.reason + "/" + p.message;
  auto now = std::chrono::steady_clock::now();
  std::string stamp = NowTime();
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last < kAggregationWindow) {
    Json patch = {{"count", it->second.count + 1}, {"lastTimestamp", stamp}};
    auto r = client_.Do("PATCH", ObjectPath(kEvents, p.ns, it->second.event_name), &patch,
                        "application/merge-patch+json");
    if (r) {
      ++it->second.count;
      it->second.last = now;
      return;
    }
    // The Event was deleted (or expired): create a new one below.
  }
  std::string name = p.involved.value("name", "") + "." + RandomHex(8);
  Json event = {{"apiVersion", "v1"},
                {"kind", "Event"},
                {"metadata", {{"name", name}, {"namespace", p.ns}}},
                {"involvedObject", p.involved},
                {"reason", p.reason},
                {"message", p.message},
                {"type", p.type},
                {"source", {{"component", component_}}},
                {"firstTimestamp", stamp},
                {"lastTimestamp", stamp},
                {"count", 1},
                {"reportingComponent", component_},
                {"reportingInstance", instance_}};
  if (client_.Do("POST", CollectionPath(kEvents, p.ns), &event)) {
    seen_[key] = {name, 1, now};
  }
  if (seen_.size() > 4096) seen_.clear();  // bounded memory; aggregation restarts
}

}  // namespace wcloud::kube
