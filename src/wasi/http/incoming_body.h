// The state behind incoming-body and future-trailers, for a request the guest serves and a
// response it received alike: a byte stream (any wasi InputStream) and the trailers that are
// known once it has ended.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "wasi/expected.h"
#include "wasi/http/fields.h"
#include "wasi/http/http_error.h"
#include "wasi/poll.h"
#include "wasi/streams.h"

namespace wcloud::wasi::http {

struct IncomingBodySource {
  std::shared_ptr<InputStream> stream;
  // Asked once the stream reported Closed, while `stream` is still held; nullptr: no trailers.
  std::function<FieldList()> trailers;
};

// incoming-body: the stream, handed out once.
struct IncomingBody {
  IncomingBodySource source;
  bool stream_taken = false;
};

using TrailersResult = Expected<FieldList, ErrorCode>;

// future-trailers. Waiting on it reads (and discards) whatever the guest left unread of the
// body, so the trailers arrive even when it stopped reading early.
class TrailersFuture : public std::enable_shared_from_this<TrailersFuture> {
 public:
  explicit TrailersFuture(IncomingBodySource source) : source_(std::move(source)) {}

  std::shared_ptr<Pollable> Subscribe();
  // future-trailers.get: nullopt while pending; then the result, once; then an Error value
  // (the outer result's err) on later calls, reported as `taken`.
  struct Got {
    bool taken = false;
    std::optional<TrailersResult> result;
  };
  std::optional<Got> Get();

 private:
  class FuturePollable;
  // Reads without waiting until the stream ends, fails or has nothing now.
  bool Advance();

  IncomingBodySource source_;
  std::shared_ptr<Pollable> stream_pollable_;
  std::optional<TrailersResult> result_;
  bool taken_ = false;
};

}  // namespace wcloud::wasi::http
