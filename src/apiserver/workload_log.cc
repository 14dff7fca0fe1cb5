#include "apiserver/workload_log.h"

#include <charconv>
#include <chrono>

#include "api/placement.h"
#include "apiserver/registry.h"
#include "util/timestamp.h"

namespace wcloud::apiserver {
namespace {

// Each request a follower sends waits this long on the host for a line, so a client that left
// is noticed, and Stop returns, within about this time.
constexpr uint32_t kFollowWaitMillis = 2000;
// Followers at once; more are 429, as an overloaded server answers.
constexpr size_t kMaxFollowers = 64;
// Pages of one answer without follow (each at most what one host message holds).
constexpr int kMaxPages = 64;

HttpResponse Refuse(int code, const std::string& reason, const std::string& message) {
  HttpResponse r;
  r.status = code;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = StatusBody(code, reason, message).dump();
  return r;
}

Result<uint64_t> Count(const HttpRequest& req, const std::string& key) {
  const std::string v = req.Query(key);
  uint64_t n = 0;
  if (v.empty()) return n;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size()) {
    return Error(key + ": \"" + v + "\" is not a non-negative integer",
                 ErrorCode::kInvalidArgument);
  }
  return n;
}

std::string Text(const LogBatch& batch) {
  std::string text;
  for (const LogLine& line : batch.lines) text += FormatLogLine(line);
  return text;
}

}  // namespace

std::string FormatLogLine(const LogLine& line) {
  std::string out = line.time + " [" + line.component + "] ";
  if (line.stream == "log") {
    out += line.level + " " + (line.context.empty() ? std::string() : line.context + ": ");
  }
  out += line.text;
  out += '\n';
  return out;
}

HttpResponse WorkloadLogServer::Serve(const HttpRequest& req, const Json& workload) {
  if (req.method != "GET") return Refuse(405, "MethodNotAllowed", "log: only GET is allowed");
  const std::string name = workload["metadata"].value("name", "");
  std::map<std::string, std::string> annotations;
  if (auto a = workload["metadata"].find("annotations");
      a != workload["metadata"].end() && a->is_object()) {
    for (const auto& [k, v] : a->items()) {
      if (v.is_string()) annotations[k] = v.get<std::string>();
    }
  }
  auto placement = api::PlacementOf(annotations);
  if (!placement) {
    return Refuse(400, "BadRequest", "workload \"" + name + "\" has not been started on a host");
  }
  if (!source_) return Refuse(503, "ServiceUnavailable", "this server cannot reach hosts' logs");

  LogFetch fetch;
  fetch.workload_id = placement->workload_id;
  fetch.component = req.Query("container");
  auto tail = Count(req, "tailLines");
  auto since_seconds = Count(req, "sinceSeconds");
  if (!tail) return Refuse(400, "BadRequest", tail.error().message());
  if (!since_seconds) return Refuse(400, "BadRequest", since_seconds.error().message());
  fetch.tail_lines = *tail;
  if (*since_seconds > 0) {
    fetch.since_time = FormatMicroTime(WallClock::now() - std::chrono::seconds(*since_seconds));
  } else if (!req.Query("sinceTime").empty()) {
    auto since = ParseTime(req.Query("sinceTime"));
    if (!since) return Refuse(400, "BadRequest", "sinceTime: " + since.error().message());
    fetch.since_time = FormatMicroTime(*since);
  }
  const std::string follow = req.Query("follow");
  if (!follow.empty() && follow != "true" && follow != "false" && follow != "1" && follow != "0") {
    return Refuse(400, "BadRequest", "follow: \"" + follow + "\" is not a boolean");
  }

  // The first page tells whether the host runs the workload; its lines open the answer.
  auto first = source_->Fetch(placement->host_id, fetch);
  if (!first) {
    return Refuse(
        503, "ServiceUnavailable",
        "workload \"" + name + "\": host " + placement->host_id + ": " + first.error().message());
  }
  if (!first->error.empty()) return Refuse(400, "BadRequest", first->error);
  if (!first->found) {
    return Refuse(404, "NotFound",
                  "workload \"" + name + "\" is not running on host " + placement->host_id);
  }

  if (follow != "true" && follow != "1") {
    std::string body = Text(*first);
    LogBatch page = std::move(*first);
    for (int i = 1; page.more && i < kMaxPages; ++i) {
      fetch.after_sequence = page.last_sequence;
      fetch.tail_lines = 0;
      auto next = source_->Fetch(placement->host_id, fetch);
      if (!next || !next->found) break;
      page = std::move(*next);
      body += Text(page);
    }
    return HttpResponse::Text(200, std::move(body));
  }

  MutexLock lock(mu_);
  // Threads of followers that ended go first.
  std::erase_if(followers_, [](Follower& f) {
    if (!f.done->load()) return false;
    f.thread.join();
    return true;
  });
  if (followers_.size() >= kMaxFollowers) {
    return Refuse(429, "TooManyRequests", "too many logs are being followed");
  }
  HttpResponse r = HttpResponse::Text(200, "");
  const std::string host_id = placement->host_id;
  const std::string opening = Text(*first);
  fetch.after_sequence = first->last_sequence;
  fetch.tail_lines = 0;
  fetch.since_time.clear();
  const bool ended = first->ended;
  r.stream = [this, host_id, fetch, opening, ended](std::shared_ptr<ResponseStream> out) {
    if (!opening.empty()) out->Write(opening);
    if (ended) {
      out->Close();
      return;
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    MutexLock lock(mu_);
    if (stopping_) {
      out->Close();
      return;
    }
    followers_.push_back({std::thread([this, host_id, fetch, out, done] {
                            Follow(host_id, fetch, *out);
                            done->store(true);
                          }),
                          done});
  };
  return r;
}

void WorkloadLogServer::Follow(const std::string& host_id, LogFetch fetch, ResponseStream& out) {
  fetch.wait_millis = kFollowWaitMillis;
  while (!stopping_ && !out.closed()) {
    auto batch = source_->Fetch(host_id, fetch);
    if (!batch || !batch->found || !batch->error.empty()) break;
    if (!batch->lines.empty() && !out.Write(Text(*batch))) break;
    fetch.after_sequence = batch->last_sequence;
    if (batch->ended) break;
  }
  out.Close();
}

void WorkloadLogServer::Stop() {
  stopping_ = true;
  std::vector<Follower> followers;
  {
    MutexLock lock(mu_);
    followers.swap(followers_);
  }
  for (Follower& f : followers) f.thread.join();
}

}  // namespace wcloud::apiserver
