// Readiness that a guest can wait on (wasi:io/poll's pollable). WASI streams, timers and, later,
// HTTP bodies and sockets all implement Pollable, and one Poll() waits over any mix of them: each
// pollable names what would wake it (a file descriptor, a deadline), so Poll() can hand all of
// them to one poll(2) call.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "util/result.h"

namespace wcloud::wasi {

// What a not-yet-ready pollable waits on. Poll() re-checks Ready() after any wake-up, so a source
// may wake spuriously (a readable fd that another reader drained, a coarse deadline).
struct WaitSource {
  int fd = -1;  // poll(2) on it for `events`; -1: none
  short events = 0;
  std::optional<uint64_t> deadline_ns;  // CLOCK_MONOTONIC nanoseconds
};

class Pollable {
 public:
  virtual ~Pollable() = default;
  // Non-blocking: whether the operation the pollable stands for would make progress now.
  virtual bool Ready() = 0;
  // Asked only after Ready() returned false.
  virtual WaitSource Source() = 0;
};

// Now on CLOCK_MONOTONIC, in nanoseconds (wasi:clocks/monotonic-clock's instant).
uint64_t MonotonicNowNs();

// Waits until at least one pollable is ready and returns the indices of all ready ones, in order.
// An empty list, or a wait that nothing could ever end (no pollable has a source), is an Error:
// the guest would hang forever.
Result<std::vector<uint32_t>> Poll(std::span<Pollable* const> pollables);

// Poll() over one pollable.
Status Block(Pollable& pollable);

// While alive, every wait of Poll()/Block() on this thread ends at `deadline_ns` (monotonic) with
// an Error coded ErrorCode::kDeadlineExceeded: the engine's deadline stops guest code, not a host
// function sleeping in ppoll on the guest's behalf. The worker running a request sets it around
// the guest call; scopes nest, the innermost wins.
class PollDeadlineScope {
 public:
  explicit PollDeadlineScope(std::optional<uint64_t> deadline_ns);
  ~PollDeadlineScope();
  PollDeadlineScope(const PollDeadlineScope&) = delete;
  PollDeadlineScope& operator=(const PollDeadlineScope&) = delete;

 private:
  std::optional<uint64_t> previous_;
};

// While alive, Poll()/Block() on this thread call `before_wait` whenever they are about to block:
// the worker running a request sends what the guest's response holds so far before the guest
// sleeps on a timer or another stream. Hooks nest, the innermost wins.
class PollWaitHook {
 public:
  explicit PollWaitHook(std::function<void()> before_wait);
  ~PollWaitHook();
  PollWaitHook(const PollWaitHook&) = delete;
  PollWaitHook& operator=(const PollWaitHook&) = delete;

 private:
  std::function<void()> before_wait_;
  const std::function<void()>* previous_;
};

// While alive, every wait of Poll()/Block() on this thread also ends, with an Error coded
// ErrorCode::kCancelled, once `fd` is readable (a Waker another thread notifies): a long-running
// guest (a workload's service) sleeping on a timer or a stream is stopped by the host's Stop,
// which an engine interrupt alone would leave waiting in ppoll. Scopes nest, the innermost wins.
class PollCancelScope {
 public:
  explicit PollCancelScope(int fd);
  ~PollCancelScope();
  PollCancelScope(const PollCancelScope&) = delete;
  PollCancelScope& operator=(const PollCancelScope&) = delete;

 private:
  int previous_;
};

// Always ready: for streams whose operations never wait (memory, regular files).
class ReadyPollable : public Pollable {
 public:
  bool Ready() override { return true; }
  WaitSource Source() override { return {}; }
};

// Ready once CLOCK_MONOTONIC reaches the deadline.
class TimerPollable : public Pollable {
 public:
  explicit TimerPollable(uint64_t deadline_ns) : deadline_ns_(deadline_ns) {}
  bool Ready() override { return MonotonicNowNs() >= deadline_ns_; }
  WaitSource Source() override { return {-1, 0, deadline_ns_}; }

 private:
  uint64_t deadline_ns_;
};

// Ready when poll(2) reports `events` (or an error/hang-up) on a descriptor it does not own.
class FdPollable : public Pollable {
 public:
  FdPollable(int fd, short events) : fd_(fd), events_(events) {}
  bool Ready() override;
  WaitSource Source() override { return {fd_, events_, std::nullopt}; }

 private:
  int fd_;
  short events_;
};

// A cross-thread wake-up (an eventfd): a producer on another thread (an HTTP body filled by the
// server, say) calls Notify(), and a pollable waiting on the same state returns fd() as its
// source. Clear() consumes pending notifications.
class Waker {
 public:
  static Result<std::shared_ptr<Waker>> Create();
  ~Waker();
  Waker(const Waker&) = delete;
  Waker& operator=(const Waker&) = delete;

  void Notify();
  void Clear();
  int fd() const { return fd_; }

 private:
  explicit Waker(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace wcloud::wasi
