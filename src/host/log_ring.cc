#include "host/log_ring.h"

#include <algorithm>

namespace wcloud::host {

std::string_view LogStreamName(LogStream stream) {
  switch (stream) {
    case LogStream::kStdout:
      return "stdout";
    case LogStream::kStderr:
      return "stderr";
    case LogStream::kLog:
      return "log";
  }
  return "stdout";
}

void LogRing::Append(std::string_view component, LogStream stream, std::string_view text,
                     std::string_view level, std::string_view context, WallClock::time_point time) {
  LogEntry entry;
  entry.time = time;
  entry.component = component;
  entry.stream = stream;
  entry.level = level;
  entry.context = context.substr(0, limits_.max_line_bytes);
  if (text.size() > limits_.max_line_bytes) {
    entry.text = std::string(text.substr(0, limits_.max_line_bytes)) + "...";
  } else {
    entry.text = text;
  }
  const size_t size = entry.text.size() + entry.context.size();
  {
    MutexLock lock(mu_);
    if (closed_) return;
    entry.sequence = ++last_sequence_;
    entries_.push_back(std::move(entry));
    bytes_ += size;
    while (!entries_.empty() &&
           (entries_.size() > limits_.max_lines || bytes_ > limits_.max_bytes)) {
      bytes_ -= entries_.front().text.size() + entries_.front().context.size();
      entries_.pop_front();
    }
  }
  appended_.notify_all();
}

LogPage LogRing::Collect(const LogQuery& query) const {
  auto matches = [&](const LogEntry& e) {
    return e.sequence > query.after_sequence &&
           (query.component.empty() || e.component == query.component) &&
           (!query.since || e.time >= *query.since);
  };
  // The first line to return: the oldest match, or with a tail the tail-th match from the end.
  auto first = entries_.begin();
  if (query.tail > 0) {
    size_t found = 0;
    auto it = entries_.end();
    while (it != entries_.begin() && found < query.tail) {
      --it;
      if (matches(*it)) {
        ++found;
        first = it;
      }
    }
    if (found == 0) first = entries_.end();
  }
  LogPage page;
  page.closed = closed_;
  size_t bytes = 0;
  for (auto it = first; it != entries_.end(); ++it) {
    if (!matches(*it)) continue;
    if (!page.entries.empty() && bytes + it->text.size() > query.max_bytes) {
      page.more = true;
      break;
    }
    bytes += it->text.size();
    page.entries.push_back(*it);
  }
  page.last_sequence =
      page.more ? page.entries.back().sequence : std::max(last_sequence_, query.after_sequence);
  return page;
}

LogPage LogRing::Read(const LogQuery& query,
                      std::optional<std::chrono::steady_clock::time_point> wait_until) const {
  MutexLock lock(mu_);
  LogPage page = Collect(query);
  while (wait_until && page.entries.empty() && !closed_) {
    if (!appended_.WaitUntil(lock, *wait_until)) return Collect(query);
    page = Collect(query);
  }
  return page;
}

void LogRing::Close() {
  {
    MutexLock lock(mu_);
    closed_ = true;
  }
  appended_.notify_all();
}

}  // namespace wcloud::host
