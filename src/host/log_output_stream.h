// A guest's stdout or stderr: every byte still goes where it went before (the host's own
// descriptor), and complete lines also go to the workload's LogRing, labelled by component.
// Pieces of a line written separately (printf without a newline, then the rest) are joined; a
// line longer than the ring's limit is cut there and the rest of it dropped. One stream per
// instance, so instances never interleave pieces of their lines; what is left without a newline
// goes to the ring when the instance drops its stream.
#pragma once

#include <memory>
#include <string>

#include "host/log_ring.h"
#include "wasi/streams.h"

namespace wcloud::host {

class LogOutputStream final : public wasi::OutputStream {
 public:
  LogOutputStream(std::shared_ptr<LogRing> ring, std::string component, LogStream stream,
                  std::shared_ptr<wasi::OutputStream> inner)
      : ring_(std::move(ring)),
        component_(std::move(component)),
        stream_(stream),
        inner_(std::move(inner)) {}
  ~LogOutputStream() override;

  wasi::StreamResult<uint64_t> CheckWrite() override { return inner_->CheckWrite(); }
  wasi::StreamStatus Write(std::span<const uint8_t> bytes) override;
  wasi::StreamStatus Flush() override { return inner_->Flush(); }
  std::shared_ptr<wasi::Pollable> Subscribe() override { return inner_->Subscribe(); }

 private:
  void AppendLine();

  std::shared_ptr<LogRing> ring_;
  const std::string component_;
  const LogStream stream_;
  std::shared_ptr<wasi::OutputStream> inner_;
  std::string partial_;  // the current line so far
  bool cut_ = false;     // the current line passed the limit: drop the rest of it
};

}  // namespace wcloud::host
