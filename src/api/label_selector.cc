#include "api/label_selector.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "api/names.h"

namespace wcloud::api {
namespace {

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool AtEnd() {
    SkipSpace();
    return pos_ >= text_.size();
  }
  char Peek() {
    SkipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }
  bool Consume(std::string_view token) {
    SkipSpace();
    if (text_.substr(pos_, token.size()) != token) return false;
    pos_ += token.size();
    return true;
  }
  // A key or value: everything up to a delimiter.
  std::string Word() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '=' || c == '!' ||
          c == '(' || c == ')' || c == '<' || c == '>') {
        break;
      }
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }
  size_t pos() const { return pos_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

Error SelectorError(std::string_view text, size_t pos, const std::string& what) {
  return Error("label selector \"" + std::string(text) + "\": at " + std::to_string(pos) + ": " +
               what);
}

bool IsInteger(const std::string& s) {
  long long v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && ptr == s.data() + s.size();
}

Status ValidateLabelKey(std::string_view key) {
  if (auto why = api::CheckLabelKey(key))
    return Error("label key \"" + std::string(key) + "\": " + *why);
  return Ok();
}

Status ValidateLabelValue(std::string_view value) {
  if (auto why = api::CheckLabelValue(value)) {
    return Error("label value \"" + std::string(value) + "\": " + *why);
  }
  return Ok();
}

}  // namespace

bool LabelRequirement::Matches(const Labels& labels) const {
  auto it = labels.find(key);
  bool has = it != labels.end();
  auto in_values = [&] {
    return has && std::binary_search(values.begin(), values.end(), it->second);
  };
  switch (op) {
    case Op::kEquals:
    case Op::kIn:
      return in_values();
    case Op::kNotEquals:
    case Op::kNotIn:
      return !in_values();
    case Op::kExists:
      return has;
    case Op::kDoesNotExist:
      return !has;
    case Op::kGreaterThan:
    case Op::kLessThan: {
      if (!has || !IsInteger(it->second)) return false;
      long long have = std::stoll(it->second), want = std::stoll(values.front());
      return op == Op::kGreaterThan ? have > want : have < want;
    }
  }
  return false;
}

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  LabelSelector selector;
  Lexer lex(text);
  if (lex.AtEnd()) return selector;
  while (true) {
    LabelRequirement req;
    size_t at = lex.pos();
    if (lex.Consume("!")) {
      req.op = LabelRequirement::Op::kDoesNotExist;
      req.key = lex.Word();
    } else {
      req.key = lex.Word();
      if (lex.Consume("==") || lex.Consume("=")) {
        req.op = LabelRequirement::Op::kEquals;
        req.values.push_back(lex.Word());
      } else if (lex.Consume("!=")) {
        req.op = LabelRequirement::Op::kNotEquals;
        req.values.push_back(lex.Word());
      } else if (lex.Consume(">") || lex.Consume("<")) {
        req.op = text[lex.pos() - 1] == '>' ? LabelRequirement::Op::kGreaterThan
                                            : LabelRequirement::Op::kLessThan;
        req.values.push_back(lex.Word());
        if (!IsInteger(req.values.back())) {
          return SelectorError(text, lex.pos(), "expected an integer after > or <");
        }
      } else if (lex.Peek() == ',' || lex.AtEnd()) {
        req.op = LabelRequirement::Op::kExists;
      } else {
        std::string word = lex.Word();
        if (word != "in" && word != "notin") {
          return SelectorError(text, lex.pos(), "expected =, ==, !=, in, notin, or ,");
        }
        req.op = word == "in" ? LabelRequirement::Op::kIn : LabelRequirement::Op::kNotIn;
        if (!lex.Consume("(")) return SelectorError(text, lex.pos(), "expected (");
        bool saw_comma = false;
        while (true) {
          req.values.push_back(lex.Word());
          if (lex.Consume(")")) break;
          if (!lex.Consume(",")) return SelectorError(text, lex.pos(), "expected , or )");
          saw_comma = true;
        }
        // "()" is an empty set, but "(a,)" holds a and the empty value.
        if (!saw_comma && req.values.front().empty()) req.values.clear();
        if (req.values.empty()) {
          return SelectorError(text, lex.pos(), "in and notin need at least one value");
        }
      }
    }
    if (req.key.empty()) return SelectorError(text, at, "expected a label key");
    if (auto s = ValidateLabelKey(req.key); !s) return SelectorError(text, at, s.error().message());
    if (req.op != LabelRequirement::Op::kGreaterThan && req.op != LabelRequirement::Op::kLessThan) {
      for (const auto& v : req.values) {
        if (auto s = ValidateLabelValue(v); !s) {
          return SelectorError(text, at, s.error().message());
        }
      }
    }
    std::sort(req.values.begin(), req.values.end());
    req.values.erase(std::unique(req.values.begin(), req.values.end()), req.values.end());
    selector.requirements_.push_back(std::move(req));
    if (lex.AtEnd()) break;
    if (!lex.Consume(",")) return SelectorError(text, lex.pos(), "expected ,");
  }
  std::stable_sort(selector.requirements_.begin(), selector.requirements_.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
  return selector;
}

Result<LabelSelector> LabelSelector::FromMatch(
    const Labels& match_labels,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& in_expressions) {
  LabelSelector selector = FromEquals(match_labels);
  for (const auto& [key, values] : in_expressions) {
    WCLOUD_TRY_STATUS(ValidateLabelKey(key));
    LabelRequirement req{key, LabelRequirement::Op::kIn, values};
    std::sort(req.values.begin(), req.values.end());
    selector.requirements_.push_back(std::move(req));
  }
  for (const auto& [key, value] : match_labels) {
    WCLOUD_TRY_STATUS(ValidateLabelKey(key));
    WCLOUD_TRY_STATUS(ValidateLabelValue(value));
  }
  std::stable_sort(selector.requirements_.begin(), selector.requirements_.end(),
                   [](const auto& a, const auto& b) { return a.key < b.key; });
  return selector;
}

LabelSelector LabelSelector::FromEquals(const Labels& labels) {
  LabelSelector selector;
  for (const auto& [key, value] : labels) {
    selector.requirements_.push_back({key, LabelRequirement::Op::kEquals, {value}});
  }
  return selector;
}

bool LabelSelector::Matches(const Labels& labels) const {
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const LabelRequirement& r) { return r.Matches(labels); });
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ",";
    auto joined = [&] {
      std::string s;
      for (const auto& v : r.values) s += (s.empty() ? "" : ",") + v;
      return s;
    };
    switch (r.op) {
      case LabelRequirement::Op::kEquals:
        out += r.key + "=" + r.values.front();
        break;
      case LabelRequirement::Op::kNotEquals:
        out += r.key + "!=" + r.values.front();
        break;
      case LabelRequirement::Op::kIn:
        out += r.key + " in (" + joined() + ")";
        break;
      case LabelRequirement::Op::kNotIn:
        out += r.key + " notin (" + joined() + ")";
        break;
      case LabelRequirement::Op::kExists:
        out += r.key;
        break;
      case LabelRequirement::Op::kDoesNotExist:
        out += "!" + r.key;
        break;
      case LabelRequirement::Op::kGreaterThan:
        out += r.key + ">" + r.values.front();
        break;
      case LabelRequirement::Op::kLessThan:
        out += r.key + "<" + r.values.front();
        break;
    }
  }
  return out;
}

}  // namespace wcloud::api
