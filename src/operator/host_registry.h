// Hosts as Host objects: each heartbeat is written to the host's Host (created on first sight,
// labels and status refreshed), and hosts not heard from within the TTL are marked NotReady so
// the scheduler stops placing workloads on them. Each change of a host's readiness is an Event on
// its Host, as Kubernetes' node controller records NodeReady/NodeNotReady: HostReady (also when
// first seen), HostNotReady.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "api/types.h"
#include "hostapi/messages.h"
#include "kube/client.h"
#include "kube/event_recorder.h"
#include "util/result.h"

namespace wcloud::operator_ {

class HostRegistry {
 public:
  // Records events into `events` when given.
  HostRegistry(kube::Client& client, std::string ns, std::chrono::seconds ttl,
               kube::EventRecorder* events = nullptr)
      : client_(client), namespace_(std::move(ns)), ttl_(ttl), events_(events) {}

  // The Host object's name for a host: its public key in lower case (object names are lower
  // case DNS names; the key is unique where hostnames are not).
  static std::string ObjectName(const std::string& host_id);
  // "Ready", "NotReady" or "Draining" (not ready because it is shutting down), by its Ready
  // condition as Record and MarkStale write it.
  static const char* StateOf(const api::Host& host);

  Status Record(const hostapi::HostHeartbeat& heartbeat);
  // Marks Ready=False on Hosts whose lastSeen is older than the TTL, unless `answers` (when
  // given) says the host still answers (and has recorded its heartbeat); returns how many changed.
  Result<int> MarkStale(const std::function<bool(const std::string& host_id)>& answers = {});

 private:
  kube::Client& client_;
  std::string namespace_;
  std::chrono::seconds ttl_;
  kube::EventRecorder* events_;
};

}  // namespace wcloud::operator_
