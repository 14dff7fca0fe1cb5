#include "ingress/event_loop.h"

#include <algorithm>
#include <vector>

#include "ingress/connection.h"
#include "util/thread_name.h"

namespace wcloud::ingress {
namespace {

// Fine enough that no timeout overshoots by more than an eighth of itself.
std::chrono::milliseconds TickInterval(const IngressOptions& o) {
  auto shortest = std::min({o.idle_timeout, o.header_timeout, o.request_timeout, o.linger_timeout});
  return std::clamp(shortest / 8, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

}  // namespace

EventLoop::EventLoop(const IngressOptions& options, const Handler& handler,
                     const std::atomic<bool>& draining)
    : options_(options),
      handler_(handler),
      draining_(draining),
      tick_(context_),
      tick_interval_(TickInterval(options)) {}

EventLoop::~EventLoop() { StopThread(); }

void EventLoop::StartThread(int index) {
  work_.emplace(context_.get_executor());
  ScheduleTick();
  thread_ = std::thread([this, index] {
    NameThisThread("wcloud-net-" + std::to_string(index));
    for (;;) {
      // Nothing of ours throws out of a handler; should a library call (bad_alloc), the loop
      // keeps serving its other connections.
      try {
        context_.run();
        return;
      } catch (...) {
      }
    }
  });
}

void EventLoop::StopThread() {
  if (!thread_.joinable()) return;
  work_.reset();
  context_.stop();
  thread_.join();
}

void EventLoop::Adopt(Socket socket) {
  // Even when draining: the server accepted it before Stop closed the listener, and its
  // request may be on the way. Drain, which comes after, decides whether it is idle.
  auto connection = std::make_shared<Connection>(*this, std::move(socket));
  connections_.emplace(connection.get(), connection);
  live_.fetch_add(1, std::memory_order_relaxed);
  connection->Start();
}

void EventLoop::Remove(Connection* connection) {
  if (connections_.erase(connection) > 0) live_.fetch_sub(1, std::memory_order_relaxed);
}

void EventLoop::Drain() {
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [raw, connection] : connections_) all.push_back(connection);
  for (auto& connection : all) connection->BeginDrain();
}

void EventLoop::CloseAll() {
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [raw, connection] : connections_) all.push_back(connection);
  for (auto& connection : all) connection->ForceClose();
}

void EventLoop::ScheduleTick() {
  tick_.expires_after(tick_interval_);
  tick_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    Tick();
    ScheduleTick();
  });
}

void EventLoop::Tick() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = connections_.begin(); it != connections_.end();) {
    // Copied first: OnDeadline may close the connection, erasing this entry.
    std::shared_ptr<Connection> connection = it->second;
    ++it;
    if (connection->deadline() <= now) connection->OnDeadline();
  }
}

}  // namespace wcloud::ingress
