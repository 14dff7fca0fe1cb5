// Which waiting guest job runs next, and whether one may wait at all: the admission and order
// the worker pool applies. Bookkeeping only; the caller holds its lock around every call.
//
// Why: a guest cannot be preempted; a slow or spinning one holds its worker until its deadline
// (30 s by default). With one FIFO over all requests, a tenant whose guests spin at full load
// takes every worker and everyone else waits for those deadlines. So:
//  - Jobs wait in a queue per gate (one served component), and gates belong to a flow (one
//    workload). Pop takes turns round-robin over the flows with jobs waiting, and within a flow
//    over its gates: a workload with a thousand requests queued delays another's one request by
//    one turn, not a thousand.
//  - A job starts only while its gate runs fewer than its max_concurrency (the component's
//    maxConcurrency; 0: no limit) and its flow runs fewer than its share of the slots (workers):
//    with a single flow, all of them; with several, (slots - 1) / busy flows and at least 1, a
//    busy flow being one with jobs waiting or running. The slot held back answers a workload
//    with nothing running while another keeps every other slot in spinning guests; the shares
//    shrink as more workloads get busy, so busy workloads split the rest evenly (a flow already
//    over its share when another gets busy keeps what runs; it starts nothing more until below).
//  - A flow's waiting jobs are bounded (max_queued): past it Push refuses, and the caller sheds
//    the request (503 with Retry-After), as wasmCloud's and Envoy's overload handling do.
// A Pop that finds a flow or gate at its limit skips it, so a Pop costs up to the number of
// flows and gates with jobs waiting (a handful on a real host).
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wcloud::host {

enum class Admission {
  kQueued,
  kQueueFull,    // the flow has max_queued jobs waiting
  kUnknownGate,  // never added, or removed (a workload stopped)
  kStopping,     // (WorkerPool) no more jobs are taken
};

template <typename Job>
class FairQueue {
  struct Gate;

 public:
  struct Options {
    int slots = 1;             // workers
    size_t max_queued = 1024;  // waiting jobs per flow
  };
  // What Pop hands out; give it back to Done when the job has run.
  class Ticket {
   private:
    friend class FairQueue;
    explicit Ticket(Gate* gate) : gate_(gate) {}
    Gate* gate_;
  };
  struct Started {
    Job job;
    Ticket ticket;
  };

  explicit FairQueue(Options options) : options_(options) {}
  FairQueue(const FairQueue&) = delete;
  FairQueue& operator=(const FairQueue&) = delete;

  // Registers gate `id` (unique for the process) in flow `flow`, made on its first gate.
  void AddGate(uint64_t id, std::string_view flow, uint32_t max_concurrency) {
    auto f = flows_.find(flow);
    if (f == flows_.end()) {
      f = flows_.emplace(std::string(flow), std::make_unique<Flow>()).first;
      f->second->key = std::string(flow);
    }
    auto gate = std::make_unique<Gate>();
    gate->id = id;
    gate->flow = f->second.get();
    gate->max_concurrency = max_concurrency;
    ++gate->flow->gates;
    const bool added = gates_.emplace(id, std::move(gate)).second;
    assert(added && "gate ids are never reused");
    (void)added;
  }
  // Takes no more jobs for `id`; those waiting or running still finish, then it goes.
  void RemoveGate(uint64_t id) {
    auto it = gates_.find(id);
    if (it == gates_.end() || it->second->removed) return;
    it->second->removed = true;
    EraseIfDone(*it->second);
  }

  // Queues `job` behind gate `id`; moves from `job` only when the answer is kQueued.
  Admission Push(uint64_t id, Job& job) {
    auto it = gates_.find(id);
    if (it == gates_.end() || it->second->removed) return Admission::kUnknownGate;
    Gate& gate = *it->second;
    Flow& flow = *gate.flow;
    if (flow.waiting >= options_.max_queued) return Admission::kQueueFull;
    if (!Busy(flow)) ++busy_;
    gate.waiting.push_back(std::move(job));
    ++flow.waiting;
    ++waiting_;
    if (!gate.in_ring) {
      gate.in_ring = true;
      flow.ring.push_back(&gate);
    }
    if (!flow.in_ring) {
      flow.in_ring = true;
      ring_.push_back(&flow);
    }
    return Admission::kQueued;
  }

  // The next job allowed to start, counted as running until Done; nothing when none waits or
  // every waiting one is held back by a limit.
  std::optional<Started> Pop() {
    for (size_t turns = ring_.size(); turns > 0; --turns) {
      Flow* flow = ring_.front();
      ring_.pop_front();
      Gate* gate = flow->running < Share() ? NextGate(*flow) : nullptr;
      if (gate == nullptr) {
        ring_.push_back(flow);  // held back: it keeps its place in the turns
        continue;
      }
      Started started{std::move(gate->waiting.front()), Ticket(gate)};
      gate->waiting.pop_front();
      --flow->waiting;
      --waiting_;
      ++gate->running;
      ++flow->running;
      if (flow->waiting > 0) {
        ring_.push_back(flow);
      } else {
        flow->in_ring = false;
      }
      return started;
    }
    return std::nullopt;
  }

  // The job `ticket` started has finished.
  void Done(Ticket ticket) {
    Gate& gate = *ticket.gate_;
    --gate.running;
    --gate.flow->running;
    if (!Busy(*gate.flow)) --busy_;
    EraseIfDone(gate);
  }

  size_t waiting() const { return waiting_; }
  size_t flows() const { return flows_.size(); }
  // The most jobs one flow may run at once now.
  uint32_t Share() const {
    const auto slots = static_cast<uint32_t>(std::max(1, options_.slots));
    if (flows_.size() <= 1) return slots;
    return std::max<uint32_t>(1, (slots - 1) / static_cast<uint32_t>(std::max<size_t>(1, busy_)));
  }

 private:
  struct Flow {
    std::string key;
    size_t gates = 0;  // added and not yet gone
    size_t waiting = 0;
    uint32_t running = 0;
    std::deque<Gate*> ring;  // gates with jobs waiting, in turn order
    bool in_ring = false;
  };
  struct Gate {
    uint64_t id = 0;
    Flow* flow = nullptr;
    uint32_t max_concurrency = 0;
    uint32_t running = 0;
    std::deque<Job> waiting;
    bool in_ring = false;
    bool removed = false;
  };

  static bool Busy(const Flow& flow) { return flow.waiting > 0 || flow.running > 0; }

  // The flow's next gate in turn that may start a job; it leaves the ring once it has none.
  static Gate* NextGate(Flow& flow) {
    for (size_t turns = flow.ring.size(); turns > 0; --turns) {
      Gate* gate = flow.ring.front();
      flow.ring.pop_front();
      if (gate->max_concurrency > 0 && gate->running >= gate->max_concurrency) {
        flow.ring.push_back(gate);
        continue;
      }
      if (gate->waiting.size() > 1) {
        flow.ring.push_back(gate);
      } else {
        gate->in_ring = false;
      }
      return gate;
    }
    return nullptr;
  }

  // A removed gate goes once nothing of it waits or runs; its flow with its last gate.
  void EraseIfDone(Gate& gate) {
    if (!gate.removed || gate.running > 0 || !gate.waiting.empty()) return;
    Flow* flow = gate.flow;
    const uint64_t id = gate.id;  // a copy: the node goes
    gates_.erase(id);
    if (--flow->gates == 0) flows_.erase(std::string(flow->key));  // a copy: the node goes
  }

  Options options_;
  std::map<std::string, std::unique_ptr<Flow>, std::less<>> flows_;
  std::unordered_map<uint64_t, std::unique_ptr<Gate>> gates_;
  std::deque<Flow*> ring_;  // flows with jobs waiting, in turn order
  size_t busy_ = 0;         // flows with jobs waiting or running
  size_t waiting_ = 0;
};

}  // namespace wcloud::host
