// A workload's service (the spec's "optional services"): a component exporting wasi:cli/run,
// run on its own thread beside the workload's HTTP components, with the same host interfaces,
// volumes and config. An exit with status 0 completes it; a non-zero exit or a trap restarts it
// after RestartPolicy's backoff, at most maxRestarts times, after which it has failed. Stop
// (and the destructor) interrupts the guest — its code, and its waits in wasi:io/poll — and
// joins the thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "component/component_instance.h"
#include "host/restart_policy.h"
#include "util/mutex.h"
#include "util/result.h"
#include "wasi/poll.h"
#include "wasm/engine.h"

namespace wcloud::host {

// Where a service is. `phase` is one of the ServiceRunner::k* names.
struct ServiceStatus {
  std::string phase;
  uint64_t restarts = 0;  // restarts so far (not counting the first start)
  std::string message;    // what its last run did: "exited with status 1", "trapped: ..."
  bool operator==(const ServiceStatus&) const = default;
};

class ServiceRunner {
 public:
  static constexpr char kRunning[] = "Running";
  static constexpr char kBackOff[] = "BackOff";  // waiting to restart after a failure
  static constexpr char kCompleted[] = "Completed";
  static constexpr char kFailed[] = "Failed";

  using MakeData = std::function<Result<std::unique_ptr<component::InstanceData>>()>;
  struct Options {
    std::string name;  // for messages: "<workload ID>/service"
    uint64_t max_restarts = 0;
    RestartPolicy::Backoff backoff = {};
    wasm::StoreOptions store = {};
  };

  // Starts the first run at once. `pre` must export wasi:cli/run (checked by the caller).
  static Result<std::unique_ptr<ServiceRunner>> Start(
      wasm::Engine& engine, std::shared_ptr<const component::InstancePre> pre, MakeData make_data,
      Options options);
  ~ServiceRunner();
  ServiceRunner(const ServiceRunner&) = delete;
  ServiceRunner& operator=(const ServiceRunner&) = delete;

  // Stops the guest and waits for its thread; idempotent.
  void Stop();
  ServiceStatus status() const;

 private:
  ServiceRunner(wasm::Engine& engine, std::shared_ptr<const component::InstancePre> pre,
                MakeData make_data, Options options, std::shared_ptr<wasi::Waker> cancel);
  void Loop();
  // One run from instantiation to exit: Ok for status 0, else what went wrong.
  Status RunOnce();

  wasm::Engine& engine_;
  const std::shared_ptr<const component::InstancePre> pre_;
  const MakeData make_data_;
  const Options options_;
  const std::shared_ptr<wasi::Waker> cancel_;  // wakes a guest waiting in wasi:io/poll
  RestartPolicy policy_;                       // only the runner thread uses it

  mutable Mutex mu_;
  CondVar stopped_cv_;
  bool stopping_ GUARDED_BY(mu_) = false;
  bool done_ GUARDED_BY(mu_) = false;
  wasm::Store* store_ GUARDED_BY(mu_) = nullptr;  // the current run's, for Interrupt
  ServiceStatus status_ GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace wcloud::host
