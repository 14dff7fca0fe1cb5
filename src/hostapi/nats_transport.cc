#include "hostapi/nats_transport.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "hostapi/codec.h"
#include "util/json.h"
#include "util/json_depth.h"
#include "util/mutex.h"
#include "util/thread_name.h"

namespace wcloud::hostapi {
namespace {

constexpr std::string_view kHostPrefix = "runtime.host.";
constexpr std::string_view kHeartbeatPrefix = "runtime.operator.heartbeat.";
constexpr std::string_view kStart = "workload.start";
constexpr std::string_view kStop = "workload.stop";
constexpr std::string_view kStatus = "workload.status";
constexpr std::string_view kHeartbeat = "heartbeat";
constexpr std::string_view kList = "workload.list";  // wcloud's extensions
constexpr std::string_view kLogs = "workload.logs";

// The protocol's messages nest about eight deep; anything far deeper is not one of them, and
// is refused before the recursive parser sees it.
constexpr size_t kMaxMessageDepth = 64;

Result<Json> ParseMessage(std::string_view text) {
  WCLOUD_TRY_STATUS(CheckJsonDepth(text, kMaxMessageDepth));
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Error("message: not valid JSON", ErrorCode::kInvalidArgument);
  return json;
}

// Strings a handler put in a status (a registry's error text, say) need not be UTF-8; they are
// replaced rather than thrown on.
std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// The workloadId of a request that did not decode as a whole, when it can still be read.
std::string WorkloadIdOf(const Result<Json>& json) {
  if (!json || !json->is_object()) return "";
  auto it = json->find("workloadId");
  return it != json->end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::string HostSubject(std::string_view host_id, std::string_view command) {
  return std::string(kHostPrefix) + std::string(host_id) + "." + std::string(command);
}

std::string HeartbeatSubject(std::string_view host_id) {
  return std::string(kHeartbeatPrefix) + std::string(host_id);
}

Status ValidateHostId(std::string_view host_id) {
  const bool token = !host_id.empty() && std::none_of(host_id.begin(), host_id.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return c == '.' || c == '*' || c == '>' || u <= 0x20 || u == 0x7f;
  });
  if (token) return Ok();
  return Error("host ID \"" + std::string(host_id) +
                   "\": not a NATS subject token (non-empty, without '.', '*', '>' or whitespace)",
               ErrorCode::kInvalidArgument);
}

// ---- operator side ----

Result<WorkloadStatus> NatsHostClient::Command(const std::string& host_id, std::string_view command,
                                               const std::string& body,
                                               std::chrono::milliseconds timeout) {
  WCLOUD_TRY_STATUS(ValidateHostId(host_id));
  const std::string subject = HostSubject(host_id, command);
  WCLOUD_ASSIGN_OR_RETURN(std::string reply, connection_.Request(subject, body, timeout));
  Result<Json> json = ParseMessage(reply);
  Result<WorkloadStatus> status =
      json ? DecodeStatusResponse(*json) : Result<WorkloadStatus>(json.error());
  // The host answered, but with nothing we can use: to the caller, as good as no answer.
  if (!status) {
    return Error(subject + ": reply: " + status.error().message(), ErrorCode::kUnavailable);
  }
  return status;
}

Result<WorkloadStatus> NatsHostClient::Start(const std::string& host_id,
                                             const WorkloadStartRequest& request) {
  return Command(host_id, kStart, Dump(Encode(request)), options_.start_timeout);
}

Result<WorkloadStatus> NatsHostClient::Stop(const std::string& host_id,
                                            const std::string& workload_id) {
  return Command(host_id, kStop, Dump(Encode(WorkloadIdRequest{workload_id})),
                 options_.command_timeout);
}

Result<WorkloadStatus> NatsHostClient::Status(const std::string& host_id,
                                              const std::string& workload_id) {
  return Command(host_id, kStatus, Dump(Encode(WorkloadIdRequest{workload_id})),
                 options_.command_timeout);
}

Result<HostHeartbeat> NatsHostClient::Heartbeat(const std::string& host_id) {
  WCLOUD_TRY_STATUS(ValidateHostId(host_id));
  const std::string subject = HostSubject(host_id, kHeartbeat);
  WCLOUD_ASSIGN_OR_RETURN(std::string reply,
                          connection_.Request(subject, "", options_.command_timeout));
  Result<Json> json = ParseMessage(reply);
  Result<HostHeartbeat> heartbeat =
      json ? DecodeHeartbeat(*json) : Result<HostHeartbeat>(json.error());
  if (!heartbeat) {
    return Error(subject + ": reply: " + heartbeat.error().message(), ErrorCode::kUnavailable);
  }
  if (heartbeat->id != host_id) {
    return Error(subject + ": reply: the heartbeat of host \"" + heartbeat->id + "\"",
                 ErrorCode::kUnavailable);
  }
  return heartbeat;
}

Result<WorkloadList> NatsHostClient::List(const std::string& host_id) {
  WCLOUD_TRY_STATUS(ValidateHostId(host_id));
  const std::string subject = HostSubject(host_id, kList);
  WCLOUD_ASSIGN_OR_RETURN(std::string reply,
                          connection_.Request(subject, "{}", options_.command_timeout));
  Result<Json> json = ParseMessage(reply);
  Result<WorkloadList> list = json ? DecodeWorkloadList(*json) : Result<WorkloadList>(json.error());
  if (!list) return Error(subject + ": reply: " + list.error().message(), ErrorCode::kUnavailable);
  return list;
}

Result<WorkloadLogs> NatsHostClient::Logs(const std::string& host_id,
                                          const WorkloadLogsRequest& request) {
  WCLOUD_TRY_STATUS(ValidateHostId(host_id));
  const std::string subject = HostSubject(host_id, kLogs);
  WCLOUD_ASSIGN_OR_RETURN(std::string reply,
                          connection_.Request(subject, Dump(Encode(request)),
                                              options_.command_timeout +
                                                  std::chrono::milliseconds(request.wait_millis)));
  Result<Json> json = ParseMessage(reply);
  Result<WorkloadLogs> logs = json ? DecodeWorkloadLogs(*json) : Result<WorkloadLogs>(json.error());
  if (!logs) return Error(subject + ": reply: " + logs.error().message(), ErrorCode::kUnavailable);
  return logs;
}

// ---- host side ----

// Threads that run queued requests, at most `max_queued` waiting.
class NatsHostServer::WorkerPool {
 public:
  WorkerPool(const std::string& name, size_t threads, size_t max_queued)
      : max_queued_(std::max<size_t>(max_queued, 1)) {
    threads = std::max<size_t>(threads, 1);
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this, name] {
        NameThisThread(name);
        Run();
      });
    }
  }

  // Drops what is queued and waits for the jobs running.
  ~WorkerPool() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  // False when the queue is full.
  bool Post(std::function<void()> job) {
    {
      MutexLock lock(mu_);
      if (stopping_ || queue_.size() >= max_queued_) return false;
      queue_.push_back(std::move(job));
    }
    cv_.notify_one();
    return true;
  }

 private:
  void Run() {
    for (;;) {
      std::function<void()> job;
      {
        MutexLock lock(mu_);
        while (queue_.empty() && !stopping_) cv_.Wait(lock);
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
    }
  }

  const size_t max_queued_;
  Mutex mu_;
  CondVar cv_;
  std::deque<std::function<void()>> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

NatsHostServer::NatsHostServer(nats::Connection& connection, std::string host_id,
                               HostHandler& handler, Options options)
    : connection_(connection),
      host_id_(std::move(host_id)),
      prefix_(std::string(kHostPrefix) + host_id_ + "."),
      handler_(handler),
      start_pool_(
          std::make_unique<WorkerPool>("nats-start", options.start_workers, options.max_queued)),
      command_pool_(std::make_unique<WorkerPool>("nats-command", options.command_workers,
                                                 options.max_queued)),
      log_pool_(
          std::make_unique<WorkerPool>("nats-logs", options.log_workers, options.max_queued)) {}

Result<std::unique_ptr<NatsHostServer>> NatsHostServer::Create(nats::Connection& connection,
                                                               std::string host_id,
                                                               HostHandler& handler) {
  return Create(connection, std::move(host_id), handler, Options{});
}

Result<std::unique_ptr<NatsHostServer>> NatsHostServer::Create(nats::Connection& connection,
                                                               std::string host_id,
                                                               HostHandler& handler,
                                                               Options options) {
  WCLOUD_TRY_STATUS(ValidateHostId(host_id));
  std::unique_ptr<NatsHostServer> server(
      new NatsHostServer(connection, std::move(host_id), handler, options));
  NatsHostServer* self = server.get();
  WCLOUD_ASSIGN_OR_RETURN(
      server->subscription_,
      connection.Subscribe(
          server->prefix_ + ">",
          [self](const std::string& subject, std::string_view data, const std::string& reply) {
            self->OnRequest(subject, data, reply);
          }));
  // So that a request sent once this returns finds the subscription at the server. Not fatal
  // when disconnected: libnats subscribes again when it reconnects.
  if (connection.connected()) {
    if (auto flushed = connection.Flush(std::chrono::seconds(5)); !flushed) {
      spdlog::warn("host {}: {}", server->host_id_, flushed.error().message());
    }
  }
  return server;
}

NatsHostServer::~NatsHostServer() {
  subscription_.reset();  // no more requests come in
  start_pool_.reset();
  command_pool_.reset();
  log_pool_.reset();
}

void NatsHostServer::OnRequest(const std::string& subject, std::string_view data,
                               const std::string& reply) {
  if (subject.size() <= prefix_.size() || subject.compare(0, prefix_.size(), prefix_) != 0) {
    return;  // not ours: the subscription is runtime.host.<hostId>.>
  }
  std::string command = subject.substr(prefix_.size());
  const bool start = command == kStart;
  if (!start && command != kStop && command != kStatus && command != kHeartbeat &&
      command != kList && command != kLogs) {
    spdlog::warn("host {}: {}: unknown command \"{}\"; not answered", host_id_, subject, command);
    return;
  }
  if (reply.empty()) {
    spdlog::warn("host {}: {}: published without a reply subject; not run", host_id_, subject);
    return;
  }
  WorkerPool& pool = start ? *start_pool_ : command == kLogs ? *log_pool_ : *command_pool_;
  const bool queued =
      pool.Post([this, command = std::move(command), subject, data = std::string(data), reply] {
        try {
          Serve(command, subject, data, reply);
        } catch (const std::exception& e) {
          // A HostHandler answers with statuses, never exceptions; if one escapes anyway it must
          // not end the worker.
          spdlog::error("host {}: {}: {}", host_id_, subject, e.what());
        }
      });
  if (!queued) {
    spdlog::warn("host {}: {}: too many requests waiting; dropped (the sender times out)", host_id_,
                 subject);
  }
}

void NatsHostServer::Serve(const std::string& command, const std::string& subject,
                           const std::string& data, const std::string& reply) {
  std::string answer;
  if (command == kHeartbeat) {
    answer = Dump(Encode(handler_.Heartbeat()));  // the request's body means nothing
  } else if (command == kList) {
    answer = Dump(Encode(handler_.List()));
  } else if (command == kLogs) {
    Result<Json> json = ParseMessage(data);
    Result<WorkloadLogsRequest> request =
        json ? DecodeLogsRequest(*json) : Result<WorkloadLogsRequest>(json.error());
    WorkloadLogs logs;
    if (request) {
      logs = handler_.Logs(*request);
    } else {
      spdlog::warn("host {}: {}: bad request: {}", host_id_, subject, request.error().message());
      logs.error = "InvalidRequest: " + request.error().message();
    }
    answer = Dump(Encode(logs));
  } else {
    Result<Json> json = ParseMessage(data);
    WorkloadStatus status;
    std::optional<Error> invalid;
    if (command == kStart) {
      Result<WorkloadStartRequest> request =
          json ? DecodeStartRequest(*json) : Result<WorkloadStartRequest>(json.error());
      if (request) {
        status = handler_.Start(*request);
      } else {
        invalid = request.error();
      }
    } else {
      Result<WorkloadIdRequest> request =
          json ? DecodeIdRequest(*json) : Result<WorkloadIdRequest>(json.error());
      if (request) {
        status = command == kStop ? handler_.Stop(request->workload_id)
                                  : handler_.Status(request->workload_id);
      } else {
        invalid = request.error();
      }
    }
    if (invalid) {
      spdlog::warn("host {}: {}: bad request: {}", host_id_, subject, invalid->message());
      status = WorkloadStatus{WorkloadIdOf(json), WorkloadState::kError,
                              ErrorMessage("InvalidRequest", invalid->message())};
    }
    answer = Dump(Encode(status));
  }
  if (auto sent = connection_.Publish(reply, answer); !sent) {
    spdlog::warn("host {}: {}: reply: {}", host_id_, subject, sent.error().message());
  }
}

Status NatsHostServer::PublishHeartbeat(const HostHeartbeat& heartbeat) {
  if (heartbeat.id != host_id_) {
    return Error("heartbeat: id \"" + heartbeat.id + "\" is not this host's (\"" + host_id_ + "\")",
                 ErrorCode::kInvalidArgument);
  }
  return connection_.Publish(HeartbeatSubject(host_id_), Dump(Encode(heartbeat)));
}

// ---- operator side: heartbeats ----

Result<std::unique_ptr<NatsHeartbeatSubscriber>> NatsHeartbeatSubscriber::Create(
    nats::Connection& connection, HeartbeatSink sink) {
  if (!sink) return Error("heartbeat subscriber: no sink", ErrorCode::kInvalidArgument);
  std::unique_ptr<NatsHeartbeatSubscriber> subscriber(new NatsHeartbeatSubscriber(std::move(sink)));
  NatsHeartbeatSubscriber* self = subscriber.get();
  WCLOUD_ASSIGN_OR_RETURN(
      subscriber->subscription_,
      connection.Subscribe(std::string(kHeartbeatPrefix) + "*",
                           [self](const std::string& subject, std::string_view data,
                                  const std::string&) { self->OnHeartbeat(subject, data); }));
  if (connection.connected()) {
    if (auto flushed = connection.Flush(std::chrono::seconds(5)); !flushed) {
      spdlog::warn("heartbeats: {}", flushed.error().message());
    }
  }
  return subscriber;
}

void NatsHeartbeatSubscriber::OnHeartbeat(const std::string& subject, std::string_view data) {
  if (subject.size() <= kHeartbeatPrefix.size()) return;
  const std::string host_id = subject.substr(kHeartbeatPrefix.size());
  Result<Json> json = ParseMessage(data);
  Result<HostHeartbeat> heartbeat =
      json ? DecodeHeartbeat(*json) : Result<HostHeartbeat>(json.error());
  if (!heartbeat) {
    spdlog::warn("{}: heartbeat skipped: {}", subject, heartbeat.error().message());
    return;
  }
  if (heartbeat->id != host_id) {
    spdlog::warn("{}: heartbeat skipped: it carries id \"{}\", not the subject's host", subject,
                 heartbeat->id);
    return;
  }
  sink_(*heartbeat);
}

}  // namespace wcloud::hostapi
