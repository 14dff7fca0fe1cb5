#include "metrics/health.h"

#include <algorithm>
#include <set>
#include <string_view>

namespace wcloud::metrics {
namespace {

// The names given as ?exclude=, each of its repeats (HttpRequest::query keeps only the last).
std::set<std::string> Excluded(const HttpRequest& req) {
  std::set<std::string> names;
  if (auto it = req.query.find("exclude"); it != req.query.end()) names.insert(it->second);
  const size_t q = req.target.find('?');
  if (q == std::string::npos) return names;
  std::string_view rest = std::string_view(req.target).substr(q + 1);
  while (!rest.empty()) {
    const std::string_view pair = rest.substr(0, rest.find('&'));
    rest.remove_prefix(std::min(rest.size(), pair.size() + 1));
    if (pair.rfind("exclude=", 0) == 0) names.insert(std::string(pair.substr(8)));
  }
  return names;
}

}  // namespace

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
  std::set<std::string> excluded = Excluded(req);
  // Outside the lock: a check may ask a server and take its time.
  {
    for (const Entry& e : entries) {
      if (e.readiness_only && !readiness) continue;
      if (excluded.erase(e.name)) {
        lines += "[+]" + e.name + " excluded: ok\n";
        continue;
      }
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
  // As kube-apiserver: a name that matches no check is warned about, not an error.
  for (const std::string& name : excluded) {
    lines += "warn: some health checks cannot be excluded: no matches for \"" + name + "\"\n";
  }
  if (failed) return HttpResponse::Text(500, lines + endpoint + " check failed\n");
  if (req.query.count("verbose"))
    return HttpResponse::Text(200, lines + endpoint + " check passed\n");
  return HttpResponse::Text(200, "ok");
}

}  // namespace wcloud::metrics
