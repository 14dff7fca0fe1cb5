// Kubernetes label selectors: the string form ("app=web,tier in (a,b),!canary") used by list and
// watch requests and by /scale's status.selector, and matching against an object's labels.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wcloud::api {

using Labels = std::map<std::string, std::string>;

struct LabelRequirement {
  enum class Op {
    kEquals,
    kNotEquals,
    kIn,
    kNotIn,
    kExists,
    kDoesNotExist,
    kGreaterThan,
    kLessThan
  };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;  // sorted; one for =, !=, >, <

  bool Matches(const Labels& labels) const;
};

class LabelSelector {
 public:
  // The empty selector matches everything.
  LabelSelector() = default;
  static Result<LabelSelector> Parse(std::string_view text);
  // From matchLabels and matchExpressions (operators In, NotIn, Exists, DoesNotExist).
  static Result<LabelSelector> FromMatch(
      const Labels& match_labels,
      const std::vector<std::pair<std::string, std::vector<std::string>>>& in_expressions = {});
  static LabelSelector FromEquals(const Labels& labels);

  bool Matches(const Labels& labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  // Canonical string form, requirements sorted by key: "app=web,tier in (a,b)".
  std::string ToString() const;

 private:
  std::vector<LabelRequirement> requirements_;
};

}  // namespace wcloud::api
