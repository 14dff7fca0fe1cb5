#include "host/service_runner.h"

#include <spdlog/spdlog.h>

#include "wasi/exit.h"

namespace wcloud::host {
namespace {

// How often Stop interrupts a guest that is still running: an interrupt that lands while the
// store is idle (between instantiation and the call) does nothing, so it is repeated.
constexpr auto kInterruptInterval = std::chrono::milliseconds(20);

}  // namespace

Result<std::unique_ptr<ServiceRunner>> ServiceRunner::Start(
    wasm::Engine& engine, std::shared_ptr<const component::InstancePre> pre, MakeData make_data,
    Options options) {
  auto cancel = wasi::Waker::Create();
  if (!cancel) return cancel.error().Wrap(options.name);
  std::unique_ptr<ServiceRunner> runner(new ServiceRunner(
      engine, std::move(pre), std::move(make_data), std::move(options), std::move(*cancel)));
  runner->thread_ = std::thread([r = runner.get()] { r->Loop(); });
  return runner;
}

ServiceRunner::ServiceRunner(wasm::Engine& engine,
                             std::shared_ptr<const component::InstancePre> pre, MakeData make_data,
                             Options options, std::shared_ptr<wasi::Waker> cancel)
    : engine_(engine),
      pre_(std::move(pre)),
      make_data_(std::move(make_data)),
      options_(std::move(options)),
      cancel_(std::move(cancel)),
      policy_(options_.max_restarts, options_.backoff) {
  status_.phase = kRunning;
}

ServiceRunner::~ServiceRunner() { Stop(); }

void ServiceRunner::Stop() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
    cancel_->Notify();
    stopped_cv_.notify_all();  // ends a backoff wait
    while (!done_) {
      if (store_ != nullptr) store_->Interrupt();
      stopped_cv_.WaitUntil(lock, std::chrono::steady_clock::now() + kInterruptInterval);
    }
  }
  if (thread_.joinable()) thread_.join();
}

ServiceStatus ServiceRunner::status() const {
  MutexLock lock(mu_);
  return status_;
}

Status ServiceRunner::RunOnce() {
  auto store = engine_.NewStore(options_.store);
  if (!store) return store.error();
  Status result = Ok();
  {
    auto data = make_data_();
    if (!data) return data.error();
    {
      MutexLock lock(mu_);
      if (stopping_) return Ok();
      store_ = store->get();
    }
    wasi::PollCancelScope cancellable(cancel_->fd());
    auto instance = pre_->Instantiate(**store, std::move(*data));
    if (!instance) {
      result = instance.error();
    } else if (const component::ExportedFunc* run =
                   (*instance)->GetExport("wasi:cli/run@0.2.0", "run");
               run == nullptr) {
      result = Error("the component does not export wasi:cli/run@0.2.x");
    } else if (auto called = (*instance)->Call(*run, {}); !called) {
      result = called.error();
    } else if (called->empty() || called->front().as_case().index != 0) {
      result = Error("exited with status 1", ErrorCode::kAborted);  // run returned err
    }
    MutexLock lock(mu_);
    store_ = nullptr;
  }
  if (result) return Ok();
  const Error& e = result.error();
  if (auto exit = wasi::ExitStatus(e)) {
    if (*exit == 0) return Ok();
    return Error("exited with status " + std::to_string(*exit), ErrorCode::kAborted);
  }
  if (wasm::IsTrap(e)) return e.Wrap("trapped");
  return e;
}

void ServiceRunner::Loop() {
  while (true) {
    const Status ran = RunOnce();
    MutexLock lock(mu_);
    if (stopping_) break;
    const RestartPolicy::Next next = policy_.AfterExit(static_cast<bool>(ran));
    status_.restarts = policy_.restarts();
    status_.message = ran ? "exited with status 0" : ran.error().message();
    if (next.decision == RestartPolicy::Decision::kCompleted) {
      status_.phase = kCompleted;
      break;
    }
    if (next.decision == RestartPolicy::Decision::kFailed) {
      status_.phase = kFailed;
      spdlog::warn("{}: {}; not restarted (maxRestarts {})", options_.name, status_.message,
                   options_.max_restarts);
      break;
    }
    status_.phase = kBackOff;
    spdlog::info("{}: {}; restart {} of {} in {} ms", options_.name, status_.message,
                 status_.restarts, options_.max_restarts, next.delay.count());
    const auto until = std::chrono::steady_clock::now() + next.delay;
    while (!stopping_ && stopped_cv_.WaitUntil(lock, until)) {
    }
    if (stopping_) break;
    status_.phase = kRunning;
  }
  MutexLock lock(mu_);
  done_ = true;
  stopped_cv_.notify_all();
}

}  // namespace wcloud::host
