// One client connection: reads and parses requests, hands each to the handler as an Exchange,
// streams its body in and its response out, one exchange at a time (pipelined requests wait in
// the read buffer until the previous response is written). Lives on one EventLoop thread; only
// Wake may be called from elsewhere.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ingress/event_loop.h"
#include "ingress/exchange_state.h"
#include "ingress/request_parser.h"

namespace wcloud::ingress {

class Connection final : public std::enable_shared_from_this<Connection>,
                         public ExchangeOwner,
                         public RequestParser::BodySink {
 public:
  Connection(EventLoop& loop, Socket socket);
  ~Connection() override;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Start();
  Deadline deadline() const { return deadline_; }
  void OnDeadline();
  void BeginDrain();
  void ForceClose();

  void Wake() override;
  void OnBody(std::string_view bytes) override;

 private:
  enum class Phase {
    kIdle,      // waiting for a request's first byte
    kHead,      // reading a request head
    kExchange,  // the handler has the request; body in, response out
    kDiscard,   // the response is written; reading and dropping the rest of the body
    kLinger,    // the response said close; draining input until EOF so it is not reset
    kClosed,
  };

  void ProcessInput();
  void BeginRequest();
  void OnHead();
  // Answers with a response of our own and closes (no handler involved).
  void Reject(int status, std::string_view text, std::string message);
  void RunHandler();
  void ParseFailed(int status, std::string_view text, std::string message);

  bool WantRead() const;
  // Request bytes received and not parsed yet, in our buffer or still in the socket's.
  bool InputPending() const;
  void MaybeRead();
  void OnRead(const boost::system::error_code& ec, size_t n);
  void Pump();
  void StartWrite();
  void OnWritten(const boost::system::error_code& ec);
  void EndExchange(bool close);
  // Resets for the next request on this connection; false (and closing) when draining.
  bool PrepareNextRequest();
  void NextRequest();
  void Linger();
  void Close();

  EventLoop& loop_;
  const IngressOptions& options_;
  Socket socket_;
  std::string remote_;
  Phase phase_ = Phase::kIdle;
  Deadline deadline_{};

  std::vector<char> read_buffer_;
  size_t read_begin_ = 0;  // unparsed bytes are [read_begin_, read_end_)
  size_t read_end_ = 0;
  bool reading_ = false;
  bool paused_ = false;        // the handler's body buffer is full
  bool parse_failed_ = false;  // input after a framing error is never parsed
  size_t head_bytes_ = 0;

  std::string write_buffer_;
  bool writing_ = false;
  bool finish_seen_ = false;

  std::shared_ptr<ExchangeState> state_;
  HeaderList trailers_;  // the parser's, handed to the state with the end of the body
  std::optional<RequestParser> parser_;
};

}  // namespace wcloud::ingress
