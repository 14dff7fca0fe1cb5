#include "host/host_metrics.h"

#include <vector>

namespace wcloud::host {
namespace {

// Guest requests take from tens of microseconds to the request timeout (30 s by default).
const std::vector<double>& RequestBuckets() {
  static const std::vector<double> bounds = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                             0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                             1,      2.5,     5,      10,    30};
  return bounds;
}

// An instantiation from a compiled component: tens of microseconds to a large guest's seconds.
const std::vector<double>& InstantiationBuckets() {
  static const std::vector<double> bounds = {0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
                                             0.001,    0.0025,  0.005,  0.01,    0.025,
                                             0.05,     0.1,     0.25,   0.5,     1};
  return bounds;
}

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

template <typename T>
prometheus::Family<T>& Build(prometheus::detail::Builder<T> builder, metrics::Registry& registry,
                             const char* name, const char* help) {
  return builder.Name(name).Help(help).Register(registry.families());
}

prometheus::Labels LabelsOf(const ComponentLabels& c) {
  return {{"namespace", c.namespace_}, {"workload", c.workload}, {"component", c.component}};
}

prometheus::Labels WithCode(const ComponentLabels& c, const char* code) {
  prometheus::Labels labels = LabelsOf(c);
  labels.emplace("code", code);
  return labels;
}

}  // namespace

ComponentMetrics::ComponentMetrics(HostMetrics& host, ComponentLabels labels)
    : host_(host),
      labels_(std::move(labels)),
      requests_{&host.requests_.Add(WithCode(labels_, "2xx")),
                &host.requests_.Add(WithCode(labels_, "3xx")),
                &host.requests_.Add(WithCode(labels_, "4xx")),
                &host.requests_.Add(WithCode(labels_, "5xx"))},
      duration_target_(host.duration_.Add(LabelsOf(labels_), RequestBuckets())),
      duration_(duration_target_, RequestBuckets()),
      in_flight_(host.in_flight_.Add(LabelsOf(labels_))),
      instances_(host.instances_.Add(LabelsOf(labels_))),
      idle_(host.idle_.Add(LabelsOf(labels_))),
      created_(host.created_.Add(LabelsOf(labels_))),
      resets_(host.resets_.Add(LabelsOf(labels_))),
      discarded_(host.discarded_.Add(LabelsOf(labels_))),
      instantiation_target_(host.instantiation_.Add(LabelsOf(labels_), InstantiationBuckets())),
      instantiation_(instantiation_target_, InstantiationBuckets()),
      traps_(host.traps_.Add(LabelsOf(labels_))),
      deadline_kills_(host.deadline_kills_.Add(LabelsOf(labels_))),
      memory_(host.memory_.Add(LabelsOf(labels_))) {}

ComponentMetrics::~ComponentMetrics() {
  Flush();  // a holder taking these labels over keeps counting from here
  host_.Release(this);
}

void ComponentMetrics::RequestFinished(int status, std::chrono::steady_clock::duration elapsed) {
  hot_.in_flight.fetch_sub(1, std::memory_order_relaxed);
  // Status codes outside 200..599 never reach a client (ingress refuses them); 1xx is interim.
  const int klass = status / 100;
  if (klass >= 2 && klass <= 5) hot_.requests[klass - 2].fetch_add(1, std::memory_order_relaxed);
  duration_.Observe(Seconds(elapsed));
}

void ComponentMetrics::InstanceCreated(std::chrono::steady_clock::duration took,
                                       size_t memory_bytes) {
  created_.Increment();
  instances_.Increment();
  memory_.Increment(static_cast<double>(memory_bytes));
  instantiation_.Observe(Seconds(took));
}

void ComponentMetrics::InstanceDropped(size_t memory_bytes, bool used) {
  if (used) discarded_.Increment();
  instances_.Decrement();
  memory_.Decrement(static_cast<double>(memory_bytes));
}

void ComponentMetrics::Flush() {
  // Taken, not read, so that two scrapes at once count each request once.
  for (int i = 0; i < 4; ++i) {
    if (const uint64_t n = hot_.requests[i].exchange(0, std::memory_order_relaxed)) {
      requests_[i]->Increment(static_cast<double>(n));
    }
  }
  if (const uint64_t n = hot_.resets.exchange(0, std::memory_order_relaxed)) {
    resets_.Increment(static_cast<double>(n));
  }
  in_flight_.Set(static_cast<double>(hot_.in_flight.load(std::memory_order_relaxed)));
  idle_.Set(static_cast<double>(hot_.idle.load(std::memory_order_relaxed)));
  duration_.Flush();
  instantiation_.Flush();
}

HostMetrics::HostMetrics(metrics::Registry& registry)
    : requests_(Build(prometheus::BuildCounter(), registry, "wcloud_http_requests_total",
                      "HTTP requests a workload component answered, by status class.")),
      duration_(Build(prometheus::BuildHistogram(), registry,
                      "wcloud_http_request_duration_seconds",
                      "Time from a request's arrival to the end of the component's answer.")),
      in_flight_(Build(prometheus::BuildGauge(), registry, "wcloud_http_requests_in_flight",
                       "HTTP requests received (queued or running) and not yet answered.")),
      instances_(Build(prometheus::BuildGauge(), registry, "wcloud_instances",
                       "Live instances of a component across the workers' pools.")),
      idle_(Build(prometheus::BuildGauge(), registry, "wcloud_instances_idle",
                  "Instances of a component waiting in the workers' pools for a request.")),
      created_(Build(prometheus::BuildCounter(), registry, "wcloud_instances_created_total",
                     "Instances of a component created.")),
      resets_(Build(prometheus::BuildCounter(), registry, "wcloud_instance_resets_total",
                    "Instances reset to their state after instantiation for the next request.")),
      discarded_(Build(prometheus::BuildCounter(), registry, "wcloud_instances_discarded_total",
                       "Instances dropped after a use (trapped, timed out, retired, or could "
                       "not be reset or kept).")),
      instantiation_(Build(prometheus::BuildHistogram(), registry,
                           "wcloud_instantiation_duration_seconds",
                           "Time to instantiate a component, its host state included.")),
      traps_(Build(prometheus::BuildCounter(), registry, "wcloud_guest_traps_total",
                   "Requests whose guest trapped.")),
      deadline_kills_(Build(prometheus::BuildCounter(), registry,
                            "wcloud_guest_deadline_kills_total",
                            "Requests whose guest was stopped at the request timeout.")),
      memory_(Build(prometheus::BuildGauge(), registry, "wcloud_guest_memory_bytes",
                    "Linear memory of a component's live instances, as each had when it was "
                    "created (a pooled instance's growth shows once it is dropped).")),
      hook_(registry.OnScrape([this] { Flush(); })) {}

std::shared_ptr<ComponentMetrics> HostMetrics::ForComponent(const ComponentLabels& labels) {
  MutexLock lock(mu_);
  std::weak_ptr<ComponentMetrics>& slot = components_[labels];
  if (auto live = slot.lock()) return live;
  // Not make_shared: the constructor is private. A previous holder of these labels may still
  // be in its destructor; Release then sees this one in the slot and leaves the series alone.
  std::shared_ptr<ComponentMetrics> made(new ComponentMetrics(*this, labels));
  slot = made;
  return made;
}

void HostMetrics::Release(ComponentMetrics* component) {
  MutexLock lock(mu_);
  auto it = components_.find(component->labels_);
  if (it != components_.end() && !it->second.expired()) return;  // taken over
  if (it != components_.end()) components_.erase(it);
  for (prometheus::Counter* c : component->requests_) requests_.Remove(c);
  duration_.Remove(&component->duration_target_);
  in_flight_.Remove(&component->in_flight_);
  instances_.Remove(&component->instances_);
  idle_.Remove(&component->idle_);
  created_.Remove(&component->created_);
  resets_.Remove(&component->resets_);
  discarded_.Remove(&component->discarded_);
  instantiation_.Remove(&component->instantiation_target_);
  traps_.Remove(&component->traps_);
  deadline_kills_.Remove(&component->deadline_kills_);
  memory_.Remove(&component->memory_);
}

void HostMetrics::Flush() {
  std::vector<std::shared_ptr<ComponentMetrics>> live;
  {
    MutexLock lock(mu_);
    for (const auto& [labels, component] : components_) {
      if (auto held = component.lock()) live.push_back(std::move(held));
    }
  }
  for (const auto& component : live) component->Flush();
  // `live` may hold the last reference: its release takes mu_, which is free here.
}

}  // namespace wcloud::host
