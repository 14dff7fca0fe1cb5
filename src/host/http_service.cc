#include "host/http_service.h"

#include <iostream>

#include "host/ingress_streams.h"
#include "util/mutex.h"
#include "wasi/http/serve.h"
#include "wasi/poll.h"
#include "wasm/engine.h"

namespace wcloud::host {
namespace {

namespace http = wasi::http;

http::FieldList ToFields(const ingress::HeaderList& headers) {
  http::FieldList fields;
  fields.reserve(headers.size());
  for (ingress::HeaderField f : headers) fields.emplace_back(f.name, f.value);
  return fields;
}

ingress::HeaderList ToHeaders(const http::FieldList& fields) {
  ingress::HeaderList headers;
  size_t bytes = 0;
  for (const auto& [name, value] : fields) bytes += name.size() + value.size();
  headers.Reserve(fields.size(), bytes);
  for (const auto& [name, value] : fields) headers.Add(name, value);
  return headers;
}

// The guest's response onto the exchange. A failure is only recorded: the worker decides
// between 500 and 504 once it knows why the guest stopped.
class ExchangeSink : public http::ResponseSink, public std::enable_shared_from_this<ExchangeSink> {
 public:
  explicit ExchangeSink(ingress::Exchange& exchange)
      : exchange_(exchange), body_(&exchange.response()) {}

  Status Start(uint16_t status, const http::FieldList& headers) override {
    started_ = true;
    status_ = status;
    return exchange_.response().Start(status, ToHeaders(headers));
  }
  // Shares the sink's allocation.
  std::shared_ptr<wasi::OutputStream> Body() override {
    return std::shared_ptr<wasi::OutputStream>(shared_from_this(), &body_);
  }
  Status Finish(const http::FieldList& trailers) override {
    finished_ = true;
    return exchange_.response().Finish(ToHeaders(trailers));
  }
  void Fail(const http::ErrorCode& error) override {
    failed_ = true;
    error_ = error.Describe();
  }

  // After ServeHttp: completes what the guest left undone.
  void Complete(int status_if_not_started) {
    if (finished_) return;
    if (!started_) {
      status_ = status_if_not_started;
      auto& response = exchange_.response();
      ingress::HeaderList headers{{"content-type", "text/plain; charset=utf-8"}};
      const std::string body =
          status_if_not_started == 504 ? "request timed out\n" : "the component failed\n";
      headers.Add("content-length", std::to_string(body.size()));
      if (response.Start(status_if_not_started, headers) && response.Write(body)) {
        (void)response.Finish();
        return;
      }
    }
    exchange_.response().Abort();
  }
  bool failed() const { return failed_; }
  // What the client was answered: the guest's status, or ours when it sent none (0: neither).
  int status() const { return status_; }
  const std::string& error() const { return error_; }

 private:
  ingress::Exchange& exchange_;
  IngressResponseStream body_;
  bool started_ = false;
  bool finished_ = false;
  bool failed_ = false;
  int status_ = 0;
  std::string error_;
};

void LogFailure(const HttpComponent& component, const ingress::Request& request,
                const std::string& what) {
  // One line per failure; std::cerr is unbuffered and each line is one write.
  std::cerr << ("wcloud: " + component.name + ": " + request.method + " " + request.target + ": " +
                what + "\n");
}

// For the workload's status: what failed, and where.
void CountFailure(const HttpComponent& component, const ingress::Request& request,
                  GuestFailure failure, const std::string& what) {
  if (!component.failures) return;
  const std::string name = component.name.substr(component.name.rfind('/') + 1);
  component.failures->Record(
      failure, "component " + name + ": " + request.method + " " + request.target + ": " + what);
}

void CountFinished(const HttpComponent& component, int status,
                   std::chrono::steady_clock::time_point arrived) {
  if (component.metrics) {
    component.metrics->RequestFinished(status, std::chrono::steady_clock::now() - arrived);
  }
}

}  // namespace

uint64_t NextComponentId() {
  static std::atomic<uint64_t> next{1};  // NOLINT: an id source, not state anyone reads
  return next++;
}

// A request on its way to a worker; answered 503 when the pool refuses it.
struct HttpService::Job {
  HttpService* service;
  ingress::Exchange exchange;
  std::shared_ptr<const HttpComponent> component;
  std::chrono::steady_clock::time_point arrived;  // set only when the component has metrics

  void operator()(Worker& worker) {
    service->Run(worker, std::move(exchange), *component, arrived);
  }
  void Reject(Admission why) {
    service->Refuse(std::move(exchange), *component, why);
    CountFinished(*component, 503, arrived);
  }
};

void HttpService::Handle(ingress::Exchange exchange,
                         std::shared_ptr<const HttpComponent> component) {
  ++stats_.requests;
  const uint64_t id = component->id;
  std::chrono::steady_clock::time_point arrived;
  if (component->metrics) {
    component->metrics->RequestStarted();
    arrived = std::chrono::steady_clock::now();
  }
  workers_.Submit(id, Job{this, std::move(exchange), std::move(component), arrived});
}

void HttpService::Refuse(ingress::Exchange exchange, const HttpComponent& component,
                         Admission why) {
  ++stats_.refused;
  const std::string& workload = component.workload.empty() ? component.name : component.workload;
  std::string body;
  switch (why) {
    case Admission::kQueueFull:
      body = "workload " + workload + " has too many requests waiting; retry later\n";
      break;
    case Admission::kUnknownGate:
      body = "workload " + workload + " is no longer served here\n";
      break;
    default:
      body = "the host is stopping\n";
      break;
  }
  ingress::HeaderList headers{{"content-type", "text/plain; charset=utf-8"}, {"retry-after", "1"}};
  headers.Add("content-length", std::to_string(body.size()));
  auto& response = exchange.response();
  if (response.Start(503, headers) && response.Write(body)) {
    (void)response.Finish();
    return;
  }
  response.Abort();
}

void HttpService::Run(Worker& worker, ingress::Exchange exchange, const HttpComponent& component,
                      std::chrono::steady_clock::time_point arrived) {
  InstancePool& pool = worker.Pool(component.id, [&](wasm::Store& store) {
    return std::make_unique<InstancePool>(component.pre, store, component.pool, component.make_data,
                                          component.metrics);
  });
  Serve(worker, pool, std::move(exchange), component, arrived);
  if (component.retired) worker.DropPool(component.id);
}

void HttpService::Serve(Worker& worker, InstancePool& pool, ingress::Exchange exchange,
                        const HttpComponent& component,
                        std::chrono::steady_clock::time_point arrived) {
  auto lease = pool.Acquire();
  if (!lease) {
    ++stats_.guest_failures;
    LogFailure(component, exchange.request(), "instantiation failed: " + lease.error().message());
    CountFailure(component, exchange.request(), GuestFailure::kTrap,
                 "instantiation failed: " + lease.error().message());
    ExchangeSink(exchange).Complete(500);
    CountFinished(component, 500, arrived);
    return;
  }
  if (lease->entry() == nullptr) lease->set_entry(http::FindIncomingHandler(lease->instance()));
  const component::ExportedFunc* handle = lease->entry();
  if (handle == nullptr) {
    LogFailure(component, exchange.request(),
               "the component exports no wasi:http/incoming-handler");
    ExchangeSink(exchange).Complete(500);
    CountFinished(component, 500, arrived);
    pool.Release(std::move(*lease), /*discard=*/true);
    return;
  }
  int status = 0;
  const bool discard =
      Respond(worker, lease->instance(), *handle, std::move(exchange), component, status);
  // Answered: the instance's reset or disposal below is not the request's time.
  CountFinished(component, status, arrived);
  pool.Release(std::move(*lease), discard);
}

bool HttpService::Respond(Worker& worker, component::ComponentInstance& instance,
                          const component::ExportedFunc& handle, ingress::Exchange exchange,
                          const HttpComponent& component, int& status) {
  const ingress::Request& request = exchange.request();
  auto sink = std::make_shared<ExchangeSink>(exchange);
  const auto deadline =
      std::min(exchange.deadline(), std::chrono::steady_clock::now() + component.request_timeout);
  const auto deadline_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count());
  worker.store().SetDeadline(deadline);

  http::IncomingRequestData data;
  data.method = request.method;
  data.scheme = request.scheme;
  data.authority = request.authority;
  data.path_with_query = request.target;
  data.headers_source = [&request] { return ToFields(request.headers); };
  auto body = std::make_shared<IngressBodyStream>(exchange.body());
  data.body = body;
  // ServeHttp asks for the trailers only while it holds `data.body`: a plain pointer will do,
  // and unlike a shared_ptr it fits in the std::function without an allocation.
  data.trailers = [stream = body.get()] { return ToFields(stream->trailers()); };

  // A response finished within the call reaches the I/O thread in one wake-up, when `exchange`
  // goes at the end of this function; a guest that waits first sends what it has so far.
  exchange.DeferWakes();
  Result<http::ServeOutcome> outcome = [&] {
    // steady_clock and CLOCK_MONOTONIC are the same clock on Linux (libstdc++).
    wasi::PollDeadlineScope poll_deadline(deadline_ns);
    wasi::PollWaitHook flush_before_waiting([&exchange] { exchange.FlushWakes(); });
    return http::ServeHttp(instance, handle, std::move(data), sink);
  }();
  worker.store().SetDeadline(std::nullopt);
  // Our holds on the exchange go before it, so that the connection can reuse its state.
  body.reset();

  bool discard = false;
  if (!outcome) {
    ++stats_.guest_failures;
    discard = true;
    const bool timed_out = outcome.error().code() == ErrorCode::kDeadlineExceeded;
    if (component.metrics) {
      if (timed_out) {
        component.metrics->DeadlineKilled();
      } else if (wasm::IsTrap(outcome.error())) {
        component.metrics->Trapped();
      }
    }
    LogFailure(component, request, outcome.error().message());
    // The component's own memory cap, or else the workers'.
    const std::optional<uint64_t> cap = component.pool.max_memory_bytes
                                            ? component.pool.max_memory_bytes
                                            : workers_.store_options().max_memory_bytes;
    GuestFailure failure = GuestFailure::kDeadline;
    if (!timed_out) {
      failure = NearMemoryLimit(instance.memory_bytes(), cap) ? GuestFailure::kTrapAtMemoryLimit
                                                              : GuestFailure::kTrap;
    }
    CountFailure(component, request, failure, outcome.error().message());
    sink->Complete(timed_out ? 504 : 500);
  } else if (outcome->kind != http::ServeOutcome::Kind::kResponded) {
    ++stats_.guest_failures;
    // No complete response leaves the instance in an unknown state (a componentize-js
    // component on reuse answers nothing, ever again); an error-code it set is an answer.
    discard = outcome->kind != http::ServeOutcome::Kind::kGuestError;
    LogFailure(component, request,
               outcome->kind == http::ServeOutcome::Kind::kNoResponse
                   ? std::string("handle returned without setting a response")
                   : "no complete response: " + sink->error());
    sink->Complete(500);
  }
  status = sink->status();
  return discard;
}

Status HttpService::Add(const std::shared_ptr<const HttpComponent>& component) {
  workers_.AddGate(component->id,
                   component->workload.empty() ? component->name : component->workload,
                   component->max_concurrency);
  Mutex mu;
  Status result = Ok();  // RunOnAll returns once every worker ran the job
  workers_.RunOnAll([&](Worker& worker) {
    InstancePool& pool = worker.Pool(component->id, [&](wasm::Store& store) {
      return std::make_unique<InstancePool>(component->pre, store, component->pool,
                                            component->make_data, component->metrics);
    });
    Status s = pool.Prewarm();
    MutexLock lock(mu);
    if (!s && result) result = s;
  });
  if (!result) Forget(*component);
  return result;
}

void HttpService::Forget(const HttpComponent& component) {
  component.retired = true;
  const uint64_t id = component.id;
  workers_.RemoveGate(id);
  workers_.RunOnAll([id](Worker& worker) { worker.DropPool(id); });
}

}  // namespace wcloud::host
