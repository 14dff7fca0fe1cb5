#include "ingress/ingress_server.h"

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <thread>
#include <vector>

#include "ingress/event_loop.h"

namespace wcloud::ingress {

namespace asio = boost::asio;
using Acceptor = asio::basic_socket_acceptor<asio::ip::tcp, asio::io_context::executor_type>;

class IngressServer::Impl {
 public:
  Impl(Options options, Handler handler)
      : options_(std::move(options)), handler_(std::move(handler)) {
    int threads = options_.threads > 0 ? options_.threads
                                       : static_cast<int>(std::thread::hardware_concurrency());
    for (int i = 0; i < std::max(threads, 1); ++i) {
      loops_.push_back(std::make_unique<EventLoop>(options_, handler_, draining_));
    }
    acceptor_.emplace(loops_[0]->context());
    retry_.emplace(loops_[0]->context());
  }

  ~Impl() { Stop(std::chrono::milliseconds(0)); }

  Status Listen() {
    std::string where = options_.host + ":" + std::to_string(options_.port);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return Error("ingress listen address \"" + options_.host + "\": not an IP address");
    asio::ip::tcp::endpoint endpoint(address, options_.port);
    if (acceptor_->open(endpoint.protocol(), ec) ||
        acceptor_->set_option(asio::socket_base::reuse_address(true), ec) ||
        acceptor_->bind(endpoint, ec) || acceptor_->listen(options_.backlog, ec)) {
      return Error("ingress listen " + where + ": " + ec.message());
    }
    port_ = acceptor_->local_endpoint(ec).port();
    for (size_t i = 0; i < loops_.size(); ++i) loops_[i]->StartThread(static_cast<int>(i));
    asio::post(loops_[0]->context(), [this] { Accept(); });
    return Ok();
  }

  uint16_t port() const { return port_; }

  void Stop(std::chrono::milliseconds drain) {
    if (stopped_ || !listening()) {
      stopped_ = true;
      return;
    }
    stopped_ = true;
    // Before any loop drains, so that every response started from now on says Connection:
    // close, whichever loop its connection is on and whether or not that loop has drained yet.
    draining_.store(true);
    RunOn(*loops_[0], [this] { CloseAcceptor(); });
    // Each loop's hand-overs were posted before its Drain: no connection is adopted after it.
    for (auto& loop : loops_) RunOn(*loop, [&loop] { loop->Drain(); });
    auto deadline = std::chrono::steady_clock::now() + drain;
    while (std::chrono::steady_clock::now() < deadline && Live() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (auto& loop : loops_) RunOn(*loop, [&loop] { loop->CloseAll(); });
    for (auto& loop : loops_) loop->StopThread();
  }

 private:
  bool listening() const { return port_ != 0; }

  size_t Live() const {
    size_t n = 0;
    for (const auto& loop : loops_) n += loop->live();
    return n;
  }

  // Runs `f` on the loop's thread and waits for it.
  template <typename F>
  static void RunOn(EventLoop& loop, F f) {
    std::promise<void> done;
    asio::post(loop.context(), [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  EventLoop* NextLoop() {
    EventLoop* loop = loops_[next_loop_].get();
    next_loop_ = (next_loop_ + 1) % loops_.size();
    return loop;
  }

  // On loop 0. The connection is served whatever happens to the acceptor afterwards.
  void HandOver(EventLoop* target, Socket socket) {
    if (target == loops_[0].get()) return target->Adopt(std::move(socket));
    asio::post(target->context(),
               [target, s = std::move(socket)]() mutable { target->Adopt(std::move(s)); });
  }

  // On loop 0. A client whose connect() returned may already have sent its request while its
  // connection waits in the listen backlog; closing the listener would reset it unanswered, so
  // what the backlog holds is accepted first.
  void CloseAcceptor() {
    boost::system::error_code ec;
    acceptor_->non_blocking(true, ec);
    while (!ec) {
      EventLoop* target = NextLoop();
      Socket socket(target->context());
      acceptor_->accept(socket, ec);
      if (!ec) HandOver(target, std::move(socket));
    }
    acceptor_->close(ec);
    retry_->cancel();
  }

  void Accept() {
    EventLoop* target = NextLoop();
    acceptor_->async_accept(
        target->context(), [this, target](const boost::system::error_code& ec, Socket socket) {
          if (ec == asio::error::operation_aborted) return;
          // Accepted before CloseAcceptor ran, even if its completion comes after: answer it.
          if (!ec) HandOver(target, std::move(socket));
          if (!acceptor_->is_open()) return;
          if (ec) {
            // Out of descriptors or memory: back off instead of spinning on the backlog.
            retry_->expires_after(std::chrono::milliseconds(50));
            retry_->async_wait([this](const boost::system::error_code& wait_ec) {
              if (!wait_ec) Accept();
            });
            return;
          }
          Accept();
        });
  }

  const Options options_;
  const Handler handler_;
  // Set once by Stop; read by the loops and by handlers' threads (ExchangeState::Start).
  std::atomic<bool> draining_{false};
  // Loops before the acceptor: the acceptor and retry timer belong to loop 0's context and
  // must be destroyed first.
  std::vector<std::unique_ptr<EventLoop>> loops_;
  std::optional<Acceptor> acceptor_;
  std::optional<asio::steady_timer> retry_;
  size_t next_loop_ = 0;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

Result<std::unique_ptr<IngressServer>> IngressServer::Start(Options options, Handler handler) {
  if (!handler) return Error("ingress: no handler");
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
  WCLOUD_TRY_STATUS(impl->Listen());
  return std::unique_ptr<IngressServer>(new IngressServer(std::move(impl)));
}

IngressServer::IngressServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IngressServer::~IngressServer() = default;

uint16_t IngressServer::port() const { return impl_->port(); }

void IngressServer::Stop(std::chrono::milliseconds drain) { impl_->Stop(drain); }

}  // namespace wcloud::ingress
