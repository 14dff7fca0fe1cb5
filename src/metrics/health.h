// /healthz, /livez and /readyz in the Kubernetes API server's format: "ok" when every check
// passes; otherwise (or with ?verbose) a line per check — "[+]informers-synced ok",
// "[-]nats failed: not connected" — and "readyz check failed" with status 500. A check that is
// reported but not required ("[+]leader-election ok: not the leader") never fails readiness.
// "?exclude=NAME" (repeatable) skips a check: "[+]NAME excluded: ok".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "util/http_server.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::metrics {

class HealthChecks {
 public:
  using Check = std::function<Status()>;
  // What an informational check says when it passes ("leader", "not the leader").
  using Report = std::function<std::string()>;

  // Liveness (/healthz, /livez); /readyz includes these too.
  void AddLiveness(std::string name, Check check);
  // Readiness (/readyz).
  void AddReadiness(std::string name, Check check);
  // Listed on /readyz, never failing it.
  void AddReport(std::string name, Report report);

  // The answer for /healthz, /livez or /readyz; nullopt for any other path.
  std::optional<HttpResponse> Serve(const HttpRequest& req) const;

 private:
  struct Entry {
    std::string name;
    Check check;    // unset for a report
    Report report;  // set for a report
    bool readiness_only = false;
  };
  mutable Mutex mu_;
  std::vector<Entry> entries_ GUARDED_BY(mu_);
};

}  // namespace wcloud::metrics
