#include "hostapi/host_api.h"

#include <cctype>

namespace wcloud::hostapi {

void LocalHosts::Add(const std::string& host_id, HostHandler& handler) {
  MutexLock lock(mu_);
  hosts_[host_id] = &handler;
}

void LocalHosts::Remove(const std::string& host_id) {
  MutexLock lock(mu_);
  hosts_.erase(host_id);
}

HostHandler* LocalHosts::Find(const std::string& host_id) {
  MutexLock lock(mu_);
  auto it = hosts_.find(host_id);
  return it == hosts_.end() ? nullptr : it->second;
}

Error LocalHosts::Unreachable(const std::string& host_id) const {
  return Error("host " + host_id + ": not in this process", ErrorCode::kUnavailable);
}

Result<WorkloadStatus> LocalHosts::Start(const std::string& host_id,
                                         const WorkloadStartRequest& request) {
  if (HostHandler* host = Find(host_id)) return host->Start(request);
  if (remote_) return remote_->Start(host_id, request);
  return Unreachable(host_id);
}

Result<WorkloadStatus> LocalHosts::Stop(const std::string& host_id,
                                        const std::string& workload_id) {
  if (HostHandler* host = Find(host_id)) return host->Stop(workload_id);
  if (remote_) return remote_->Stop(host_id, workload_id);
  return Unreachable(host_id);
}

Result<WorkloadStatus> LocalHosts::Status(const std::string& host_id,
                                          const std::string& workload_id) {
  if (HostHandler* host = Find(host_id)) return host->Status(workload_id);
  if (remote_) return remote_->Status(host_id, workload_id);
  return Unreachable(host_id);
}

Result<HostHeartbeat> LocalHosts::Heartbeat(const std::string& host_id) {
  if (HostHandler* host = Find(host_id)) return host->Heartbeat();
  if (remote_) return remote_->Heartbeat(host_id);
  return Unreachable(host_id);
}

Result<WorkloadList> LocalHosts::List(const std::string& host_id) {
  if (HostHandler* host = Find(host_id)) return host->List();
  if (remote_) return remote_->List(host_id);
  return Unreachable(host_id);
}

Result<WorkloadLogs> LocalHosts::Logs(const std::string& host_id,
                                      const WorkloadLogsRequest& request) {
  if (HostHandler* host = Find(host_id)) return host->Logs(request);
  if (remote_) return remote_->Logs(host_id, request);
  return Unreachable(host_id);
}

std::string ErrorMessage(std::string_view reason, std::string_view message) {
  return std::string(reason) + ": " + std::string(message);
}

ReasonAndMessage SplitReason(std::string_view message, std::string_view fallback) {
  // A reason is one CamelCase word: an upper-case letter, then letters and digits.
  const size_t colon = message.find(": ");
  bool camel = colon != std::string_view::npos && colon > 0 &&
               std::isupper(static_cast<unsigned char>(message[0]));
  for (size_t i = 0; camel && i < colon; ++i) {
    camel = std::isalnum(static_cast<unsigned char>(message[i])) != 0;
  }
  if (!camel) return {std::string(fallback), std::string(message)};
  return {std::string(message.substr(0, colon)), std::string(message.substr(colon + 2))};
}

}  // namespace wcloud::hostapi
