// What a watch with a label or field selector sends for each change, as the real server does:
// only changes to matching objects, an object that starts matching as ADDED and one that stops
// matching as DELETED, so a client's view holds exactly the objects that match.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>

#include "util/json.h"

namespace wcloud::apiserver {

class WatchFilter {
 public:
  // `matching`: "namespace/name" of the objects the client already holds (its initial list).
  WatchFilter(std::function<bool(const Json&)> matches, std::set<std::string> matching)
      : matches_(std::move(matches)), matching_(std::move(matching)) {}

  // The event to send for `type` (ADDED, MODIFIED, DELETED) happening to `object`, or nullopt
  // to send none.
  std::optional<std::string> TypeFor(const std::string& type, const Json& object);

  static std::string KeyOf(const Json& object);

 private:
  std::function<bool(const Json&)> matches_;
  std::set<std::string> matching_;
};

}  // namespace wcloud::apiserver
