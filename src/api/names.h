// Kubernetes naming rules: object names, label keys and values, DNS labels.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wcloud::api {

// Each returns why `s` is not valid, or nothing when it is.
std::optional<std::string> CheckDnsSubdomain(std::string_view s);  // object names: ≤253, [a-z0-9.-]
std::optional<std::string> CheckDnsLabel(std::string_view s);      // ≤63, [a-z0-9-]
std::optional<std::string> CheckLabelKey(std::string_view s);      // [prefix/]name
std::optional<std::string> CheckLabelValue(std::string_view s);    // empty or ≤63 [A-Za-z0-9_.-]

}  // namespace wcloud::api
