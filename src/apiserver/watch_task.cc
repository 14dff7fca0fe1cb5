#include "apiserver/watch_task.h"

#include <algorithm>

#include "apiserver/api_result.h"

namespace wcloud::apiserver {

WatchTask::WatchTask(WatchPlan plan, std::shared_ptr<ResponseStream> out)
    : plan_(std::move(plan)),
      out_(std::move(out)),
      last_revision_(plan_.from_revision),
      next_bookmark_(WatchHub::Clock::now() + plan_.bookmark_interval) {}

WatchTask::~WatchTask() { Finish(); }

void WatchTask::Attach(WatchHub& hub) {
  const WatchHub::Task* key = this;
  auto wake = [&hub, key] { hub.Wake(key); };
  out_->SetListener(wake);
  if (plan_.events) plan_.events->SetListener(wake);
}

std::nullopt_t WatchTask::Finish() {
  // Listeners first: what closes below must not wake a task that is going away.
  out_->SetListener(nullptr);
  if (plan_.events) {
    plan_.events->SetListener(nullptr);
    plan_.events->Close();
  }
  out_->Close();
  return std::nullopt;
}

std::optional<WatchHub::Clock::time_point> WatchTask::Run(bool stopping) {
  if (stopping || out_->closed()) return Finish();
  if (plan_.gone) {
    out_->Write(plan_.encode("ERROR", *plan_.gone));
    return Finish();
  }
  while (next_initial_ < plan_.initial.size()) {
    if (Backlogged()) return plan_.deadline;  // woken as the client reads
    if (!out_->Write(plan_.encode("ADDED", plan_.initial[next_initial_++]))) return Finish();
  }
  while (!Backlogged()) {
    auto event = plan_.events->TryNext();
    if (!event) break;
    last_revision_ = event->revision;
    std::optional<std::string> type = event->type;
    if (plan_.filter) type = plan_.filter->TypeFor(event->type, *event->object);
    if (!type) continue;
    if (!out_->Write(plan_.encode(*type, *event->object))) return Finish();
  }
  if (!Backlogged() && plan_.events->closed()) {
    out_->Write(plan_.encode("ERROR", StatusBody(410, "Expired", plan_.events->close_reason())));
    return Finish();
  }
  const auto now = WatchHub::Clock::now();
  if (now >= plan_.deadline) return Finish();
  if (!plan_.bookmark || Backlogged()) return plan_.deadline;  // backlogged: woken as it drains
  if (now >= next_bookmark_) {
    Json mark = *plan_.bookmark;
    mark["metadata"] = {{"resourceVersion", std::to_string(last_revision_)}};
    if (!out_->Write(plan_.encode("BOOKMARK", mark))) return Finish();
    next_bookmark_ = now + plan_.bookmark_interval;
  }
  return std::min(plan_.deadline, next_bookmark_);
}

}  // namespace wcloud::apiserver
