// The state behind an outgoing-body resource and its output-stream child, for a response the
// guest serves and a request it sends alike. Until the body is bound to where its bytes go (the
// response sink at response-outparam.set, the client at outgoing-handler.handle) a bounded
// amount is held here; after that every write goes straight through, so nothing is buffered
// beyond the destination's own window. A Content-Length given in the headers is enforced: more
// bytes fail the write, fewer fail finish, as the WIT says.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "wasi/expected.h"
#include "wasi/http/fields.h"
#include "wasi/http/http_error.h"
#include "wasi/streams.h"

namespace wcloud::wasi::http {

// Where a bound body's bytes go.
class BodyDestination {
 public:
  virtual ~BodyDestination() = default;
  virtual OutputStream& stream() = 0;
  // The body is complete.
  virtual Expected<std::monostate, ErrorCode> Finish(const FieldList& trailers) = 0;
  // The body is broken (dropped unfinished, too long or too short).
  virtual void Fail(const ErrorCode& error) = 0;
};

using FinishResult = Expected<std::monostate, ErrorCode>;

// The body is also its own output-stream (the guest's writes go through CheckWrite, Write and
// Flush), so handing out the stream allocates nothing.
class OutgoingBody : public OutputStream, public std::enable_shared_from_this<OutgoingBody> {
 public:
  // What an unbound body holds before CheckWrite returns 0.
  static constexpr uint64_t kUnboundLimit = 64 * 1024;

  // `is_request` picks HTTP-request-body-size or HTTP-response-body-size for length errors.
  OutgoingBody(std::optional<uint64_t> content_length, bool is_request)
      : content_length_(content_length), is_request_(is_request) {}

  // The guest's output-stream for this body.
  std::shared_ptr<OutputStream> NewStream();

  StreamResult<uint64_t> CheckWrite() override;
  StreamStatus Write(std::span<const uint8_t> bytes) override;
  StreamStatus Flush() override;
  std::shared_ptr<Pollable> Subscribe() override;

  // Hands what was written (and a finish or drop that already happened) to `destination`;
  // later writes go to it directly.
  void Bind(std::shared_ptr<BodyDestination> destination);

  // outgoing-body.finish.
  FinishResult Finish(FieldList trailers);
  // The guest dropped the outgoing-body without finishing it.
  void Abandon();

  bool bound() const { return destination_ != nullptr; }
  // write() hands out the stream once.
  bool stream_taken() const { return stream_taken_; }
  bool finished() const { return finished_; }
  // Before Bind: whether finish already came, and how many bytes are held.
  uint64_t pending_size() const { return pending_.size(); }
  std::optional<uint64_t> content_length() const { return content_length_; }

 private:
  class StreamPollable;
  friend class StreamPollable;

  ErrorKind size_error_kind() const {
    return is_request_ ? ErrorKind::kHttpRequestBodySize : ErrorKind::kHttpResponseBodySize;
  }
  void Break(const ErrorCode& error);

  std::optional<uint64_t> content_length_;
  bool is_request_;
  std::shared_ptr<BodyDestination> destination_;
  std::vector<uint8_t> pending_;
  uint64_t written_ = 0;
  bool stream_taken_ = false;
  bool finished_ = false;            // finish was called (successfully)
  FieldList pending_trailers_;       // of a finish before Bind
  std::optional<ErrorCode> broken_;  // dropped unfinished, or a length error
};

}  // namespace wcloud::wasi::http
