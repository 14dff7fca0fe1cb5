// GET .../namespaces/NS/workloads/NAME/log, as pods/log: the lines a Workload's components
// wrote, fetched from the host that runs it (the Workload's placement annotation), as text —
// "TIME [component] text", wasi:logging lines with their level and context — and, with
// follow=true, streamed as they come until the client leaves or the workload stops. Query:
// follow, sinceSeconds, sinceTime, tailLines, container (a component's name).
//
// The API server knows no hosts: `main` gives it a WorkloadLogSource that reaches them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "util/http_server.h"
#include "util/json.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::apiserver {

struct LogFetch {
  std::string workload_id;
  std::string component;   // empty: every component
  std::string since_time;  // RFC 3339; empty: all
  uint64_t tail_lines = 0;
  uint64_t after_sequence = 0;
  uint32_t wait_millis = 0;  // when nothing is there yet, wait this long for a line
};

struct LogLine {
  std::string time;
  std::string component;
  std::string stream;  // "stdout", "stderr", "log"
  std::string level;
  std::string context;
  std::string text;
};

struct LogBatch {
  bool found = false;  // the host runs the workload
  std::vector<LogLine> lines;
  uint64_t last_sequence = 0;
  bool more = false;
  bool ended = false;
  std::string error;  // the host refused the request
};

class WorkloadLogSource {
 public:
  virtual ~WorkloadLogSource() = default;
  // Errors: the host cannot be reached (kUnavailable, kDeadlineExceeded).
  virtual Result<LogBatch> Fetch(const std::string& host_id, const LogFetch& fetch) = 0;
};

// "TIME [component] text" (and "level context: " before the text of wasi:logging lines).
std::string FormatLogLine(const LogLine& line);

class WorkloadLogServer {
 public:
  // `source` may be null: every request is then 503.
  explicit WorkloadLogServer(WorkloadLogSource* source) : source_(source) {}
  ~WorkloadLogServer() { Stop(); }
  WorkloadLogServer(const WorkloadLogServer&) = delete;
  WorkloadLogServer& operator=(const WorkloadLogServer&) = delete;

  // `workload` is the stored Workload the request names.
  HttpResponse Serve(const HttpRequest& req, const Json& workload);
  // Ends every follower and waits for their threads.
  void Stop();

 private:
  struct Follower {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  void Follow(const std::string& host_id, LogFetch fetch, ResponseStream& out);

  WorkloadLogSource* source_;
  std::atomic<bool> stopping_{false};
  Mutex mu_;
  std::vector<Follower> followers_ GUARDED_BY(mu_);
};

}  // namespace wcloud::apiserver
