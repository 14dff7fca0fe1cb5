#include "wasi/poll.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "wasm/engine.h"

namespace wcloud::wasi {

uint64_t MonotonicNowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

namespace {
// Per thread, because each worker thread runs one guest call at a time (PollDeadlineScope).
thread_local std::optional<uint64_t> call_deadline_ns;
thread_local const std::function<void()>* wait_hook = nullptr;
thread_local int cancel_fd = -1;

bool Readable(int fd) {
  pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
  int n;
  do {
    n = poll(&pfd, 1, 0);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}
}  // namespace

PollDeadlineScope::PollDeadlineScope(std::optional<uint64_t> deadline_ns)
    : previous_(call_deadline_ns) {
  call_deadline_ns = deadline_ns;
}

PollDeadlineScope::~PollDeadlineScope() { call_deadline_ns = previous_; }

PollWaitHook::PollWaitHook(std::function<void()> before_wait)
    : before_wait_(std::move(before_wait)), previous_(wait_hook) {
  wait_hook = &before_wait_;
}

PollWaitHook::~PollWaitHook() { wait_hook = previous_; }

PollCancelScope::PollCancelScope(int fd) : previous_(cancel_fd) { cancel_fd = fd; }

PollCancelScope::~PollCancelScope() { cancel_fd = previous_; }

Result<std::vector<uint32_t>> Poll(std::span<Pollable* const> pollables) {
  if (pollables.empty()) {
    return Error("wasi:io/poll.poll: the list of pollables is empty");
  }
  std::vector<pollfd> fds;
  while (true) {
    std::vector<uint32_t> ready;
    for (size_t i = 0; i < pollables.size(); ++i) {
      if (pollables[i]->Ready()) {
        ready.push_back(static_cast<uint32_t>(i));
      }
    }
    if (!ready.empty()) {
      return ready;
    }
    fds.clear();
    std::optional<uint64_t> deadline;
    for (Pollable* pollable : pollables) {
      WaitSource source = pollable->Source();
      if (source.fd >= 0) {
        fds.push_back({.fd = source.fd, .events = source.events, .revents = 0});
      }
      if (source.deadline_ns) {
        deadline = deadline ? std::min(*deadline, *source.deadline_ns) : *source.deadline_ns;
      }
    }
    if (call_deadline_ns) {
      if (MonotonicNowNs() >= *call_deadline_ns) {
        return Error("deadline exceeded while the guest waited in wasi:io/poll",
                     wcloud::ErrorCode::kDeadlineExceeded);
      }
      deadline = deadline ? std::min(*deadline, *call_deadline_ns) : *call_deadline_ns;
    }
    if (fds.empty() && !deadline) {
      return Error("wasi:io/poll: waiting on " + std::to_string(pollables.size()) +
                   " pollable(s) that can never become ready");
    }
    if (cancel_fd >= 0) {
      if (Readable(cancel_fd)) {
        return Error("cancelled while the guest waited in wasi:io/poll",
                     wcloud::ErrorCode::kCancelled);
      }
      fds.push_back({.fd = cancel_fd, .events = POLLIN, .revents = 0});
    }
    if (wait_hook != nullptr) (*wait_hook)();
    timespec timeout{};
    timespec* timeout_ptr = nullptr;
    if (deadline) {
      uint64_t now = MonotonicNowNs();
      uint64_t wait = *deadline > now ? *deadline - now : 0;
      timeout.tv_sec = static_cast<time_t>(wait / 1'000'000'000u);
      timeout.tv_nsec = static_cast<long>(wait % 1'000'000'000u);
      timeout_ptr = &timeout;
    }
    if (ppoll(fds.data(), fds.size(), timeout_ptr, nullptr) < 0 && errno != EINTR) {
      return Error(std::string("wasi:io/poll: ppoll failed: ") + std::strerror(errno));
    }
  }
}

Status Block(Pollable& pollable) {
  Pollable* one[] = {&pollable};
  auto ready = Poll(one);
  if (!ready) {
    return ready.error();
  }
  return Ok();
}

bool FdPollable::Ready() {
  pollfd pfd{.fd = fd_, .events = events_, .revents = 0};
  int n;
  do {
    n = poll(&pfd, 1, 0);
  } while (n < 0 && errno == EINTR);
  // An error on the descriptor counts as ready: the operation will report it without waiting.
  return n != 0;
}

Result<std::shared_ptr<Waker>> Waker::Create() {
  int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    return Error(std::string("eventfd: ") + std::strerror(errno));
  }
  return std::shared_ptr<Waker>(new Waker(fd));
}

Waker::~Waker() { close(fd_); }

void Waker::Notify() {
  uint64_t one = 1;
  // Only EAGAIN (counter saturated) can fail here, and then a wake-up is pending anyway.
  (void)!write(fd_, &one, sizeof one);
}

void Waker::Clear() {
  uint64_t count;
  (void)!read(fd_, &count, sizeof count);
}

}  // namespace wcloud::wasi
