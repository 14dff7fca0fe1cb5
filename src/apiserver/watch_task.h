// One watch response as a WatchHub task: the initial objects, then the store's events that match,
// bookmarks, and the end at timeoutSeconds — written only as fast as the client reads. A client
// that stops reading lets its events pile up in the store's bounded WatchStream, which then
// closes it (the client relists), so a slow watcher costs bounded memory.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "apiserver/object_store.h"
#include "apiserver/watch_filter.h"
#include "apiserver/watch_hub.h"
#include "util/http_server.h"
#include "util/json.h"

namespace wcloud::apiserver {

struct WatchPlan {
  std::function<std::string(const std::string& type, const Json& object)> encode;
  std::optional<WatchFilter> filter;  // set when the watch has a selector
  std::vector<Json> initial;          // sent first as ADDED
  std::optional<Json> gone;           // when set: the only event, an ERROR with this Status
  std::shared_ptr<WatchStream> events;
  int64_t from_revision = 0;
  std::optional<Json> bookmark;  // kind and apiVersion of BOOKMARK objects, when asked for
  std::chrono::milliseconds bookmark_interval{10000};
  WatchHub::Clock::time_point deadline;
  size_t high_water_bytes = 1 << 20;  // queued for the client before events wait in the store
};

class WatchTask : public WatchHub::Task {
 public:
  WatchTask(WatchPlan plan, std::shared_ptr<ResponseStream> out);
  ~WatchTask() override;

  // Wakes this task through `hub` when events arrive, bytes reach the client or it leaves.
  void Attach(WatchHub& hub);
  std::optional<WatchHub::Clock::time_point> Run(bool stopping) override;

 private:
  std::nullopt_t Finish();
  bool Backlogged() const { return out_->pending_bytes() > plan_.high_water_bytes; }

  WatchPlan plan_;
  std::shared_ptr<ResponseStream> out_;
  size_t next_initial_ = 0;
  int64_t last_revision_;
  WatchHub::Clock::time_point next_bookmark_;
};

}  // namespace wcloud::apiserver
