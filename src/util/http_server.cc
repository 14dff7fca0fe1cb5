#include "util/http_server.h"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <deque>
#include <set>
#include <thread>

#include "util/mutex.h"

namespace wcloud {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

// Lets the server close every live session on Stop without owning them.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void Shutdown() = 0;
};

struct SessionRegistry {
  Mutex mu;
  std::set<std::weak_ptr<SessionBase>, std::owner_less<std::weak_ptr<SessionBase>>> sessions
      GUARDED_BY(mu);
};

bool ParseTarget(const std::string& target, HttpRequest& req) {
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) return false;
  req.path = parsed->path();
  for (auto param : parsed->params()) req.query[param.key] = param.value;
  return true;
}

template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, const HttpServer::Options& options, const HttpHandler& handler,
          std::string remote)
      : stream_(std::move(stream)),
        options_(options),
        handler_(handler),
        remote_(std::move(remote)) {}

  void Begin() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (!ec) self->Read();
                              });
    } else {
      Read();
    }
  }

  void Shutdown() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Close(); });
  }

  // Called on the session's strand by StreamWriter.
  void QueueChunk(std::string chunk) {
    if (!streaming_) return;
    chunks_.push_back(std::move(chunk));
    if (!writing_) WriteNextChunk();
  }
  void QueueEnd() {
    if (!streaming_ || end_queued_) return;
    end_queued_ = true;
    if (!writing_) WriteNextChunk();
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  class StreamWriter : public ResponseStream {
   public:
    StreamWriter(std::shared_ptr<Session> session, size_t max_pending)
        : session_(std::move(session)), max_pending_(max_pending) {}
    bool Write(std::string chunk) override {
      auto session = session_.lock();
      if (!session || closed_) return false;
      if (pending_.fetch_add(chunk.size()) + chunk.size() > max_pending_) {
        // The client stopped reading: end the stream rather than hold without bound.
        closed_ = true;
        net::post(session->executor(), [session] { session->Close(); });
        return false;
      }
      net::post(session->executor(),
                [session, c = std::move(chunk)]() mutable { session->QueueChunk(std::move(c)); });
      return true;
    }
    void Close() override {
      if (closed_.exchange(true)) return;
      if (auto session = session_.lock()) {
        net::post(session->executor(), [session] { session->QueueEnd(); });
      }
    }
    bool closed() const override { return closed_ || session_.expired(); }
    size_t pending_bytes() const override { return pending_; }
    void SetListener(std::function<void()> listener) override {
      MutexLock lock(mu_);
      listener_ = std::move(listener);
    }

    // On the session's strand: `n` queued bytes went out.
    void Sent(size_t n) {
      pending_ -= n;
      Notify();
    }
    // On the session's strand: the stream ended.
    void MarkClosed() {
      closed_ = true;
      Notify();
    }

   private:
    void Notify() {
      std::function<void()> listener;
      {
        MutexLock lock(mu_);
        listener = listener_;
      }
      if (listener) listener();
    }

    std::weak_ptr<Session> session_;
    const size_t max_pending_;
    std::atomic<bool> closed_{false};
    std::atomic<size_t> pending_{0};
    Mutex mu_;
    std::function<void()> listener_ GUARDED_BY(mu_);
  };

  void Read() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    parser_->body_limit(options_.max_body_bytes);
    buffer_.max_size(options_.max_header_bytes + options_.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(
        std::chrono::seconds(options_.idle_timeout_seconds));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == net::error::eof) return Close();
    if (ec) {
      // Malformed or oversized requests get a 4xx before the connection closes.
      if (ec == http::error::header_limit) return Reject(431, "request header too large");
      if (ec == http::error::body_limit) {
        return Reject(
            413, "Request entity too large: limit is " + std::to_string(options_.max_body_bytes));
      }
      if (ec.category() == http::make_error_code(http::error::bad_method).category())
        return Reject(400, ec.message());
      return Close();
    }
    auto msg = parser_->release();
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.remote = remote_;
    for (const auto& field : msg) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      req.headers[name] = std::string(field.value());
    }
    req.body = std::move(msg.body());
    keep_alive_ = msg.keep_alive();
    version_ = msg.version();
    if (!ParseTarget(req.target, req)) return Reject(400, "malformed request target");

    HttpResponse response;
    try {
      response = handler_(req);
    } catch (const std::exception& e) {
      // A handler bug must not take the server down.
      response = HttpResponse::Text(500, std::string("internal error: ") + e.what() + "\n");
    }
    if (response.stream) return StartStream(std::move(response));
    Send(std::move(response));
  }

  void Reject(int status, const std::string& why) {
    keep_alive_ = false;
    linger_ = true;
    version_ = 11;
    Send(HttpResponse::Text(status, why + "\n"));
  }

  // After refusing a request whose body is still arriving: read and drop what the client sends
  // for a while before closing, so it gets to read the answer instead of a reset.
  void Linger(std::shared_ptr<std::array<char, 16384>> scratch = nullptr, size_t dropped = 0) {
    constexpr size_t kMaxLingerBytes = 16 << 20;
    if (!scratch) {
      scratch = std::make_shared<std::array<char, 16384>>();
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    }
    stream_.async_read_some(net::buffer(*scratch), [self = this->shared_from_this(), scratch,
                                                    dropped](beast::error_code ec, size_t n) {
      if (ec || dropped + n > kMaxLingerBytes) return self->Close();
      self->Linger(scratch, dropped + n);
    });
  }

  void Send(HttpResponse response) {
    auto res = std::make_shared<http::response<http::string_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(response.status));
    for (auto& [k, v] : response.headers) res->set(k, v);
    res->body() = std::move(response.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res](beast::error_code ec, size_t) {
                        if (!ec && !self->keep_alive_ && self->linger_) return self->Linger();
                        if (ec || !self->keep_alive_) return self->Close();
                        self->Read();
                      });
  }

  void StartStream(HttpResponse response) {
    auto res = std::make_shared<http::response<http::empty_body>>();
    res->version(version_);
    res->result(static_cast<unsigned>(response.status));
    for (auto& [k, v] : response.headers) res->set(k, v);
    // The connection is read while the stream is open, to notice a client that leaves; what it
    // reads then is not a request, so the connection closes with the stream.
    keep_alive_ = false;
    res->keep_alive(false);
    res->chunked(true);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    streaming_ = true;
    end_queued_ = false;
    keep_self_ = this->shared_from_this();  // nothing else holds us while waiting for chunks
    writer_ =
        std::make_shared<StreamWriter>(this->shared_from_this(), options_.max_stream_buffer_bytes);
    // A stream lasts as long as the handler keeps it open; timeouts are the handler's.
    beast::get_lowest_layer(stream_).expires_never();
    writing_ = true;
    http::async_write_header(stream_, *serializer,
                             [self = this->shared_from_this(), res, serializer,
                              on_open = std::move(response.stream)](beast::error_code ec, size_t) {
                               self->writing_ = false;
                               if (ec) return self->EndStream();
                               on_open(self->writer_);
                               if (!self->chunks_.empty() || self->end_queued_)
                                 self->WriteNextChunk();
                             });
    WatchForDeparture();
  }

  // Reads (and drops) whatever the client sends while the stream is open; the read ends with an
  // error when the client closes or resets the connection, and so does the stream.
  void WatchForDeparture() {
    auto scratch = std::make_shared<std::array<char, 512>>();
    stream_.async_read_some(net::buffer(*scratch), [self = this->shared_from_this(), scratch](
                                                       beast::error_code ec, size_t) {
      if (self->closed_ || !self->streaming_) return;
      if (ec) return self->Close();
      self->WatchForDeparture();
    });
  }

  void WriteNextChunk() {
    if (chunks_.empty()) {
      if (!end_queued_) return;
      writing_ = true;
      net::async_write(stream_, http::make_chunk_last(),
                       [self = this->shared_from_this()](beast::error_code, size_t) {
                         self->writing_ = false;
                         self->EndStream();
                       });
      return;
    }
    auto data = std::make_shared<std::string>(std::move(chunks_.front()));
    chunks_.pop_front();
    writing_ = true;
    net::async_write(stream_, http::make_chunk(net::buffer(*data)),
                     [self = this->shared_from_this(), data](beast::error_code ec, size_t) {
                       self->writing_ = false;
                       if (self->writer_) self->writer_->Sent(data->size());
                       if (ec) return self->EndStream();
                       self->WriteNextChunk();
                     });
  }

  void EndStream() {
    streaming_ = false;
    chunks_.clear();
    if (writer_) writer_->MarkClosed();
    writer_.reset();
    auto self = std::move(keep_self_);
    Close();
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    streaming_ = false;
    chunks_.clear();
    if (writer_) writer_->MarkClosed();
    writer_.reset();
    keep_self_.reset();
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  const HttpServer::Options& options_;
  const HttpHandler& handler_;
  std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keep_alive_ = false;
  bool linger_ = false;  // refused mid-request: drain before closing
  unsigned version_ = 11;
  bool closed_ = false;
  bool streaming_ = false;
  bool writing_ = false;
  bool end_queued_ = false;
  std::deque<std::string> chunks_;
  std::shared_ptr<StreamWriter> writer_;
  std::shared_ptr<Session> keep_self_;
};

class BeastHttpServer : public HttpServer {
 public:
  BeastHttpServer(Options options, HttpHandler handler)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        work_(net::make_work_guard(ioc_)),
        acceptor_(ioc_),
        retry_(ioc_) {}

  ~BeastHttpServer() override { Stop(); }

  Status Listen() {
    std::string host = options_.listen;
    std::string port = "0";
    if (auto colon = host.rfind(':'); colon != std::string::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
    if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
    beast::error_code ec;
    auto address = net::ip::make_address(host.empty() ? "0.0.0.0" : host, ec);
    if (ec) return Error("listen " + options_.listen + ": not an IP address");
    int port_number = 0;
    try {
      port_number = std::stoi(port);
    } catch (...) {
      return Error("listen " + options_.listen + ": bad port");
    }
    if (port_number < 0 || port_number > 65535) {
      return Error("listen " + options_.listen + ": bad port");
    }
    tcp::endpoint endpoint(address, static_cast<uint16_t>(port_number));
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) return Error("listen " + options_.listen + ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();

    if (options_.tls) {
      ssl_ = std::make_unique<ssl::context>(ssl::context::tls_server);
      ssl_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      ssl_->use_certificate_chain(net::buffer(options_.tls->certificate_pem), ec);
      if (!ec)
        ssl_->use_private_key(net::buffer(options_.tls->private_key_pem), ssl::context::pem, ec);
      if (ec) return Error("listen " + options_.listen + ": TLS certificate: " + ec.message());
    }
    Accept();
    for (int i = 0; i < std::max(1, options_.threads); ++i) {
      threads_.emplace_back([this] { ioc_.run(); });
    }
    return Ok();
  }

  uint16_t port() const override { return port_; }

  void Stop() override {
    if (stopped_.exchange(true)) return;
    net::post(ioc_, [this] {
      beast::error_code ignored;
      acceptor_.close(ignored);
      retry_.cancel();
    });
    {
      MutexLock lock(registry_.mu);
      for (auto& weak : registry_.sessions) {
        if (auto s = weak.lock()) s->Shutdown();
      }
    }
    // Give sessions a moment to close cleanly, then stop whatever is left.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (std::chrono::steady_clock::now() < deadline && LiveSessions() > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    work_.reset();
    ioc_.stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  size_t LiveSessions() {
    MutexLock lock(registry_.mu);
    for (auto it = registry_.sessions.begin(); it != registry_.sessions.end();) {
      it = it->expired() ? registry_.sessions.erase(it) : std::next(it);
    }
    return registry_.sessions.size();
  }

  void Accept() {
    acceptor_.async_accept(net::make_strand(ioc_), [this](beast::error_code ec,
                                                          tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || stopped_) return;
        if (ec == net::error::no_descriptors || ec == net::error::no_memory ||
            ec == net::error::no_buffer_space) {
          // Out of descriptors: accepting again at once would spin until one is freed.
          retry_.expires_after(std::chrono::milliseconds(100));
          return retry_.async_wait([this](beast::error_code wait) {
            if (!wait && !stopped_) Accept();
          });
        }
        return Accept();
      }
      beast::error_code ignored;
      auto endpoint = socket.remote_endpoint(ignored);
      std::string remote = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
      // Registered before it starts, so a Stop racing with its first request still sees it.
      std::shared_ptr<SessionBase> session;
      std::function<void()> begin;
      if (ssl_) {
        auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
            beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *ssl_),
            options_, handler_, remote);
        begin = [s] { s->Begin(); };
        session = s;
      } else {
        auto s = std::make_shared<Session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                              options_, handler_, remote);
        begin = [s] { s->Begin(); };
        session = s;
      }
      {
        MutexLock lock(registry_.mu);
        if (++accepted_ % 256 == 0) {
          std::erase_if(registry_.sessions, [](const auto& w) { return w.expired(); });
        }
        registry_.sessions.insert(session);
      }
      if (stopped_) {
        session->Shutdown();
      } else {
        begin();
      }
      Accept();
    });
  }

  Options options_;
  HttpHandler handler_;
  net::io_context ioc_;
  // Keeps the threads running while sessions idle between stream chunks and during Stop, when
  // the acceptor is already closed but sessions still have to run their Close.
  net::executor_work_guard<net::io_context::executor_type> work_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;  // for Accept after running out of descriptors
  std::unique_ptr<ssl::context> ssl_;
  std::vector<std::thread> threads_;
  SessionRegistry registry_;
  uint16_t port_ = 0;
  uint64_t accepted_ GUARDED_BY(registry_.mu) = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace

Result<std::unique_ptr<HttpServer>> HttpServer::Start(Options options, HttpHandler handler) {
  auto server = std::make_unique<BeastHttpServer>(std::move(options), std::move(handler));
  WCLOUD_TRY_STATUS(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace wcloud
