#include "util/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "util/utf8.h"

namespace wcloud {
namespace {

// Raised inside the event handler; carries the position of the offending node.
struct YamlError {
  YAML::Mark mark;
  std::string message;
};

std::string At(const YAML::Mark& mark, const std::string& message) {
  if (mark.is_null()) return message;
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1) +
         ": " + message;
}

bool OneOf(std::string_view s, std::initializer_list<std::string_view> words) {
  for (auto w : words) {
    if (s == w) return true;
  }
  return false;
}

// The Json a plain (unquoted, untagged) scalar stands for, by go-yaml v2's resolution rules.
Result<Json> ResolvePlain(const std::string& s) {
  if (OneOf(s, {"", "~", "null", "Null", "NULL"})) return Json(nullptr);
  // YAML 1.1 words, as go-yaml reads them; single letters y/n stay strings.
  if (OneOf(s, {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return Json(true);
  }
  if (OneOf(s, {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return Json(false);
  }
  if (OneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                ".nan", ".NaN", ".NAN"})) {
    return Error("\"" + s + "\" (infinity or NaN) cannot be represented in JSON");
  }
  char first = s.front();
  if (!(std::isdigit(static_cast<unsigned char>(first)) || first == '-' || first == '+' ||
        first == '.')) {
    return Json(s);
  }
  std::string digits;
  for (char c : s) {
    if (c != '_') digits.push_back(c);
  }
  // Integers: decimal, 0x hex, 0o/leading-0 octal, 0b binary (Go's ParseInt with base 0).
  {
    std::string body = digits;
    bool negative = false;
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
      negative = body[0] == '-';
      body.erase(0, 1);
    }
    int base = 10;
    if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
      base = 16;
      body.erase(0, 2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
      base = 8;
      body.erase(0, 2);
    } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
      base = 2;
      body.erase(0, 2);
    } else if (body.size() > 1 && body[0] == '0') {
      base = 8;
      body.erase(0, 1);
    }
    bool all_digits = !body.empty();
    for (char c : body) {
      int v = std::isdigit(static_cast<unsigned char>(c))    ? c - '0'
              : std::isxdigit(static_cast<unsigned char>(c)) ? std::tolower(c) - 'a' + 10
                                                             : 99;
      if (v >= base) all_digits = false;
    }
    if (all_digits) {
      errno = 0;
      unsigned long long magnitude = std::strtoull(body.c_str(), nullptr, base);
      if (errno == 0) {
        if (!negative) {
          if (magnitude <= static_cast<unsigned long long>(INT64_MAX)) {
            return Json(static_cast<int64_t>(magnitude));
          }
          return Json(static_cast<uint64_t>(magnitude));
        }
        if (magnitude <= static_cast<unsigned long long>(INT64_MAX) + 1) {
          return Json(static_cast<int64_t>(-static_cast<int64_t>(magnitude - 1) - 1));
        }
      }
      // Out of range as an integer: go-yaml falls through to float.
    }
  }
  // Floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
  {
    size_t i = 0;
    if (i < digits.size() && (digits[i] == '-' || digits[i] == '+')) ++i;
    size_t int_digits = 0, frac_digits = 0;
    while (i < digits.size() && std::isdigit(static_cast<unsigned char>(digits[i]))) {
      ++i;
      ++int_digits;
    }
    bool dot = i < digits.size() && digits[i] == '.';
    if (dot) {
      ++i;
      while (i < digits.size() && std::isdigit(static_cast<unsigned char>(digits[i]))) {
        ++i;
        ++frac_digits;
      }
    }
    bool mantissa_ok = int_digits > 0 || (dot && frac_digits > 0);
    bool exponent_ok = true;
    if (mantissa_ok && i < digits.size() && (digits[i] == 'e' || digits[i] == 'E')) {
      ++i;
      if (i < digits.size() && (digits[i] == '-' || digits[i] == '+')) ++i;
      size_t exp_digits = 0;
      while (i < digits.size() && std::isdigit(static_cast<unsigned char>(digits[i]))) {
        ++i;
        ++exp_digits;
      }
      exponent_ok = exp_digits > 0;
    }
    if (mantissa_ok && exponent_ok && i == digits.size()) {
      double v = std::strtod(digits.c_str(), nullptr);
      if (std::isinf(v)) return Error("\"" + s + "\" is out of range for a number");
      return Json(v);
    }
  }
  return Json(s);
}

bool IsStringTag(const std::string& tag) {
  return tag == "!" || tag == "!!str" || tag == "tag:yaml.org,2002:str";
}

class JsonBuilder : public YAML::EventHandler {
 public:
  explicit JsonBuilder(const YamlLimits& limits) : limits_(limits) {}

  std::optional<Json> TakeDocument() { return std::exchange(document_, std::nullopt); }

  void OnDocumentStart(const YAML::Mark&) override {
    stack_.clear();
    anchors_.clear();
    document_.reset();
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Count(mark, 1);
    Add(Json(nullptr), mark, anchor, "null");
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw YamlError{mark, "alias to an unknown anchor"};
    Count(mark, it->second.second);
    Add(it->second.first, mark, YAML::NullAnchor, KeyText(it->second.first));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Count(mark, 1);
    if (auto bad = FindInvalidUtf8(value)) {
      throw YamlError{mark, "invalid UTF-8 at byte " + std::to_string(*bad) + " of a string"};
    }
    Json v;
    if (IsStringTag(tag)) {
      v = value;
    } else if (tag == "?" || tag.empty()) {
      auto resolved = ResolvePlain(value);
      if (!resolved) throw YamlError{mark, resolved.error().message()};
      v = std::move(*resolved);
    } else if (tag == "!!int" || tag == "!!float" || tag == "!!bool" || tag == "!!null") {
      auto resolved = ResolvePlain(value);
      if (!resolved) throw YamlError{mark, resolved.error().message()};
      v = std::move(*resolved);
    } else {
      throw YamlError{mark, "unsupported tag " + tag};
    }
    Add(std::move(v), mark, anchor, value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(mark, anchor, Json::array());
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(mark, anchor, Json::object());
  }
  void OnMapEnd() override { Close(); }

 private:
  struct Frame {
    Json value;
    YAML::anchor_t anchor;
    YAML::Mark mark;
    std::optional<std::string> key;  // maps: the key waiting for its value
    size_t nodes = 1;                // nodes inside, for alias accounting
    std::set<std::string> merged;    // keys filled by "<<", which explicit keys override
  };

  static std::string KeyText(const Json& v) {
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
  }

  void Count(const YAML::Mark& mark, size_t n) {
    nodes_ += n;
    if (nodes_ > limits_.max_nodes) {
      throw YamlError{mark, "document has more than " + std::to_string(limits_.max_nodes) +
                                " nodes (after expanding aliases)"};
    }
    for (auto& f : stack_) f.nodes += n;
  }

  void Open(const YAML::Mark& mark, YAML::anchor_t anchor, Json empty) {
    if (!stack_.empty() && stack_.back().value.is_object() && !stack_.back().key) {
      throw YamlError{mark, "a map or list cannot be a map key"};
    }
    if (stack_.size() >= limits_.max_depth) {
      throw YamlError{mark, "nested deeper than " + std::to_string(limits_.max_depth) + " levels"};
    }
    Count(mark, 1);
    stack_.push_back(Frame{std::move(empty), anchor, mark, std::nullopt, 1, {}});
  }

  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.key) throw YamlError{frame.mark, "map key without a value"};
    if (frame.anchor != YAML::NullAnchor) anchors_[frame.anchor] = {frame.value, frame.nodes};
    Place(std::move(frame.value), frame.mark, "");
  }

  void Add(Json v, const YAML::Mark& mark, YAML::anchor_t anchor, const std::string& raw) {
    if (anchor != YAML::NullAnchor) anchors_[anchor] = {v, 1};
    Place(std::move(v), mark, raw);
  }

  void Place(Json v, const YAML::Mark& mark, const std::string& raw) {
    if (stack_.empty()) {
      document_ = std::move(v);
      return;
    }
    Frame& top = stack_.back();
    if (top.value.is_array()) {
      top.value.push_back(std::move(v));
      return;
    }
    if (!top.key) {
      if (v.is_object() || v.is_array()) throw YamlError{mark, "a map or list cannot be a map key"};
      // Keys keep their text: `on:` is the key "on", `8080:` the key "8080".
      top.key = v.is_string() ? v.get<std::string>() : raw;
      return;
    }
    std::string key = std::move(*top.key);
    top.key.reset();
    if (key == "<<" && (v.is_object() || v.is_array())) {
      Merge(top, v, mark);
      return;
    }
    if (top.value.contains(key) && top.merged.erase(key) == 0) {
      throw YamlError{mark, "duplicate key \"" + key + "\""};
    }
    top.value[key] = std::move(v);
  }

  // YAML merge keys: entries of the merged maps fill in keys not set explicitly.
  static void Merge(Frame& target, const Json& source, const YAML::Mark& mark) {
    auto merge_one = [&](const Json& m) {
      if (!m.is_object()) throw YamlError{mark, "<< merges maps only"};
      for (auto it = m.begin(); it != m.end(); ++it) {
        if (!target.value.contains(it.key())) {
          target.value[it.key()] = it.value();
          target.merged.insert(it.key());
        }
      }
    };
    if (source.is_object()) {
      merge_one(source);
    } else {
      for (const auto& m : source) merge_one(m);
    }
  }

  const YamlLimits& limits_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::pair<Json, size_t>> anchors_;
  std::optional<Json> document_;
  size_t nodes_ = 0;
};

// Whether a string must be quoted to read back as the same string.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  auto resolved = ResolvePlain(s);
  return !resolved || !resolved->is_string();
}

void Emit(YAML::Emitter& out, const Json& v) {
  switch (v.type()) {
    case Json::value_t::object:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
        return;
      }
      out << YAML::BeginMap;
      for (auto it = v.begin(); it != v.end(); ++it) {
        out << YAML::Key;
        if (NeedsQuotes(it.key())) out << YAML::DoubleQuoted;
        out << it.key() << YAML::Value;
        Emit(out, it.value());
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array:
      if (v.empty()) {
        out << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        return;
      }
      out << YAML::BeginSeq;
      for (const auto& e : v) Emit(out, e);
      out << YAML::EndSeq;
      return;
    case Json::value_t::string: {
      const auto& s = v.get_ref<const std::string&>();
      if (s.find('\n') != std::string::npos && s.back() != ' ') {
        out << YAML::Literal << s;
      } else {
        if (NeedsQuotes(s)) out << YAML::DoubleQuoted;
        out << s;
      }
      return;
    }
    case Json::value_t::null:
      out << YAML::Null;
      return;
    default:
      // Numbers and bools as JSON writes them: shortest form that reads back the same.
      out << v.dump();
      return;
  }
}

}  // namespace

Result<std::vector<Json>> ParseYamlDocuments(std::string_view text, const YamlLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Error("YAML input is larger than " + std::to_string(limits.max_bytes) + " bytes");
  }
  std::vector<Json> documents;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    JsonBuilder builder(limits);
    while (parser.HandleNextDocument(builder)) {
      if (auto doc = builder.TakeDocument(); doc && !doc->is_null()) {
        documents.push_back(std::move(*doc));
      }
    }
  } catch (const YamlError& e) {
    return Error(At(e.mark, e.message));
  } catch (const YAML::Exception& e) {
    return Error(At(e.mark, e.msg));
  } catch (const std::exception& e) {
    return Error(std::string("YAML: ") + e.what());
  }
  return documents;
}

Result<Json> ParseYaml(std::string_view text, const YamlLimits& limits) {
  WCLOUD_ASSIGN_OR_RETURN(auto documents, ParseYamlDocuments(text, limits));
  if (documents.size() != 1) {
    return Error("expected one YAML document, found " + std::to_string(documents.size()));
  }
  return std::move(documents.front());
}

std::string ToYaml(const Json& value) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  Emit(out, value);
  std::string text = out.c_str();
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  return text;
}

std::string ToYamlDocuments(const std::vector<Json>& documents) {
  std::string out;
  for (const auto& doc : documents) {
    out += "---\n";
    out += ToYaml(doc);
  }
  return out;
}

}  // namespace wcloud
