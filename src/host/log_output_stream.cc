#include "host/log_output_stream.h"

namespace wcloud::host {

LogOutputStream::~LogOutputStream() {
  if (!partial_.empty()) AppendLine();
}

wasi::StreamStatus LogOutputStream::Write(std::span<const uint8_t> bytes) {
  wasi::StreamStatus status = inner_->Write(bytes);
  const size_t limit = ring_->limits().max_line_bytes;
  for (uint8_t byte : bytes) {
    const char c = static_cast<char>(byte);
    if (c == '\n') {
      AppendLine();
      continue;
    }
    if (cut_) continue;
    if (partial_.size() > limit) {
      // The ring cuts it to the limit and marks it; what follows until the newline is dropped.
      AppendLine();
      cut_ = true;
      continue;
    }
    partial_ += c;
  }
  return status;
}

void LogOutputStream::AppendLine() {
  if (!cut_) {
    std::string_view line = partial_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ring_->Append(component_, stream_, line);
  }
  partial_.clear();
  cut_ = false;
}

}  // namespace wcloud::host
