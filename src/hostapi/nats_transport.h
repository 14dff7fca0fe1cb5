// The host protocol over NATS core request/reply, with wasmCloud v2's subjects and proto3 JSON
// (../shared/spec/host-protocol.md), so our operator drives wasmCloud's hosts and wasmCloud's
// operator drives ours:
//   runtime.host.<hostId>.workload.{start,stop,status}, runtime.host.<hostId>.heartbeat
//       operator requests, host replies;
//   runtime.operator.heartbeat.<hostId>   host publishes its HostHeartbeat.
// A host ID is one subject token (a host's NKey, "N..."): no '.', '*', '>' or whitespace.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "hostapi/host_api.h"
#include "hostapi/messages.h"
#include "nats/connection.h"
#include "util/result.h"

namespace wcloud::hostapi {

// "runtime.host.<hostId>.<command>" and "runtime.operator.heartbeat.<hostId>".
std::string HostSubject(std::string_view host_id, std::string_view command);
std::string HeartbeatSubject(std::string_view host_id);
// Whether `host_id` can stand in a subject: kInvalidArgument naming it when not.
Status ValidateHostId(std::string_view host_id);

// The operator's side: each command is one NATS request to the host's subject.
class NatsHostClient final : public HostClient {
 public:
  struct Options {
    // A start may pull images first: wasmCloud's operator waits a minute too.
    std::chrono::milliseconds start_timeout{60000};
    std::chrono::milliseconds command_timeout{5000};  // stop, status, heartbeat
  };

  // `connection` must outlive the client.
  explicit NatsHostClient(nats::Connection& connection) : NatsHostClient(connection, Options{}) {}
  NatsHostClient(nats::Connection& connection, Options options)
      : connection_(connection), options_(options) {}

  // Errors: kUnavailable (not connected, no host subscribed, or a reply that does not decode —
  // the message names the subject), kDeadlineExceeded (no reply in time), kInvalidArgument (a
  // host ID that cannot be a subject token).
  Result<WorkloadStatus> Start(const std::string& host_id,
                               const WorkloadStartRequest& request) override;
  Result<WorkloadStatus> Stop(const std::string& host_id, const std::string& workload_id) override;
  Result<WorkloadStatus> Status(const std::string& host_id,
                                const std::string& workload_id) override;
  // Also refuses a heartbeat whose `id` is not `host_id`.
  Result<HostHeartbeat> Heartbeat(const std::string& host_id) override;
  Result<WorkloadList> List(const std::string& host_id) override;
  // Waits for the reply up to the request's waitMillis more than the command timeout.
  Result<WorkloadLogs> Logs(const std::string& host_id,
                            const WorkloadLogsRequest& request) override;

 private:
  Result<WorkloadStatus> Command(const std::string& host_id, std::string_view command,
                                 const std::string& body, std::chrono::milliseconds timeout);

  nats::Connection& connection_;
  const Options options_;
};

// A host's side: serves a HostHandler on runtime.host.<hostId>.>, dispatching on the tokens
// after the third as wasmCloud's hosts do.
//
// Threading: libnats delivers the subscription's messages on one thread, so the handler does not
// run there: each request goes to one of two small worker pools — starts (which may pull images
// for a minute) on `start_workers` threads, stop/status/heartbeat on `command_workers` others —
// so a slow start never holds up a heartbeat or a stop; workload.logs requests, which may wait
// for new lines, on `log_workers` more. Each pool queues at most `max_queued`
// requests; past that a request is dropped with a warning and its sender times out (as it would
// with a host too busy to answer).
//
// Requests that cannot be served:
// - an unknown command: logged, no reply (the spec says so);
// - no reply subject (published, not requested): logged and not run, since nobody would learn
//   the outcome;
// - a workload command whose body does not decode: a reply WorkloadStatus ERROR with the
//   request's workloadId when it can be read and the message "InvalidRequest: <field>: <what>"
//   (host_api.h's ErrorMessage form), so the operator learns at once what was wrong instead of
//   waiting out its timeout; the handler is not called. Also logged.
class NatsHostServer {
 public:
  struct Options {
    size_t start_workers = 4;
    size_t command_workers = 2;
    size_t log_workers = 4;
    size_t max_queued = 256;  // per pool
  };

  // Subscribes for `host_id`; `connection` and `handler` must outlive the server.
  static Result<std::unique_ptr<NatsHostServer>> Create(nats::Connection& connection,
                                                        std::string host_id, HostHandler& handler);
  static Result<std::unique_ptr<NatsHostServer>> Create(nats::Connection& connection,
                                                        std::string host_id, HostHandler& handler,
                                                        Options options);
  // Unsubscribes, drops what is still queued (those senders time out) and waits for the
  // requests being served, whose replies are still sent.
  ~NatsHostServer();
  NatsHostServer(const NatsHostServer&) = delete;
  NatsHostServer& operator=(const NatsHostServer&) = delete;

  // Publishes on runtime.operator.heartbeat.<hostId>; refuses (kInvalidArgument) a heartbeat
  // whose id is not this host's, which every operator would drop.
  Status PublishHeartbeat(const HostHeartbeat& heartbeat);

  const std::string& host_id() const { return host_id_; }

 private:
  class WorkerPool;  // in nats_transport.cc

  NatsHostServer(nats::Connection& connection, std::string host_id, HostHandler& handler,
                 Options options);
  void OnRequest(const std::string& subject, std::string_view data, const std::string& reply);
  // Runs the command on a worker and sends the answer to `reply`.
  void Serve(const std::string& command, const std::string& subject, const std::string& data,
             const std::string& reply);

  nats::Connection& connection_;
  const std::string host_id_;
  const std::string prefix_;  // "runtime.host.<hostId>."
  HostHandler& handler_;
  // Declared before the subscription so that they outlive it: it feeds them.
  std::unique_ptr<WorkerPool> start_pool_;
  std::unique_ptr<WorkerPool> command_pool_;
  std::unique_ptr<WorkerPool> log_pool_;
  std::unique_ptr<nats::Connection::Subscription> subscription_;
};

// The operator's side of heartbeats: every HostHeartbeat published on
// runtime.operator.heartbeat.* goes to `sink`, on the subscription's delivery thread, one at a
// time. A heartbeat that does not decode, or whose id is not the host ID in its subject (a host
// must not speak for another), is logged and skipped.
class NatsHeartbeatSubscriber {
 public:
  // `connection` must outlive the subscriber.
  static Result<std::unique_ptr<NatsHeartbeatSubscriber>> Create(nats::Connection& connection,
                                                                 HeartbeatSink sink);
  NatsHeartbeatSubscriber(const NatsHeartbeatSubscriber&) = delete;
  NatsHeartbeatSubscriber& operator=(const NatsHeartbeatSubscriber&) = delete;

 private:
  explicit NatsHeartbeatSubscriber(HeartbeatSink sink) : sink_(std::move(sink)) {}
  void OnHeartbeat(const std::string& subject, std::string_view data);

  HeartbeatSink sink_;
  std::unique_ptr<nats::Connection::Subscription> subscription_;  // last: it calls sink_
};

}  // namespace wcloud::hostapi
