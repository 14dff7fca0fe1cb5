#include "api/image_reference.h"

#include <cctype>

namespace wcloud::api {
namespace {

constexpr std::string_view kDefaultRegistry = "docker.io";
constexpr size_t kMaxReferenceLength = 4096;
constexpr size_t kMaxTagLength = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [_.] | __ | [-]+
bool IsPathComponent(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (size_t i = 0; i < s.size();) {
    if (IsLowerAlnum(s[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && !IsLowerAlnum(s[j])) ++j;
    std::string_view sep = s.substr(i, j - i);
    bool dashes = sep.find_first_not_of('-') == std::string_view::npos;
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) return false;
    i = j;
  }
  return true;
}

bool IsHostLabel(std::string_view s) {
  if (s.empty() || !std::isalnum(static_cast<unsigned char>(s.front())) ||
      !std::isalnum(static_cast<unsigned char>(s.back()))) {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

// domain := host[:port], host a dotted name (or "localhost") or a bracketed IPv6 address.
bool IsDomain(std::string_view s) {
  std::string_view host = s;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    for (char c : s.substr(1, close - 1)) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':') return false;
    }
    host = {};
    s.remove_prefix(close + 1);
    if (s.empty()) return true;
    if (s.front() != ':') return false;
    std::string_view port = s.substr(1);
    return !port.empty() && port.find_first_not_of("0123456789") == std::string_view::npos;
  }
  if (size_t colon = s.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = s.substr(colon + 1);
    if (port.empty() || port.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
    host = s.substr(0, colon);
  }
  while (true) {
    size_t dot = host.find('.');
    if (!IsHostLabel(host.substr(0, dot))) return false;
    if (dot == std::string_view::npos) return true;
    host.remove_prefix(dot + 1);
  }
}

bool IsTag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  if (!word(s.front())) return false;
  for (char c : s) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsSha256Digest(std::string_view s) {
  constexpr std::string_view kPrefix = "sha256:";
  if (s.substr(0, kPrefix.size()) != kPrefix || s.size() != kPrefix.size() + 64) return false;
  for (char c : s.substr(kPrefix.size())) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) ||
        std::isupper(static_cast<unsigned char>(c))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ImageReference::ToString() const {
  std::string out = registry + "/" + repository;
  if (!tag.empty() && (digest.empty() || tag != "latest")) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<ImageReference> ParseImageReference(std::string_view text) {
  auto fail = [&](std::string_view why) {
    return Error("image reference \"" + std::string(text.substr(0, 256)) +
                 "\": " + std::string(why));
  };
  if (text.empty()) return fail("empty");
  if (text.size() > kMaxReferenceLength) return fail("longer than 4096 characters");

  ImageReference ref;
  std::string_view rest = text;
  if (size_t at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    if (!IsSha256Digest(ref.digest)) {
      return fail("digest must be sha256: followed by 64 lowercase hex digits");
    }
    rest = rest.substr(0, at);
  }
  // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    ref.tag = std::string(rest.substr(colon + 1));
    if (!IsTag(ref.tag)) {
      return fail("tag must be 1-128 characters of [A-Za-z0-9_.-], not starting with . or -");
    }
    rest = rest.substr(0, colon);
  }

  // The first component is a registry when it looks like a host: has '.', ':' or is localhost.
  std::string_view name = rest;
  size_t first_slash = rest.find('/');
  if (first_slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, first_slash);
    if (first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
        first.front() == '[') {
      if (!IsDomain(first))
        return fail("registry \"" + std::string(first) + "\" is not host[:port]");
      ref.registry = std::string(first);
      name = rest.substr(first_slash + 1);
    }
  }
  if (ref.registry.empty()) ref.registry = kDefaultRegistry;
  if (name.empty()) return fail("repository name is empty");
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find('/', start);
    std::string_view component =
        name.substr(start, end == std::string_view::npos ? end : end - start);
    if (!IsPathComponent(component)) {
      return fail("repository component \"" + std::string(component) +
                  "\" must be lowercase letters and digits, separated by '.', '_', '__' or '-'");
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  ref.repository = std::string(name);
  if (ref.registry == kDefaultRegistry && ref.repository.find('/') == std::string::npos) {
    ref.repository = "library/" + ref.repository;
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace wcloud::api
