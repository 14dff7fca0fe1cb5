// YAML text ⇄ Json, typed the way kubectl reads manifests (sigs.k8s.io/yaml on go-yaml v2): a
// plain `10` is a number, `true`/`yes`/`on` a bool, `~`/`null` null; anything quoted stays a
// string. Multi-document streams ("---") give one Json per document.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/json.h"
#include "util/result.h"

namespace wcloud {

struct YamlLimits {
  size_t max_depth = 100;        // nesting of maps and lists
  size_t max_nodes = 1'000'000;  // after aliases are expanded (no billion laughs)
  size_t max_bytes = 64u << 20;  // of input
};

// Parses every document; empty documents are skipped. Errors read "line L, column C: message"
// (1-based).
Result<std::vector<Json>> ParseYamlDocuments(std::string_view text, const YamlLimits& limits = {});

// Parses a stream that must hold exactly one document.
Result<Json> ParseYaml(std::string_view text, const YamlLimits& limits = {});

// Block-style YAML; strings that would read back as another type are quoted.
std::string ToYaml(const Json& value);

// Documents joined with "---" lines.
std::string ToYamlDocuments(const std::vector<Json>& documents);

}  // namespace wcloud
