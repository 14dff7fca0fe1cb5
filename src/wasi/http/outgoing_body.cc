#include "wasi/http/outgoing_body.h"

#include <string>

#include "wasi/http/body_pipe.h"

namespace wcloud::wasi::http {

// Follows the body from unbound (room in the held bytes) to bound (the destination's own
// readiness), since a guest may subscribe before the response is set and wait after.
class OutgoingBody::StreamPollable : public Pollable {
 public:
  explicit StreamPollable(std::shared_ptr<OutgoingBody> body) : body_(std::move(body)) {}
  bool Ready() override {
    if (body_->broken_ || body_->finished_) return true;
    if (!body_->bound()) return body_->pending_.size() < kUnboundLimit;
    return Inner().Ready();
  }
  // Unbound and full: nothing but the guest itself can bind the body, so no source.
  WaitSource Source() override { return body_->bound() ? Inner().Source() : WaitSource{}; }

 private:
  Pollable& Inner() {
    if (!inner_) inner_ = body_->destination_->stream().Subscribe();
    return *inner_;
  }
  std::shared_ptr<OutgoingBody> body_;
  std::shared_ptr<Pollable> inner_;
};

std::shared_ptr<Pollable> OutgoingBody::Subscribe() {
  return std::make_shared<StreamPollable>(shared_from_this());
}

std::shared_ptr<OutputStream> OutgoingBody::NewStream() {
  stream_taken_ = true;
  return shared_from_this();
}

StreamResult<uint64_t> OutgoingBody::CheckWrite() {
  if (broken_) return HttpStreamError(*broken_);
  if (finished_) return StreamError::Closed();
  if (bound()) return destination_->stream().CheckWrite();
  return kUnboundLimit - std::min<uint64_t>(kUnboundLimit, pending_.size());
}

StreamStatus OutgoingBody::Write(std::span<const uint8_t> bytes) {
  if (broken_) return HttpStreamError(*broken_);
  if (finished_) return StreamError::Closed();
  if (content_length_ && written_ + bytes.size() > *content_length_) {
    Break(ErrorCode::BodySize(size_error_kind(), written_ + bytes.size()));
    return HttpStreamError(
        *broken_, "writes more than the Content-Length of " + std::to_string(*content_length_));
  }
  written_ += bytes.size();
  if (bound()) return destination_->stream().Write(bytes);
  pending_.insert(pending_.end(), bytes.begin(), bytes.end());
  return StreamOk();
}

StreamStatus OutgoingBody::Flush() {
  if (broken_) return HttpStreamError(*broken_);
  if (finished_) return StreamError::Closed();
  return bound() ? destination_->stream().Flush() : StreamOk();
}

void OutgoingBody::Break(const ErrorCode& error) {
  if (broken_) return;
  broken_ = error;
  if (destination_) destination_->Fail(error);
}

void OutgoingBody::Bind(std::shared_ptr<BodyDestination> destination) {
  destination_ = std::move(destination);
  if (broken_) {
    destination_->Fail(*broken_);
    return;
  }
  if (!pending_.empty()) {
    std::vector<uint8_t> held = std::move(pending_);
    pending_.clear();
    // At most kUnboundLimit bytes, which the destinations take without waiting long.
    std::span<const uint8_t> rest(held);
    while (!rest.empty()) {
      const size_t piece = std::min<size_t>(rest.size(), 4096);
      auto wrote = destination_->stream().BlockingWriteAndFlush(rest.first(piece));
      if (!wrote) {
        Break(ErrorCode::Internal("the body's destination failed: " + wrote.error().message));
        return;
      }
      rest = rest.subspan(piece);
    }
  }
  if (finished_) (void)destination_->Finish(pending_trailers_);
}

FinishResult OutgoingBody::Finish(FieldList trailers) {
  if (broken_) return *broken_;
  if (finished_) return ErrorCode::Internal("the body was already finished");
  if (content_length_ && written_ != *content_length_) {
    Break(ErrorCode::BodySize(size_error_kind(), written_));
    return *broken_;
  }
  finished_ = true;
  if (!bound()) {
    pending_trailers_ = std::move(trailers);
    return std::monostate{};
  }
  return destination_->Finish(trailers);
}

void OutgoingBody::Abandon() {
  if (finished_ || broken_) return;
  Break(ErrorCode::Internal("the outgoing-body was dropped before outgoing-body.finish"));
}

}  // namespace wcloud::wasi::http
