// One event-loop thread of the ingress server: its own io_context, the connections it owns, and
// a coarse tick that enforces their timeouts. A sweep over plain deadlines every few
// milliseconds costs less than re-arming an Asio timer (a timerfd syscall) on every request.
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <optional>
#include <thread>
#include <unordered_map>

#include "ingress/http_date.h"
#include "ingress/ingress_server.h"

namespace wcloud::ingress {

using Socket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

class Connection;

class EventLoop {
 public:
  // `draining` is the server's: set once when Stop begins, before any loop's Drain.
  EventLoop(const IngressOptions& options, const Handler& handler,
            const std::atomic<bool>& draining);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  boost::asio::io_context& context() { return context_; }
  const IngressOptions& options() const { return options_; }
  const Handler& handler() const { return handler_; }
  HttpDate& date() { return date_; }
  // Connections open on this loop; read from any thread.
  size_t live() const { return live_.load(std::memory_order_relaxed); }
  // Read from any thread.
  bool draining() const { return draining_.load(); }
  const std::atomic<bool>& draining_flag() const { return draining_; }

  // `index` names the thread ("wcloud-net-N").
  void StartThread(int index);
  // Stops the io_context and joins the thread; pending handlers die with the loop.
  void StopThread();

  // ---- On this loop's thread.
  void Adopt(Socket socket);
  void Remove(Connection* connection);
  // Once draining: closes idle connections; busy ones close after their exchange.
  void Drain();
  void CloseAll();

 private:
  void ScheduleTick();
  void Tick();

  const IngressOptions& options_;
  const Handler& handler_;
  const std::atomic<bool>& draining_;
  // Declared first so it is destroyed last: pending handlers own connections and their sockets.
  boost::asio::io_context context_{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::steady_timer tick_;
  std::chrono::milliseconds tick_interval_;
  // Owns each open connection: a connection whose exchange sits with a handler on another thread
  // has no pending operation to keep it alive.
  std::unordered_map<Connection*, std::shared_ptr<Connection>> connections_;
  std::atomic<size_t> live_{0};
  HttpDate date_;
  std::thread thread_;
};

}  // namespace wcloud::ingress
