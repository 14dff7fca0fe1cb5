#include "ingress/exchange.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "ingress/exchange_state.h"

namespace wcloud::ingress {
namespace {

Error Detached() { return Error("the exchange has been moved from"); }

// Waits until `fd` is readable or `deadline` passes; false on the deadline.
Result<bool> WaitReadable(int fd, Deadline deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    // Round up so a wait never ends a fraction of a millisecond early and spins.
    int timeout = static_cast<int>(std::min<int64_t>(left.count() + 1, 1 << 30));
    int n = poll(&p, 1, timeout);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return Error(std::string("poll: ") + std::strerror(errno));
  }
}

}  // namespace

StateRef::StateRef(std::shared_ptr<ExchangeState> state, bool primary)
    : state_(std::move(state)), primary_(primary) {
  if (state_) state_->AddRef();
}

StateRef::~StateRef() { Release(); }

StateRef::StateRef(const StateRef& other) : state_(other.state_) {
  if (state_) state_->AddRef();
}

StateRef& StateRef::operator=(const StateRef& other) {
  if (this != &other) {
    Release();
    state_ = other.state_;
    primary_ = false;
    if (state_) state_->AddRef();
  }
  return *this;
}

StateRef::StateRef(StateRef&& other) noexcept
    : state_(std::move(other.state_)), primary_(other.primary_) {
  other.primary_ = false;
}

StateRef& StateRef::operator=(StateRef&& other) noexcept {
  if (this != &other) {
    Release();
    state_ = std::move(other.state_);
    primary_ = other.primary_;
    other.primary_ = false;
  }
  return *this;
}

void StateRef::Release() {
  if (state_) state_->ReleaseRef(primary_);
  state_.reset();
  primary_ = false;
}

RequestBody::RequestBody(std::shared_ptr<ExchangeState> state) : state_(std::move(state), false) {}

Result<BodyRead> RequestBody::TryRead(size_t max) {
  if (!state_) return Detached();
  return state_->TryRead(max);
}

Result<BodyRead> RequestBody::Read(size_t max, Deadline deadline) {
  if (!state_) return Detached();
  for (;;) {
    WCLOUD_ASSIGN_OR_RETURN(BodyRead r, state_->TryRead(max));
    if (r.kind != BodyReadKind::kWouldBlock) return r;
    WCLOUD_ASSIGN_OR_RETURN(int fd, state_->BodyReadyFd());
    WCLOUD_ASSIGN_OR_RETURN(bool ready, WaitReadable(fd, deadline));
    if (!ready) return BodyRead{};
  }
}

bool RequestBody::Ready() { return !state_ || state_->BodyReady(); }

Result<int> RequestBody::ReadyFd() {
  if (!state_) return Detached();
  return state_->BodyReadyFd();
}

HeaderList RequestBody::trailers() const { return state_ ? state_->Trailers() : HeaderList(); }

ResponseWriter::ResponseWriter(std::shared_ptr<ExchangeState> state)
    : state_(std::move(state), false) {}

ResponseWriter::~ResponseWriter() { Abort(); }

ResponseWriter& ResponseWriter::operator=(ResponseWriter&& other) noexcept {
  if (this != &other) {
    Abort();
    state_ = std::move(other.state_);
  }
  return *this;
}

Status ResponseWriter::Start(int status, const HeaderList& headers) {
  if (!state_) return Detached();
  return state_->Start(status, headers);
}

Result<size_t> ResponseWriter::CheckWrite() {
  if (!state_) return Detached();
  return state_->CheckWrite();
}

Status ResponseWriter::Write(std::string_view bytes) {
  if (!state_) return Detached();
  return state_->Write(bytes);
}

Status ResponseWriter::BlockingWrite(std::string_view bytes, Deadline deadline) {
  if (!state_) return Detached();
  while (!bytes.empty()) {
    WCLOUD_ASSIGN_OR_RETURN(size_t room, state_->CheckWrite());
    if (room == 0) {
      WCLOUD_ASSIGN_OR_RETURN(int fd, state_->WriteReadyFd());
      WCLOUD_ASSIGN_OR_RETURN(bool ready, WaitReadable(fd, deadline));
      if (!ready) return Error("timed out waiting for the client to take the response body");
      continue;
    }
    size_t n = std::min(room, bytes.size());
    WCLOUD_TRY_STATUS(state_->Write(bytes.substr(0, n)));
    bytes.remove_prefix(n);
  }
  return Ok();
}

bool ResponseWriter::Ready() { return !state_ || state_->WriteReady(); }

Result<int> ResponseWriter::ReadyFd() {
  if (!state_) return Detached();
  return state_->WriteReadyFd();
}

Status ResponseWriter::Finish(const HeaderList& trailers) {
  if (!state_) return Detached();
  return state_->Finish(trailers);
}

void ResponseWriter::Abort() {
  if (state_) state_->Abort();
}

Exchange::Exchange(std::shared_ptr<ExchangeState> state)
    : state_(state, true), request_(&state->request()), body_(state), response_(state) {}

Deadline Exchange::deadline() const { return state_->deadline(); }

void Exchange::DeferWakes() { state_->DeferWakes(); }

void Exchange::FlushWakes() { state_->FlushWakes(); }

}  // namespace wcloud::ingress
