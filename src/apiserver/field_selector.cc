#include "apiserver/field_selector.h"

#include <algorithm>
#include <optional>

#include "apiserver/event_conversion.h"

namespace wcloud::apiserver {
namespace {

bool Is(const ResourceDef& def, std::string_view group, std::string_view kind) {
  return def.group == group && def.kind == kind;
}

bool OneOf(std::string_view field, std::initializer_list<std::string_view> fields) {
  return std::find(fields.begin(), fields.end(), field) != fields.end();
}

// The stored field a selector's `field` reads, when `def` can be selected by it: the fields the
// real server's conversion functions accept for each kind.
std::optional<std::string> StoredField(const ResourceDef& def, const std::string& field) {
  if (Is(def, "events.k8s.io", "Event")) return CoreEventFieldLabel(field);
  if (field == "metadata.name") return field;
  // A Namespace is selected by its name and phase only.
  if (Is(def, "", "Namespace")) {
    return field == "status.phase" ? std::optional(field) : std::nullopt;
  }
  if (field == "metadata.namespace") return field;
  bool supported = false;
  if (Is(def, "", "Event")) {
    supported = OneOf(
        field, {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"});
  } else if (Is(def, "", "Secret")) {
    supported = field == "type";
  } else if (Is(def, "", "Pod")) {
    supported = OneOf(field, {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
                              "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                              "status.podIP", "status.podIPs", "status.nominatedNodeName"});
  }
  return supported ? std::optional(field) : std::nullopt;
}

// A field's value as a selector compares it: missing is "", scalars in their text form.
std::string FieldValue(const Json& object, const std::string& field) {
  if (field == "source") {
    // An Event's source: the legacy source.component, else its reporting controller.
    std::string component = FieldValue(object, "source.component");
    return component.empty() ? FieldValue(object, "reportingComponent") : component;
  }
  const Json* at = &object;
  size_t start = 0;
  while (start <= field.size()) {
    size_t dot = field.find('.', start);
    std::string key = field.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object()) return "";
    auto it = at->find(key);
    if (it == at->end()) return "";
    at = &*it;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (at->is_string()) return at->get<std::string>();
  if (at->is_null()) return "";
  return at->dump();
}

// Splits on commas that are not escaped.
std::vector<std::string> SplitTerms(std::string_view text) {
  std::vector<std::string> terms(1);
  bool escaped = false;
  for (char c : text) {
    if (escaped) {
      escaped = false;
    } else if (c == '\\') {
      escaped = true;
    } else if (c == ',') {
      terms.emplace_back();
      continue;
    }
    terms.back() += c;
  }
  return terms;
}

Result<std::string> Unescape(const std::string& value) {
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\\') {
      if (i + 1 == value.size() || !OneOf(std::string_view(&value[i + 1], 1), {"\\", ",", "="})) {
        return Error("invalid field selector: invalid escape sequence: " + value.substr(i, 2),
                     ErrorCode::kInvalidArgument);
      }
      out += value[++i];
    } else if (c == ',' || c == '=') {
      return Error(std::string("invalid field selector: unescaped character in value: ") + c,
                   ErrorCode::kInvalidArgument);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Result<FieldSelector> FieldSelector::Parse(const ResourceDef& def, std::string_view text) {
  FieldSelector selector;
  for (const std::string& term : SplitTerms(text)) {
    if (term.empty()) continue;
    // The first operator, trying != and == before =.
    size_t at = std::string::npos, length = 0;
    for (size_t i = 0; i < term.size() && at == std::string::npos; ++i) {
      if (term[i] == '\\') {
        ++i;
        continue;
      }
      for (std::string_view op : {"!=", "==", "="}) {
        if (term.compare(i, op.size(), op) == 0) {
          at = i;
          length = op.size();
          break;
        }
      }
    }
    if (at == std::string::npos) {
      return Error("invalid selector: '" + std::string(text) + "'; can't understand '" + term + "'",
                   ErrorCode::kInvalidArgument);
    }
    std::string field = term.substr(0, at);
    WCLOUD_ASSIGN_OR_RETURN(std::string value, Unescape(term.substr(at + length)));
    auto stored = StoredField(def, field);
    if (!stored) {
      return Error("field label not supported: " + field, ErrorCode::kInvalidArgument);
    }
    selector.terms_.push_back({*stored, std::move(value), term[at] == '!'});
  }
  return selector;
}

bool FieldSelector::Matches(const Json& stored) const {
  return std::all_of(terms_.begin(), terms_.end(), [&](const Term& t) {
    return (FieldValue(stored, t.field) == t.value) != t.negate;
  });
}

Result<Selection> Selection::Parse(const ResourceDef& def, std::string_view label_selector,
                                   std::string_view field_selector) {
  Selection selection;
  WCLOUD_ASSIGN_OR_RETURN(selection.labels_, api::LabelSelector::Parse(label_selector));
  WCLOUD_ASSIGN_OR_RETURN(selection.fields_, FieldSelector::Parse(def, field_selector));
  return selection;
}

bool Selection::Matches(const Json& stored) const {
  if (!labels_.empty()) {
    api::Labels labels;
    const Json* meta =
        stored.is_object() && stored.contains("metadata") ? &stored["metadata"] : nullptr;
    if (meta && meta->is_object() && meta->contains("labels") && (*meta)["labels"].is_object()) {
      for (auto it = (*meta)["labels"].begin(); it != (*meta)["labels"].end(); ++it) {
        if (it.value().is_string()) labels[it.key()] = it.value().get<std::string>();
      }
    }
    if (!labels_.Matches(labels)) return false;
  }
  return fields_.Matches(stored);
}

}  // namespace wcloud::apiserver
