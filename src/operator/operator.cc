#include "operator/operator.h"

#include <iostream>
#include <map>

namespace wcloud::operator_ {

Operator::Operator(kube::Client& client, const std::string& ns) : Operator(client, ns, Options{}) {}

Operator::Operator(kube::Client& client, const std::string& ns, Options options)
    : options_(std::move(options)),
      metrics_(options_.metrics ? std::make_unique<ControllerMetrics>(*options_.metrics) : nullptr),
      events_(client, "wcloud-operator", "controllers"),
      informers_(client, ns),
      registry_(client, options_.hosts_namespace, options_.host_ttl, &events_),
      artifacts_(client, informers_, options_.artifacts, metrics_.get(), &events_),
      deployments_(client, informers_, metrics_.get(), &events_),
      replica_sets_(client, informers_, metrics_.get(), &events_),
      scheduler_(client, informers_, metrics_.get(), &events_) {
  if (options_.hosts) {
    dispatcher_ = std::make_unique<WorkloadDispatcher>(client, informers_, *options_.hosts,
                                                       options_.dispatch, metrics_.get());
  }
  if (options_.metrics) {
    hosts_by_state_ = &prometheus::BuildGauge()
                           .Name("wcloud_hosts")
                           .Help(
                               "Hosts by the state of their Host object: Ready, NotReady, "
                               "Draining.")
                           .Register(options_.metrics->families());
    count_hosts_ = options_.metrics->OnScrape([this] { CountHosts(); });
  }
}

// From the informer cache at each scrape: the Host objects are the truth, whoever wrote them.
void Operator::CountHosts() {
  std::map<std::string, int> counts = {{"Ready", 0}, {"NotReady", 0}, {"Draining", 0}};
  for (const auto& host : informers_.hosts.List()) ++counts[HostRegistry::StateOf(*host)];
  for (const auto& [state, count] : counts) hosts_by_state_->Add({{"state", state}}).Set(count);
}

Operator::~Operator() { Stop(); }

void Operator::Start() {
  if (started_) return;
  started_ = true;
  informers_.Start();
  artifacts_.Start();
  deployments_.Start();
  replica_sets_.Start();
  scheduler_.Start();
  if (dispatcher_) dispatcher_->Start();
  {
    MutexLock lock(mu_);
    stopping_ = false;
  }
  stale_hosts_ = std::thread([this] { WatchHostsLoop(); });
}

void Operator::Stop() {
  if (!started_) return;
  started_ = false;
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  stale_hosts_.join();
  informers_.Stop();
  artifacts_.Stop();
  deployments_.Stop();
  replica_sets_.Stop();
  scheduler_.Stop();
  if (dispatcher_) dispatcher_->Stop();
}

bool Operator::WaitForSync(std::chrono::milliseconds timeout) {
  return informers_.WaitForSync(timeout);
}

Status Operator::HeartbeatReceived(const hostapi::HostHeartbeat& heartbeat) {
  WCLOUD_TRY_STATUS(registry_.Record(heartbeat));
  if (dispatcher_) dispatcher_->HostSeen(heartbeat);
  return Ok();
}

// Hosts that went silent turn NotReady within a sixth of the TTL after it passes.
void Operator::WatchHostsLoop() {
  const auto period = std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds(500),
      std::chrono::duration_cast<std::chrono::milliseconds>(options_.host_ttl) / 6);
  for (;;) {
    {
      const auto until = std::chrono::steady_clock::now() + period;
      MutexLock lock(mu_);
      while (!stopping_ && cv_.WaitUntil(lock, until)) {
      }
      if (stopping_) return;
    }
    auto answers = [this](const std::string& host_id) {
      if (!options_.hosts) return false;
      auto hb = options_.hosts->Heartbeat(host_id);
      return hb && hb->id == host_id && HeartbeatReceived(*hb);
    };
    if (auto stale = registry_.MarkStale(answers); !stale) {
      std::cerr << "wcloud: operator: checking for silent hosts: " << stale.error().message()
                << "\n";
    }
  }
}

}  // namespace wcloud::operator_
