#include "ingress/connection.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <cstring>
#include <exception>

namespace wcloud::ingress {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

constexpr size_t kReadBufferBytes = 16 << 10;
constexpr size_t kMinReadBytes = 4 << 10;

int StatusFor(const boost::system::error_code& ec) {
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::body_limit) return 413;
  return 400;
}

std::string TextFor(int status, const boost::system::error_code& ec) {
  switch (status) {
    case 431:
      return "request header fields too large\n";
    case 413:
      return "request body too large\n";
    default:
      return "bad request: " + ec.message() + "\n";
  }
}

// RFC 3986 host (reg-name, IPv4, IP-literal) and port characters: what routing may rely on.
bool IsAuthority(std::string_view s) {
  for (unsigned char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::strchr("-._~:[]%!$&'()*+,;=", c) != nullptr;
    if (!ok || c == '\0') return false;
  }
  return true;
}

std::string Millis(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

Connection::Connection(EventLoop& loop, Socket socket)
    : loop_(loop),
      options_(loop.options()),
      socket_(std::move(socket)),
      read_buffer_(kReadBufferBytes) {
  boost::system::error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) {
    auto address = endpoint.address();
    remote_ = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
    remote_ += ":" + std::to_string(endpoint.port());
  }
}

Connection::~Connection() {
  if (state_) state_->Detach();
}

void Connection::Start() {
  boost::system::error_code ec;
  // Responses are written whole; Nagle would only hold back the last segment.
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  deadline_ = Clock::now() + options_.idle_timeout;
  MaybeRead();
}

void Connection::Wake() {
  asio::post(loop_.context(), [self = shared_from_this()] { self->Pump(); });
}

void Connection::OnBody(std::string_view bytes) {
  if (phase_ == Phase::kDiscard) return;
  if (state_->AppendBody(bytes)) paused_ = true;
}

void Connection::BeginRequest() {
  if (!state_) {
    state_ =
        std::make_shared<ExchangeState>(options_.body_buffer_bytes, options_.response_buffer_bytes,
                                        &loop_.date(), &loop_.draining_flag());
  }
  state_->Reset(this);
  trailers_.Clear();
  parser_.emplace(state_->request(), trailers_, *this, options_.max_header_bytes,
                  options_.max_body_bytes);
  phase_ = Phase::kHead;
  head_bytes_ = 0;
  deadline_ = Clock::now() + options_.header_timeout;
}

void Connection::ProcessInput() {
  for (;;) {
    switch (phase_) {
      case Phase::kIdle:
      case Phase::kHead: {
        if (read_begin_ == read_end_) return;
        if (phase_ == Phase::kIdle) BeginRequest();
        boost::system::error_code ec;
        size_t n = parser_->put(
            asio::const_buffer(read_buffer_.data() + read_begin_, read_end_ - read_begin_), ec);
        read_begin_ += n;
        head_bytes_ += n;
        if (ec == http::error::need_more) {
          if (head_bytes_ + (read_end_ - read_begin_) > options_.max_header_bytes) {
            Reject(
                431, "request header fields too large\n",
                "request head larger than " + std::to_string(options_.max_header_bytes) + " bytes");
          }
          return;
        }
        if (ec) {
          int status = StatusFor(ec);
          Reject(status, TextFor(status, ec), "request head: " + ec.message());
          return;
        }
        if (parser_->is_header_done()) OnHead();
        continue;
      }
      case Phase::kExchange:
      case Phase::kDiscard: {
        if (parse_failed_ || parser_->is_done()) return;
        if (paused_ && phase_ == Phase::kExchange) return;
        if (read_begin_ == read_end_) return;
        boost::system::error_code ec;
        size_t n = parser_->put(
            asio::const_buffer(read_buffer_.data() + read_begin_, read_end_ - read_begin_), ec);
        read_begin_ += n;
        if (ec == http::error::need_more) {
          // Body bytes stream out as they arrive; what waits whole in the buffer is a chunk
          // header (size and extensions) or the trailers, bounded like the head (issue #18: a
          // 256 MiB chunk extension grew the buffer without bound).
          if (read_end_ - read_begin_ > options_.max_header_bytes) {
            ParseFailed(400, "bad request: chunk header or trailers too large\n",
                        "request body: a chunk header or the trailers exceed " +
                            std::to_string(options_.max_header_bytes) + " bytes");
          }
          return;
        }
        if (ec) {
          int status = StatusFor(ec);
          ParseFailed(status, TextFor(status, ec), "request body: " + ec.message());
          return;
        }
        if (parser_->is_done()) {
          state_->EndBody(trailers_);
          if (phase_ == Phase::kExchange) return;
          if (!PrepareNextRequest()) return;
        }
        continue;
      }
      case Phase::kLinger:
        read_begin_ = read_end_ = 0;
        return;
      case Phase::kClosed:
        return;
    }
  }
}

void Connection::OnHead() {
  Request& r = state_->request();
  // RFC 9112 §6.1: a request whose framing we cannot tell (a final coding other than chunked)
  // must be refused, or a proxy in front could see a different message boundary.
  if (parser_->transfer_encoding_seen() && !parser_->chunked()) {
    return Reject(400, "bad request: unsupported Transfer-Encoding\n",
                  "request Transfer-Encoding does not end in chunked");
  }
  // Expect means nothing from an HTTP/1.0 client (RFC 9110 §10.1.1): no 100, no 417.
  bool http11 = r.version_minor >= 1;
  if (http11 && parser_->expect_other()) {
    return Reject(417, "only Expect: 100-continue is supported\n", "unsupported Expect");
  }
  std::string absolute_authority;
  bool absolute = false;
  if (!r.target.empty() && r.target[0] == '/') {
    // origin-form, the common case
  } else if (r.target == "*" && r.method == "OPTIONS") {
    // asterisk-form
  } else if (size_t scheme_end = r.target.find("://");
             scheme_end != std::string::npos && scheme_end > 0) {
    // absolute-form (RFC 9112 §3.2.2): the authority comes from the target, not Host.
    std::string_view rest = std::string_view(r.target).substr(scheme_end + 3);
    size_t path_begin = rest.find_first_of("/?");
    absolute_authority = std::string(rest.substr(0, path_begin));
    std::string path =
        path_begin == std::string_view::npos ? "/" : std::string(rest.substr(path_begin));
    if (path[0] == '?') path.insert(0, "/");
    r.target = std::move(path);
    absolute = true;
  } else {
    return Reject(400, "bad request: the target must be a path\n",
                  "request target \"" + r.target + "\" is not in origin or absolute form");
  }
  size_t hosts = r.headers.Count("host");
  if (hosts > 1) return Reject(400, "bad request: more than one Host\n", "two Host headers");
  if (absolute) {
    r.authority = std::move(absolute_authority);
  } else if (hosts == 1) {
    r.authority = std::string(*r.headers.Find("host"));
  } else if (http11) {
    return Reject(400, "bad request: no Host\n", "HTTP/1.1 request without Host");
  }
  if (!IsAuthority(r.authority)) {
    return Reject(400, "bad request: invalid Host\n", "Host \"" + r.authority + "\" is invalid");
  }
  r.scheme = "http";
  r.remote = remote_;

  state_->SetHead(!parser_->is_done(), r.method == "HEAD", parser_->keep_alive(),
                  http11 && parser_->expect_continue(), Clock::now() + options_.request_timeout);
  if (parser_->is_done()) state_->EndBody(trailers_);
  phase_ = Phase::kExchange;
  deadline_ = state_->deadline();
  parser_->eager(true);
  RunHandler();
}

void Connection::RunHandler() {
  state_->EnterHandler();
  try {
    loop_.handler()(Exchange(state_));
  } catch (const std::exception& e) {
    state_->Fail(500, "internal error\n", std::string("the handler threw: ") + e.what());
  } catch (...) {
    state_->Fail(500, "internal error\n", "the handler threw");
  }
  state_->LeaveHandler();
}

void Connection::Reject(int status, std::string_view text, std::string message) {
  state_->Fail(status, text, std::move(message));
  phase_ = Phase::kExchange;
  parse_failed_ = true;
  deadline_ = Clock::now() + options_.idle_timeout;
}

void Connection::ParseFailed(int status, std::string_view text, std::string message) {
  parse_failed_ = true;
  if (phase_ == Phase::kDiscard) return Close();
  state_->Fail(status, text, std::move(message));
}

bool Connection::WantRead() const {
  switch (phase_) {
    case Phase::kIdle:
    case Phase::kHead:
    case Phase::kLinger:
      return true;
    case Phase::kExchange:
      return !parse_failed_ && !parser_->is_done() && !paused_;
    case Phase::kDiscard:
      return !parse_failed_ && !parser_->is_done();
    case Phase::kClosed:
      return false;
  }
  return false;
}

bool Connection::InputPending() const {
  if (read_begin_ != read_end_) return true;
  boost::system::error_code ec;
  size_t n = socket_.available(ec);
  return !ec && n > 0;
}

void Connection::MaybeRead() {
  if (reading_ || !WantRead()) return;
  if (read_begin_ == read_end_) {
    read_begin_ = read_end_ = 0;
  } else if (read_buffer_.size() - read_end_ < kMinReadBytes && read_begin_ > 0) {
    std::memmove(read_buffer_.data(), read_buffer_.data() + read_begin_, read_end_ - read_begin_);
    read_end_ -= read_begin_;
    read_begin_ = 0;
  }
  // Only an incomplete head grows the buffer, and the header limit bounds it.
  if (read_buffer_.size() - read_end_ < kMinReadBytes) {
    read_buffer_.resize(read_buffer_.size() * 2);
  }
  reading_ = true;
  socket_.async_read_some(
      asio::buffer(read_buffer_.data() + read_end_, read_buffer_.size() - read_end_),
      [self = shared_from_this()](const boost::system::error_code& ec, size_t n) {
        self->OnRead(ec, n);
      });
}

void Connection::OnRead(const boost::system::error_code& ec, size_t n) {
  reading_ = false;
  if (phase_ == Phase::kClosed) return;
  if (ec == asio::error::operation_aborted && phase_ == Phase::kIdle) {
    // BeginDrain cancelled the read before anything arrived.
    if (!InputPending()) return Close();
    return MaybeRead();
  }
  if (ec) {
    if (phase_ == Phase::kExchange && !parse_failed_ && !parser_->is_done()) {
      state_->Fail(
          0, "",
          ec == asio::error::eof
              ? "the client closed the connection before the request body ended"
              : "the client connection failed before the request body ended: " + ec.message());
    }
    return Close();
  }
  read_end_ += n;
  if (phase_ == Phase::kDiscard) deadline_ = Clock::now() + options_.idle_timeout;
  ProcessInput();
  Pump();
  MaybeRead();
}

void Connection::Pump() {
  if (phase_ != Phase::kExchange) return;
  ExchangeState::Progress p = state_->Poll(writing_ ? nullptr : &write_buffer_);
  if (p.aborted) {
    // What the handler queued before giving up still goes out, then the connection closes: the
    // client sees the head and the partial body, then the break (not an empty reply).
    if (p.took_output) return StartWrite();
    if (writing_) return;  // OnWritten pumps again
    return Close();
  }
  if (p.took_output) StartWrite();
  if (p.finished && !finish_seen_) {
    finish_seen_ = true;
    deadline_ = Clock::now() + options_.idle_timeout;
  }
  if (paused_ && !p.read_paused) {
    paused_ = false;
    ProcessInput();
    if (phase_ != Phase::kExchange) return;
  }
  if (p.finished && !writing_) return EndExchange(p.close || parse_failed_);
  MaybeRead();
}

void Connection::StartWrite() {
  writing_ = true;
  asio::async_write(socket_, asio::buffer(write_buffer_),
                    [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                      self->OnWritten(ec);
                    });
}

void Connection::OnWritten(const boost::system::error_code& ec) {
  writing_ = false;
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    state_->Fail(0, "", "writing the response: " + ec.message());
    return Close();
  }
  write_buffer_.clear();
  state_->OutputWritten();
  if (finish_seen_) deadline_ = Clock::now() + options_.idle_timeout;
  Pump();
}

void Connection::EndExchange(bool close) {
  if (close) return Linger();
  if (loop_.draining()) {
    // Stop began while this exchange ran, and its response went out without "close": with
    // nothing more to read, close now; lingering would hold Stop for the linger timeout.
    if (!parser_->is_done() || InputPending()) return Linger();
    return Close();
  }
  if (!parser_->is_done()) {
    // The handler answered without reading the whole body: read past it to the next request.
    state_->DiscardBody();
    phase_ = Phase::kDiscard;
    paused_ = false;
    deadline_ = Clock::now() + options_.idle_timeout;
    ProcessInput();
    Pump();
    MaybeRead();
    return;
  }
  NextRequest();
}

bool Connection::PrepareNextRequest() {
  if (loop_.draining()) {
    // The last response is written; a close with pipelined bytes unread would reset it away
    // before the client reads it.
    if (InputPending()) {
      Linger();
    } else {
      Close();
    }
    return false;
  }
  // Once the handler side let go the buffers are reused, even if its last shared_ptr is still
  // on its way out on another thread.
  if (state_ && !state_->Reusable()) {
    state_->Detach();
    state_.reset();
  }
  parser_.reset();
  phase_ = Phase::kIdle;
  paused_ = false;
  parse_failed_ = false;
  finish_seen_ = false;
  deadline_ = Clock::now() + options_.idle_timeout;
  return true;
}

void Connection::NextRequest() {
  if (!PrepareNextRequest()) return;
  ProcessInput();
  Pump();
  MaybeRead();
}

void Connection::Linger() {
  if (state_) {
    state_->Detach();
    state_.reset();
  }
  parser_.reset();
  phase_ = Phase::kLinger;
  read_begin_ = read_end_ = 0;
  boost::system::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  if (ec) return Close();
  deadline_ = Clock::now() + options_.linger_timeout;
  MaybeRead();
}

void Connection::Close() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  if (state_) {
    state_->Detach();
    state_.reset();
  }
  boost::system::error_code ec;
  socket_.close(ec);
  loop_.Remove(this);
}

void Connection::OnDeadline() {
  switch (phase_) {
    case Phase::kIdle:
    case Phase::kDiscard:
    case Phase::kLinger:
      return Close();
    case Phase::kHead:
      Reject(408, "request head timed out\n",
             "the request head took longer than " + Millis(options_.header_timeout));
      return Pump();
    case Phase::kExchange:
      if (!finish_seen_ && !state_->finished()) {
        state_->Fail(504, "the workload did not answer in time\n",
                     "the request timed out after " + Millis(options_.request_timeout));
        deadline_ = Clock::now() + options_.idle_timeout;
        return Pump();
      }
      // The response is complete but the client does not take it.
      return Close();
    case Phase::kClosed:
      return;
  }
}

void Connection::BeginDrain() {
  switch (phase_) {
    case Phase::kIdle:
      // A request the client sent before Stop (on a connection just taken from the backlog, or
      // its next one on a keep-alive connection) is in flight, not idle. It may still be in the
      // socket, or already received into our buffer by a read whose completion is queued:
      // cancelling the read makes its completion tell which (OnRead).
      if (reading_) {
        boost::system::error_code ec;
        socket_.cancel(ec);
      } else if (!InputPending()) {
        Close();
      }
      return;
    case Phase::kDiscard:
      // The response is written; closing with body bytes unread would reset it away.
      return Linger();
    case Phase::kHead:
      // A request is arriving (the header timeout bounds it); it will be answered with close.
    case Phase::kExchange:
      // Its response says close (the state reads the server's draining flag) and ends it.
    case Phase::kLinger:
    case Phase::kClosed:
      return;
  }
}

void Connection::ForceClose() {
  if (state_) state_->Fail(0, "", "the server stopped");
  Close();
}

}  // namespace wcloud::ingress
