// The shared half of one exchange, between the connection (on its I/O thread) and the handler
// side (RequestBody, ResponseWriter, on any thread). The connection fills the request body and
// drains the response bytes; the handler does the opposite. One mutex guards everything, the
// connection is woken through ExchangeOwner, and eventfds mirror readiness for poll(2).
// Internal to the ingress server.
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include "ingress/exchange.h"
#include "ingress/http_date.h"
#include "ingress/readiness_fd.h"
#include "util/mutex.h"

namespace wcloud::ingress {

// The connection as the state sees it.
class ExchangeOwner {
 public:
  virtual ~ExchangeOwner() = default;
  // Asks the I/O thread to look at the state again (ExchangeState::Poll). Called just after the
  // state's mutex is released (so the thread it wakes does not block on it), at most once
  // between two Polls, never while the handler runs inline; Detach waits for a call under way.
  virtual void Wake() = 0;
};

class ExchangeState {
 public:
  // `server_draining`: set when the server begins to stop, read when a response starts.
  ExchangeState(size_t body_buffer_bytes, size_t response_buffer_bytes, HttpDate* date,
                const std::atomic<bool>* server_draining);
  ExchangeState(const ExchangeState&) = delete;
  ExchangeState& operator=(const ExchangeState&) = delete;

  // ---- The connection's side (its I/O thread).

  // Makes this state ready for a new request, keeping its buffers and descriptors. Only when no
  // handler holds it any more (Reusable).
  void Reset(ExchangeOwner* owner);
  // No Exchange, RequestBody or ResponseWriter refers to this state any more.
  bool Reusable();
  // Filled by the parser before the handler gets the exchange; read-only afterwards.
  Request& request() { return request_; }
  // The facts the body and the response framing depend on, known once the head is parsed.
  void SetHead(bool has_body, bool head_method, bool keep_alive, bool expect_continue,
               Deadline deadline);
  // Brackets an inline handler call: its writes are picked up by the Poll that follows.
  void EnterHandler();
  void LeaveHandler();

  // Returns true when the buffer is full and the connection should stop reading.
  bool AppendBody(std::string_view bytes);
  // The body is complete; takes the trailers the parser collected.
  void EndBody(HeaderList& trailers);
  // The response is done but the body is not: its remaining bytes will be read and dropped.
  void DiscardBody();
  // The server ends the exchange: answers `status` (with `text` as body, then closing) if the
  // response has not started, otherwise aborts it; `status` 0 when the client is gone. Both
  // streams report `message` from then on.
  void Fail(int status, std::string_view text, std::string message);
  // The connection lets go (it closed, or moved on while the handler still holds this state).
  void Detach();

  struct Progress {
    bool took_output = false;  // `out` now holds bytes to write
    bool finished = false;     // the response is complete (by the handler or the server)
    bool aborted = false;      // the connection must close now
    bool close = false;        // close once the response is written
    bool read_paused = false;  // the body buffer is still too full to read more
  };
  // What the connection should do next. When `out` is given (no write in flight) and output is
  // queued, swaps it into `out`.
  Progress Poll(std::string* out);
  // The output last taken by Poll has been written.
  void OutputWritten();
  Deadline deadline() const {
    MutexLock lock(mu_);
    return deadline_;
  }

  // ---- The handler's side (any thread): RequestBody and ResponseWriter forward here.

  // The holds of StateRef; the primary one's release also ends deferred wake-ups.
  void AddRef();
  void ReleaseRef(bool primary);
  // Response progress wakes the connection only at FlushWakes, a wait (the ReadyFd calls) or the
  // end of deferring; the wake-ups the handler's reads cause (resume reading, 100 Continue) are
  // never deferred, so a handler reading without waiting cannot stall its own body.
  void DeferWakes();
  void FlushWakes();
  bool BodyReady();
  bool WriteReady();

  Result<BodyRead> TryRead(size_t max);
  Result<int> BodyReadyFd();
  HeaderList Trailers();
  Status Start(int status, const HeaderList& headers);
  Result<size_t> CheckWrite();
  Status Write(std::string_view bytes);
  Result<int> WriteReadyFd();
  Status Finish(const HeaderList& trailers);
  void Abort();
  bool finished();

 private:
  // `deferrable`: response progress, held back while deferring.
  void WakeLocked(bool deferrable = false) REQUIRES(mu_);
  void FlushWakesLocked() REQUIRES(mu_);
  bool BodyReadyLocked() const REQUIRES(mu_);
  bool WriteReadyLocked() const REQUIRES(mu_);
  void UpdateFdsLocked() REQUIRES(mu_);
  size_t CapacityLocked() const REQUIRES(mu_);
  void MaybeSendContinueLocked() REQUIRES(mu_);
  // A complete response of our own (errors), ending with the connection.
  void AppendSimpleResponseLocked(int status, std::string_view text) REQUIRES(mu_);
  void AppendStatusLineLocked(int status) REQUIRES(mu_);

  // Holds mu_ and, releasing it, makes the wake-up WakeLocked decided on.
  class Guard;

  mutable Mutex mu_;
  ExchangeOwner* owner_ GUARDED_BY(mu_) = nullptr;  // null once detached
  bool wake_owed_ GUARDED_BY(mu_) = false;
  std::atomic<int> wakes_under_way_{0};
  bool wake_pending_ GUARDED_BY(mu_) = false;
  bool in_handler_ GUARDED_BY(mu_) = false;
  int handler_refs_ GUARDED_BY(mu_) = 0;
  bool defer_wakes_ GUARDED_BY(mu_) = false;
  bool wake_deferred_ GUARDED_BY(mu_) = false;  // a deferrable wake-up was held back
  const size_t body_buffer_bytes_;
  const size_t response_buffer_bytes_;
  HttpDate* const date_;
  // The server's, not this exchange's: a handler on another thread may start its response
  // before the connection's loop has drained.
  const std::atomic<bool>* const server_draining_;

  Request request_ GUARDED_BY(mu_);
  Deadline deadline_ GUARDED_BY(mu_){};
  bool head_method_ GUARDED_BY(mu_) = false;
  bool keep_alive_ GUARDED_BY(mu_) = true;
  bool expect_continue_ GUARDED_BY(mu_) = false;
  bool continue_sent_ GUARDED_BY(mu_) = false;
  std::string error_ GUARDED_BY(mu_);  // set once the exchange failed; both streams report it

  // Request body.
  std::string body_ GUARDED_BY(mu_);
  size_t body_offset_ GUARDED_BY(mu_) = 0;
  bool body_end_ GUARDED_BY(mu_) = false;
  bool discarded_ GUARDED_BY(mu_) = false;
  bool read_paused_ GUARDED_BY(mu_) = false;
  HeaderList trailers_ GUARDED_BY(mu_);
  ReadinessFd body_ready_ GUARDED_BY(mu_);

  // Response.
  bool started_ GUARDED_BY(mu_) = false;
  bool finished_ GUARDED_BY(mu_) = false;
  bool aborted_ GUARDED_BY(mu_) = false;
  bool close_ GUARDED_BY(mu_) = false;
  bool chunked_ GUARDED_BY(mu_) = false;
  bool no_body_ GUARDED_BY(mu_) = false;
  bool has_length_ GUARDED_BY(mu_) = false;
  uint64_t content_length_ GUARDED_BY(mu_) = 0;
  uint64_t body_written_ GUARDED_BY(mu_) = 0;
  std::string pending_ GUARDED_BY(mu_);       // queued, not yet taken by the connection
  size_t writing_bytes_ GUARDED_BY(mu_) = 0;  // taken, not yet written
  ReadinessFd write_ready_ GUARDED_BY(mu_);
};

}  // namespace wcloud::ingress
