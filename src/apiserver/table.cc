#include "apiserver/table.h"

#include "util/timestamp.h"

namespace wcloud::apiserver {
namespace {

// Splits ".a.b[0].c[?(@.type==\"Ready\")].d" into steps.
struct Step {
  std::string field;
  std::optional<size_t> index;
  std::string filter_key;  // [?(@.key=="value")]
  std::string filter_value;
};

std::vector<Step> ParsePath(const std::string& path) {
  std::vector<Step> steps;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      size_t end = path.find_first_of(".[", i);
      steps.push_back({path.substr(i, end == std::string::npos ? end : end - i), {}, "", ""});
      i = end == std::string::npos ? path.size() : end;
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos || steps.empty()) break;
      std::string inner = path.substr(i + 1, close - i - 1);
      if (inner.rfind("?(@.", 0) == 0) {
        size_t eq = inner.find("==");
        if (eq != std::string::npos) {
          steps.back().filter_key = inner.substr(4, eq - 4);
          std::string value = inner.substr(eq + 2);
          if (!value.empty() && value.back() == ')') value.pop_back();
          if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
            value = value.substr(1, value.size() - 2);
          }
          steps.back().filter_value = value;
        }
      } else if (!inner.empty() && inner.find_first_not_of("0123456789") == std::string::npos) {
        steps.back().index = std::stoul(inner);
      }
      i = close + 1;
    } else {
      break;
    }
  }
  return steps;
}

}  // namespace

Json EvaluateJsonPath(const Json& object, const std::string& path) {
  const Json* cur = &object;
  for (const auto& step : ParsePath(path)) {
    if (!cur->is_object() || !cur->contains(step.field)) return nullptr;
    cur = &(*cur)[step.field];
    if (step.index) {
      if (!cur->is_array() || *step.index >= cur->size()) return nullptr;
      cur = &(*cur)[*step.index];
    } else if (!step.filter_key.empty()) {
      if (!cur->is_array()) return nullptr;
      const Json* match = nullptr;
      for (const auto& e : *cur) {
        if (e.is_object() && e.contains(step.filter_key) &&
            e[step.filter_key] == Json(step.filter_value)) {
          match = &e;
          break;
        }
      }
      if (!match) return nullptr;
      cur = match;
    }
  }
  return *cur;
}

std::string HumanAge(const std::string& timestamp) {
  auto t = ParseTime(timestamp);
  if (!t) return "<unknown>";
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(WallClock::now() - *t).count();
  if (secs < 0) secs = 0;
  if (secs < 120) return std::to_string(secs) + "s";
  if (secs < 3600 * 3) return std::to_string(secs / 60) + "m";
  if (secs < 86400 * 2) return std::to_string(secs / 3600) + "h";
  return std::to_string(secs / 86400) + "d";
}

bool WantsTable(const std::string& accept) { return accept.find("as=Table") != std::string::npos; }

Json ToTable(const ResourceDef& def, const std::vector<Json>& objects,
             const std::string& include_object, const std::string& resource_version,
             const std::string& continue_token) {
  Json columns = Json::array({{{"name", "Name"},
                               {"type", "string"},
                               {"format", "name"},
                               {"description", "Name"},
                               {"priority", 0}}});
  for (const auto& c : def.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type == "date" ? "string" : c.type},
                       {"format", ""},
                       {"description", c.description},
                       {"priority", c.priority}});
  }
  Json rows = Json::array();
  for (const auto& o : objects) {
    Json cells = Json::array({EvaluateJsonPath(o, ".metadata.name")});
    for (const auto& c : def.columns) {
      Json v = EvaluateJsonPath(o, c.json_path);
      if (c.type == "date" && v.is_string()) v = HumanAge(v.get<std::string>());
      if (v.is_null()) v = c.type == "integer" ? Json(nullptr) : Json("");
      cells.push_back(v);
    }
    Json row = {{"cells", cells}};
    if (include_object == "Object") {
      row["object"] = o;
    } else if (include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", o.contains("metadata") ? o["metadata"] : Json::object()}};
    }
    rows.push_back(std::move(row));
  }
  Json meta = {{"resourceVersion", resource_version}};
  if (!continue_token.empty()) meta["continue"] = continue_token;
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

}  // namespace wcloud::apiserver
