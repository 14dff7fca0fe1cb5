#include "metrics/health.h"

namespace wcloud::metrics {

void HealthChecks::AddLiveness(std::string name, Check check) {
  MutexLock lock(mu_);
  entries_.push_back({std::move(name), std::move(check), nullptr, false});
}

void HealthChecks::AddReadiness(std::string name, Check check) {
  MutexLock lock(mu_);
  entries_.push_back({std::move(name), std::move(check), nullptr, true});
}

void HealthChecks::AddReport(std::string name, Report report) {
  MutexLock lock(mu_);
  entries_.push_back({std::move(name), nullptr, std::move(report), true});
}

std::optional<HttpResponse> HealthChecks::Serve(const HttpRequest& req) const {
  std::string endpoint;
  if (req.path == "/healthz" || req.path == "/livez" || req.path == "/readyz") {
    endpoint = req.path.substr(1);
  } else {
    return std::nullopt;
  }
  const bool readiness = endpoint == "readyz";
  std::string lines;
  bool failed = false;
  std::vector<Entry> entries;
  {
    MutexLock lock(mu_);
    entries = entries_;
  }
  // Outside the lock: a check may ask a server and take its time.
  {
    for (const Entry& e : entries) {
      if (e.readiness_only && !readiness) continue;
      if (e.report) {
        lines += "[+]" + e.name + " ok: " + e.report() + "\n";
        continue;
      }
      Status s = e.check();
      if (s) {
        lines += "[+]" + e.name + " ok\n";
      } else {
        failed = true;
        lines += "[-]" + e.name + " failed: " + s.error().message() + "\n";
      }
    }
  }
  if (failed) return HttpResponse::Text(500, lines + endpoint + " check failed\n");
  if (req.query.count("verbose"))
    return HttpResponse::Text(200, lines + endpoint + " check passed\n");
  return HttpResponse::Text(200, "ok");
}

}  // namespace wcloud::metrics
