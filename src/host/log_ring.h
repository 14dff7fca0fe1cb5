// What a workload's components wrote — stdout, stderr and wasi:logging — kept on its host in a
// bounded ring, so `wcloud logs` can fetch it from whichever host runs the workload. The ring
// holds the newest lines up to a byte and a line limit (whichever comes first); older ones fall
// off. Readers ask by time, tail and sequence number; followers wait on a condition variable
// for lines after the last they saw, never poll.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/mutex.h"
#include "util/timestamp.h"

namespace wcloud::host {

enum class LogStream { kStdout, kStderr, kLog };
std::string_view LogStreamName(LogStream stream);  // "stdout", "stderr", "log"

struct LogEntry {
  uint64_t sequence = 0;  // 1 for a ring's first line, then one more for each
  WallClock::time_point time;
  std::string component;
  LogStream stream = LogStream::kStdout;
  std::string level;    // wasi:logging's ("info"); empty for stdout and stderr
  std::string context;  // wasi:logging's
  std::string text;     // one line, without its newline
};

struct LogQuery {
  std::string component = {};                       // empty: every component
  std::optional<WallClock::time_point> since = {};  // lines at or after this time
  size_t tail = 0;                                  // the last N matching lines; 0: all
  uint64_t after_sequence = 0;                      // lines after this one (following)
  size_t max_bytes = 512 * 1024;                    // of text in one answer
};

struct LogPage {
  std::vector<LogEntry> entries;
  // Ask after this one next: the last line returned, or, when none matched, the ring's last.
  uint64_t last_sequence = 0;
  bool more = false;    // cut at max_bytes: ask again at once
  bool closed = false;  // the workload is gone: no more lines will come
};

class LogRing {
 public:
  struct Limits {
    size_t max_bytes = 1 << 20;  // of text kept
    size_t max_lines = 10000;
    size_t max_line_bytes = 16 * 1024;  // longer lines are cut, marked with "..."
  };

  explicit LogRing(Limits limits) : limits_(limits) {}
  LogRing(const LogRing&) = delete;
  LogRing& operator=(const LogRing&) = delete;

  // Adds one line (without its newline) and wakes followers. No-op once closed.
  void Append(std::string_view component, LogStream stream, std::string_view text,
              std::string_view level = "", std::string_view context = "",
              WallClock::time_point time = WallClock::now());

  // The lines `query` asks for, oldest first. When none match and `wait_until` is given, waits
  // until one does, the ring closes or the deadline passes.
  LogPage Read(
      const LogQuery& query,
      std::optional<std::chrono::steady_clock::time_point> wait_until = std::nullopt) const;

  // The workload is gone: wakes followers, who learn it from LogPage::closed.
  void Close();

  const Limits& limits() const { return limits_; }

 private:
  LogPage Collect(const LogQuery& query) const REQUIRES(mu_);

  const Limits limits_;
  mutable Mutex mu_;
  mutable CondVar appended_;
  std::deque<LogEntry> entries_ GUARDED_BY(mu_);
  size_t bytes_ GUARDED_BY(mu_) = 0;
  uint64_t last_sequence_ GUARDED_BY(mu_) = 0;
  bool closed_ GUARDED_BY(mu_) = false;
};

}  // namespace wcloud::host
