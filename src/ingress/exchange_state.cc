#include "ingress/exchange_state.h"

#include <algorithm>
#include <charconv>
#include <thread>

#include "util/http_token.h"

namespace wcloud::ingress {
namespace {

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "";  // the reason phrase may be empty (RFC 9112 §4)
  }
}

// A field value must not let a guest split the response: no CR, LF or NUL.
bool IsFieldValue(std::string_view s) {
  // One pass: find_first_of with a set calls memchr per character.
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

// Fields the server owns because they describe this connection, not the message.
bool IsHopByHop(std::string_view name) {
  return EqualsIgnoreCase(name, "connection") || EqualsIgnoreCase(name, "keep-alive") ||
         EqualsIgnoreCase(name, "transfer-encoding") || EqualsIgnoreCase(name, "upgrade") ||
         EqualsIgnoreCase(name, "te") || EqualsIgnoreCase(name, "proxy-connection");
}

bool HasCloseToken(std::string_view value) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string_view token = value.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
    if (EqualsIgnoreCase(token, "close")) return true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return false;
}

void AppendDecimal(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

void AppendHex(std::string& out, uint64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, 16);
  out.append(buf, end);
}

void AppendField(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

}  // namespace

class SCOPED_CAPABILITY ExchangeState::Guard {
 public:
  explicit Guard(ExchangeState& state) ACQUIRE(state.mu_) : state_(state), lock_(state.mu_) {}
  ~Guard() RELEASE() {
    if (!state_.wake_owed_) return;
    state_.wake_owed_ = false;
    ExchangeOwner* owner = state_.owner_;
    state_.wakes_under_way_.fetch_add(1, std::memory_order_relaxed);
    lock_.Unlock();
    owner->Wake();
    state_.wakes_under_way_.fetch_sub(1, std::memory_order_release);
  }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;

 private:
  ExchangeState& state_;
  MutexLock lock_;
};

ExchangeState::ExchangeState(size_t body_buffer_bytes, size_t response_buffer_bytes, HttpDate* date,
                             const std::atomic<bool>* server_draining)
    : body_buffer_bytes_(std::max<size_t>(body_buffer_bytes, 1)),
      response_buffer_bytes_(std::max<size_t>(response_buffer_bytes, 1)),
      date_(date),
      server_draining_(server_draining) {}

void ExchangeState::Reset(ExchangeOwner* owner) {
  Guard lock(*this);
  owner_ = owner;
  wake_pending_ = false;
  in_handler_ = false;
  defer_wakes_ = false;
  wake_deferred_ = false;
  request_.method.clear();
  request_.target.clear();
  request_.scheme.clear();
  request_.authority.clear();
  request_.headers.Clear();
  request_.version_minor = 1;
  request_.remote.clear();
  deadline_ = {};
  head_method_ = false;
  keep_alive_ = true;
  expect_continue_ = false;
  continue_sent_ = false;
  error_.clear();
  body_.clear();
  body_offset_ = 0;
  body_end_ = false;
  discarded_ = false;
  read_paused_ = false;
  trailers_.Clear();
  started_ = false;
  finished_ = false;
  aborted_ = false;
  close_ = false;
  chunked_ = false;
  no_body_ = false;
  has_length_ = false;
  content_length_ = 0;
  body_written_ = 0;
  pending_.clear();
  writing_bytes_ = 0;
  UpdateFdsLocked();
}

bool ExchangeState::Reusable() {
  Guard lock(*this);
  return handler_refs_ == 0;
}

void ExchangeState::SetHead(bool has_body, bool head_method, bool keep_alive, bool expect_continue,
                            Deadline deadline) {
  Guard lock(*this);
  head_method_ = head_method;
  keep_alive_ = keep_alive;
  expect_continue_ = expect_continue && has_body;
  deadline_ = deadline;
  if (!has_body) body_end_ = true;
  UpdateFdsLocked();
}

void ExchangeState::EnterHandler() {
  Guard lock(*this);
  in_handler_ = true;
}

void ExchangeState::LeaveHandler() {
  Guard lock(*this);
  in_handler_ = false;
}

bool ExchangeState::AppendBody(std::string_view bytes) {
  Guard lock(*this);
  if (discarded_ || !error_.empty()) return false;
  if (body_offset_ == body_.size()) {
    body_.clear();
    body_offset_ = 0;
  }
  body_.append(bytes);
  UpdateFdsLocked();
  if (body_.size() - body_offset_ >= body_buffer_bytes_) read_paused_ = true;
  return read_paused_;
}

void ExchangeState::EndBody(HeaderList& trailers) {
  Guard lock(*this);
  trailers_.Clear();
  std::swap(trailers_, trailers);
  body_end_ = true;
  UpdateFdsLocked();
}

void ExchangeState::DiscardBody() {
  Guard lock(*this);
  discarded_ = true;
  read_paused_ = false;
  body_.clear();
  body_offset_ = 0;
  UpdateFdsLocked();
}

void ExchangeState::Fail(int status, std::string_view text, std::string message) {
  Guard lock(*this);
  if (error_.empty()) error_ = std::move(message);
  if (!finished_) {
    if (!started_ && status != 0) {
      pending_.clear();
      AppendSimpleResponseLocked(status, text);
      started_ = true;
      finished_ = true;
    } else {
      aborted_ = true;
    }
  }
  close_ = true;
  UpdateFdsLocked();
  WakeLocked();
}

void ExchangeState::Detach() {
  {
    Guard lock(*this);
    owner_ = nullptr;
    wake_owed_ = false;
    if (error_.empty() && (!finished_ || (!body_end_ && !discarded_))) {
      error_ = "the client connection closed before the exchange completed";
    }
    UpdateFdsLocked();
  }
  // A wake-up decided before this may still be calling the owner, which may go after we return.
  while (wakes_under_way_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
}

ExchangeState::Progress ExchangeState::Poll(std::string* out) {
  Guard lock(*this);
  wake_pending_ = false;
  Progress p;
  if (out != nullptr && !pending_.empty()) {
    out->swap(pending_);
    pending_.clear();
    writing_bytes_ = out->size();
    p.took_output = true;
  }
  p.finished = finished_;
  p.aborted = aborted_;
  p.close = close_;
  p.read_paused = read_paused_;
  return p;
}

void ExchangeState::OutputWritten() {
  Guard lock(*this);
  writing_bytes_ = 0;
  UpdateFdsLocked();
}

Result<BodyRead> ExchangeState::TryRead(size_t max) {
  Guard lock(*this);
  MaybeSendContinueLocked();
  size_t available = body_.size() - body_offset_;
  if (available > 0) {
    size_t n = std::min(max, available);
    BodyRead r{BodyReadKind::kData, body_.substr(body_offset_, n)};
    body_offset_ += n;
    if (body_offset_ == body_.size()) {
      body_.clear();
      body_offset_ = 0;
    } else if (body_offset_ >= (64u << 10) && body_offset_ * 2 >= body_.size()) {
      body_.erase(0, body_offset_);
      body_offset_ = 0;
    }
    // Resume reading only at half the buffer, so a reader taking small bites does not make the
    // connection wake up for every bite.
    if (read_paused_ && body_.size() - body_offset_ <= body_buffer_bytes_ / 2) {
      read_paused_ = false;
      WakeLocked();
    }
    UpdateFdsLocked();
    return r;
  }
  if (!error_.empty()) return Error(error_);
  if (discarded_) return Error("the request body was discarded: the response had already ended");
  if (body_end_) return BodyRead{BodyReadKind::kEnd, {}};
  return BodyRead{};
}

Result<int> ExchangeState::BodyReadyFd() {
  Guard lock(*this);
  MaybeSendContinueLocked();
  FlushWakesLocked();
  return body_ready_.Get(BodyReadyLocked());
}

bool ExchangeState::BodyReady() {
  Guard lock(*this);
  MaybeSendContinueLocked();
  return BodyReadyLocked();
}

bool ExchangeState::WriteReady() {
  Guard lock(*this);
  return WriteReadyLocked();
}

void ExchangeState::AddRef() {
  Guard lock(*this);
  ++handler_refs_;
}

void ExchangeState::ReleaseRef(bool primary) {
  Guard lock(*this);
  --handler_refs_;
  if (primary || handler_refs_ == 0) {
    defer_wakes_ = false;
    FlushWakesLocked();
  }
}

void ExchangeState::DeferWakes() {
  Guard lock(*this);
  defer_wakes_ = true;
}

void ExchangeState::FlushWakes() {
  Guard lock(*this);
  FlushWakesLocked();
}

HeaderList ExchangeState::Trailers() {
  Guard lock(*this);
  return body_end_ ? trailers_ : HeaderList();
}

Status ExchangeState::Start(int status, const HeaderList& headers) {
  Guard lock(*this);
  if (!error_.empty()) return Error(error_);
  if (owner_ == nullptr) return Error("the client connection has closed");
  if (started_) return Error("the response has already started");
  if (status < 200 || status > 999) {
    return Error("response status " + std::to_string(status) + ": must be 200..999");
  }
  bool has_date = false;
  bool has_length = false;
  uint64_t length = 0;
  for (HeaderField f : headers) {
    if (!IsHttpToken(f.name)) {
      return Error("response header name \"" + std::string(f.name) + "\" is not an HTTP token");
    }
    if (!IsFieldValue(f.value)) {
      return Error("response header " + std::string(f.name) + ": value holds CR, LF or NUL");
    }
    if (EqualsIgnoreCase(f.name, "content-length")) {
      uint64_t v = 0;
      auto [end, ec] = std::from_chars(f.value.data(), f.value.data() + f.value.size(), v);
      if (f.value.empty() || ec != std::errc() || end != f.value.data() + f.value.size()) {
        return Error("response header Content-Length: \"" + std::string(f.value) +
                     "\" is not a decimal length");
      }
      if (has_length && v != length) {
        return Error("response headers: two Content-Length values disagree");
      }
      has_length = true;
      length = v;
    } else if (EqualsIgnoreCase(f.name, "connection")) {
      if (HasCloseToken(f.value)) close_ = true;
    } else if (EqualsIgnoreCase(f.name, "date")) {
      has_date = true;
    }
  }
  no_body_ = head_method_ || status == 204 || status == 304;
  has_length_ = has_length && status != 204;
  content_length_ = length;
  chunked_ = !has_length_ && !no_body_ && request_.version_minor >= 1;
  // Without a length, an HTTP/1.0 client learns where the body ends from the connection closing.
  if (!has_length_ && !no_body_ && !chunked_) close_ = true;
  // A client that was never told to continue may still be holding its body back.
  if (expect_continue_ && !continue_sent_ && !body_end_) close_ = true;
  if (!keep_alive_ || server_draining_->load()) close_ = true;

  AppendStatusLineLocked(status);
  for (HeaderField f : headers) {
    if (IsHopByHop(f.name) || (status == 204 && EqualsIgnoreCase(f.name, "content-length"))) {
      continue;
    }
    AppendField(pending_, f.name, f.value);
  }
  if (!has_date) {
    pending_.append("Date: ");
    date_->AppendTo(pending_);
    pending_.append("\r\n");
  }
  if (chunked_) pending_.append("Transfer-Encoding: chunked\r\n");
  if (close_) {
    pending_.append("Connection: close\r\n");
  } else if (request_.version_minor == 0) {
    pending_.append("Connection: keep-alive\r\n");
  }
  pending_.append("\r\n");
  started_ = true;
  UpdateFdsLocked();
  WakeLocked(/*deferrable=*/true);
  return Ok();
}

Result<size_t> ExchangeState::CheckWrite() {
  Guard lock(*this);
  if (!error_.empty()) return Error(error_);
  if (!started_) return Error("the response has not started");
  if (finished_) return Error("the response has already finished");
  return CapacityLocked();
}

Status ExchangeState::Write(std::string_view bytes) {
  Guard lock(*this);
  if (!error_.empty()) return Error(error_);
  if (!started_) return Error("the response has not started");
  if (finished_) return Error("the response has already finished");
  if (bytes.empty()) return Ok();
  if (has_length_ && body_written_ + bytes.size() > content_length_) {
    return Error("the response body would exceed its Content-Length of " +
                 std::to_string(content_length_) + " bytes");
  }
  body_written_ += bytes.size();
  if (no_body_) return Ok();
  if (chunked_) {
    AppendHex(pending_, bytes.size());
    pending_.append("\r\n");
    pending_.append(bytes);
    pending_.append("\r\n");
  } else {
    pending_.append(bytes);
  }
  UpdateFdsLocked();
  WakeLocked(/*deferrable=*/true);
  return Ok();
}

Result<int> ExchangeState::WriteReadyFd() {
  Guard lock(*this);
  FlushWakesLocked();
  return write_ready_.Get(WriteReadyLocked());
}

Status ExchangeState::Finish(const HeaderList& trailers) {
  Guard lock(*this);
  if (!error_.empty()) return Error(error_);
  if (!started_) return Error("the response has not started");
  if (finished_) return Error("the response has already finished");
  if (has_length_ && !no_body_ && body_written_ != content_length_) {
    error_ = "the response body ended after " + std::to_string(body_written_) + " of the " +
             std::to_string(content_length_) + " bytes its Content-Length announced";
    aborted_ = true;
    UpdateFdsLocked();
    WakeLocked(/*deferrable=*/true);
    return Error(error_);
  }
  for (HeaderField f : trailers) {
    if (!IsHttpToken(f.name) || !IsFieldValue(f.value) || IsHopByHop(f.name)) {
      return Error("response trailer \"" + std::string(f.name) + "\" is not a valid field");
    }
  }
  if (chunked_) {
    pending_.append("0\r\n");
    for (HeaderField f : trailers) AppendField(pending_, f.name, f.value);
    pending_.append("\r\n");
  }
  finished_ = true;
  UpdateFdsLocked();
  WakeLocked(/*deferrable=*/true);
  return Ok();
}

void ExchangeState::Abort() {
  Guard lock(*this);
  if (finished_ || owner_ == nullptr) return;
  if (error_.empty()) error_ = "the handler aborted the response";
  if (!started_) {
    pending_.clear();
    AppendSimpleResponseLocked(500, "the workload failed to produce a response\n");
    started_ = true;
    finished_ = true;
  } else {
    aborted_ = true;
  }
  close_ = true;
  UpdateFdsLocked();
  WakeLocked(/*deferrable=*/true);
}

bool ExchangeState::finished() {
  Guard lock(*this);
  return finished_;
}

void ExchangeState::WakeLocked(bool deferrable) {
  if (owner_ == nullptr || wake_pending_ || in_handler_) return;
  if (deferrable && defer_wakes_) {
    wake_deferred_ = true;
    return;
  }
  wake_deferred_ = false;
  wake_pending_ = true;
  wake_owed_ = true;
}

void ExchangeState::FlushWakesLocked() {
  if (wake_deferred_) WakeLocked();
}

bool ExchangeState::BodyReadyLocked() const {
  return body_offset_ < body_.size() || body_end_ || discarded_ || !error_.empty();
}

bool ExchangeState::WriteReadyLocked() const {
  return !error_.empty() || finished_ || CapacityLocked() > 0;
}

void ExchangeState::UpdateFdsLocked() {
  body_ready_.Set(BodyReadyLocked());
  write_ready_.Set(WriteReadyLocked());
}

size_t ExchangeState::CapacityLocked() const {
  size_t used = pending_.size() + writing_bytes_;
  return used >= response_buffer_bytes_ ? 0 : response_buffer_bytes_ - used;
}

void ExchangeState::MaybeSendContinueLocked() {
  if (!expect_continue_ || continue_sent_ || started_ || body_end_ || !error_.empty()) return;
  // RFC 9110 §10.1.1: the interim response goes out only once someone wants the body.
  pending_.append("HTTP/1.1 100 Continue\r\n\r\n");
  continue_sent_ = true;
  WakeLocked();
}

void ExchangeState::AppendStatusLineLocked(int status) {
  pending_.append("HTTP/1.1 ");
  AppendDecimal(pending_, static_cast<uint64_t>(status));
  pending_.push_back(' ');
  pending_.append(ReasonPhrase(status));
  pending_.append("\r\n");
}

void ExchangeState::AppendSimpleResponseLocked(int status, std::string_view text) {
  AppendStatusLineLocked(status);
  pending_.append("Content-Type: text/plain; charset=utf-8\r\nContent-Length: ");
  AppendDecimal(pending_, head_method_ ? 0 : text.size());
  pending_.append("\r\nDate: ");
  date_->AppendTo(pending_);
  pending_.append("\r\nConnection: close\r\n\r\n");
  if (!head_method_) pending_.append(text);
}

}  // namespace wcloud::ingress
