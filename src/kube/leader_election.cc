#include "kube/leader_election.h"

#include "util/timestamp.h"

namespace wcloud::kube {
namespace {

const ResourceType kLeases{"coordination.k8s.io", "v1", "leases", true};

}  // namespace

LeaderElector::LeaderElector(Client& client, Config config)
    : client_(client), config_(std::move(config)) {}

LeaderElector::~LeaderElector() { Stop(); }

void LeaderElector::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void LeaderElector::Stop() {
  {
    MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool LeaderElector::SleepFor(std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  MutexLock lock(mu_);
  while (!stop_.load()) {
    if (!cv_.WaitUntil(lock, until)) return !stop_.load();
  }
  return false;
}

bool LeaderElector::TryAcquireOrRenew() {
  std::string path = ObjectPath(kLeases, config_.lease_namespace, config_.lease_name);
  std::string now = NowMicroTime();
  auto lease_seconds = std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration);
  Json spec = {{"holderIdentity", config_.identity},
               {"leaseDurationSeconds", lease_seconds.count()},
               {"acquireTime", now},
               {"renewTime", now},
               {"leaseTransitions", 0}};

  auto current = client_.Get(path);
  if (!current) {
    if (!IsNotFound(current.error())) return false;
    Json lease = {
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
        {"spec", spec}};
    auto created = client_.Do("POST", CollectionPath(kLeases, config_.lease_namespace), &lease);
    if (!created) return false;
    observed_holder_ = config_.identity;
    observed_renew_time_ = now;
    observed_at_ = std::chrono::steady_clock::now();
    return true;
  }

  Json lease = *current;
  Json old_spec = lease.contains("spec") ? lease["spec"] : Json::object();
  std::string holder = old_spec.value("holderIdentity", "");
  std::string renew = old_spec.value("renewTime", "");
  auto steady_now = std::chrono::steady_clock::now();
  if (holder != observed_holder_ || renew != observed_renew_time_) {
    observed_holder_ = holder;
    observed_renew_time_ = renew;
    observed_at_ = steady_now;
  }
  bool ours = holder == config_.identity;
  bool expired = holder.empty() || steady_now - observed_at_ > config_.lease_duration;
  if (!ours && !expired) return false;

  int transitions = old_spec.value("leaseTransitions", 0);
  if (ours) {
    spec["acquireTime"] = old_spec.value("acquireTime", now);
    spec["leaseTransitions"] = transitions;
  } else {
    spec["leaseTransitions"] = transitions + 1;
  }
  lease["spec"] = spec;
  // The resourceVersion in `lease` makes this a compare-and-swap: a concurrent winner makes it
  // fail with Conflict.
  auto updated = client_.Do("PUT", path, &lease);
  if (!updated) return false;
  observed_holder_ = config_.identity;
  observed_renew_time_ = now;
  observed_at_ = steady_now;
  return true;
}

void LeaderElector::Release() {
  std::string path = ObjectPath(kLeases, config_.lease_namespace, config_.lease_name);
  auto current = client_.Get(path);
  if (!current || !current->contains("spec")) return;
  Json lease = *current;
  if (lease["spec"].value("holderIdentity", "") != config_.identity) return;
  lease["spec"]["holderIdentity"] = "";
  lease["spec"]["renewTime"] = NowMicroTime();
  lease["spec"]["leaseDurationSeconds"] = 1;
  (void)client_.Do("PUT", path, &lease);
}

void LeaderElector::Run() {
  while (!stop_) {
    // Campaign until we hold the lease.
    while (!stop_ && !TryAcquireOrRenew()) {
      if (!SleepFor(config_.retry_period)) return;
    }
    if (stop_) return;
    leader_ = true;
    if (config_.on_started_leading) config_.on_started_leading();
    // Renew; step down when renewals failed for renew_deadline.
    auto last_renew = std::chrono::steady_clock::now();
    while (SleepFor(config_.retry_period)) {
      if (TryAcquireOrRenew()) {
        last_renew = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - last_renew > config_.renew_deadline) {
        break;
      }
    }
    leader_ = false;
    if (stop_) Release();
    if (config_.on_stopped_leading) config_.on_stopped_leading();
  }
}

}  // namespace wcloud::kube
