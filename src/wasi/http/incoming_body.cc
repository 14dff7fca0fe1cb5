#include "wasi/http/incoming_body.h"

namespace wcloud::wasi::http {

class TrailersFuture::FuturePollable : public Pollable {
 public:
  explicit FuturePollable(std::shared_ptr<TrailersFuture> future) : future_(std::move(future)) {}
  bool Ready() override { return future_->Advance(); }
  WaitSource Source() override {
    return future_->stream_pollable_ ? future_->stream_pollable_->Source() : WaitSource{};
  }

 private:
  std::shared_ptr<TrailersFuture> future_;
};

std::shared_ptr<Pollable> TrailersFuture::Subscribe() {
  return std::make_shared<FuturePollable>(shared_from_this());
}

bool TrailersFuture::Advance() {
  if (result_ || taken_) return true;
  if (!source_.stream) {
    result_ = FieldList{};
    return true;
  }
  while (true) {
    auto bytes = source_.stream->Read(kMaxReadBytes);
    if (!bytes) {
      const StreamError& e = bytes.error();
      if (e.kind == StreamError::Kind::kClosed) {
        result_ = source_.trailers ? source_.trailers() : FieldList{};
      } else {
        auto code = ErrorCodeFromMessage(e.message);
        result_ = code ? *code : ErrorCode::Internal(e.message);
      }
      source_.stream.reset();
      stream_pollable_.reset();
      return true;
    }
    if (!bytes.value().empty()) continue;
    if (!stream_pollable_) stream_pollable_ = source_.stream->Subscribe();
    // The stream's own Ready() re-arms its wake-up; it may also say more arrived meanwhile.
    if (!stream_pollable_->Ready()) return false;
  }
}

std::optional<TrailersFuture::Got> TrailersFuture::Get() {
  if (taken_) return Got{true, std::nullopt};
  if (!Advance()) return std::nullopt;
  taken_ = true;
  Got got{false, std::move(result_)};
  result_.reset();
  return got;
}

}  // namespace wcloud::wasi::http
