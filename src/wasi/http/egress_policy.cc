#include "wasi/http/egress_policy.h"

#include <algorithm>
#include <charconv>

#include "wasi/http/fields.h"

namespace wcloud::wasi::http {
namespace {

Result<uint16_t> ParsePort(std::string_view text, std::string_view where) {
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || value == 0 ||
      value > 65535) {
    return Error(std::string(where) + ": port '" + std::string(text) +
                 "' is not a number from 1 to 65535");
  }
  return static_cast<uint16_t>(value);
}

bool ValidHostChars(std::string_view host, bool ipv6) {
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || (ipv6 && (c == ':' || c == '%'));
    if (!ok) return false;
  }
  return !host.empty();
}

struct HostPort {
  std::string host;
  std::optional<uint16_t> port;
};

Result<HostPort> SplitHostPort(std::string_view text, std::string_view where) {
  HostPort out;
  std::string_view host = text;
  std::string_view port;
  bool ipv6 = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return Error(std::string(where) + ": '" + std::string(text) + "' has no closing ']'");
    }
    host = text.substr(1, close - 1);
    ipv6 = true;
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Error(std::string(where) + ": unexpected '" + std::string(rest) + "' after ']'");
      }
      port = rest.substr(1);
      if (port.empty()) return Error(std::string(where) + ": empty port");
    }
  } else if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return Error(std::string(where) + ": empty port");
  }
  if (!ValidHostChars(host, ipv6)) {
    return Error(std::string(where) + ": '" + std::string(host) + "' is not a valid host");
  }
  out.host = LowerCase(host);
  if (!port.empty()) {
    WCLOUD_ASSIGN_OR_RETURN(out.port, ParsePort(port, where));
  }
  return out;
}

// IP literals are matched exactly, never as a wildcard's subdomain ("*.0.0.1").
bool IsIpLiteral(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  return !host.empty() && std::all_of(host.begin(), host.end(),
                                      [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
}

}  // namespace

Result<Destination> ParseAuthority(std::string_view authority, uint16_t default_port) {
  const std::string where = "authority '" + std::string(authority) + "'";
  if (authority.find('@') != std::string_view::npos) {
    return Error(where + ": userinfo is not allowed");
  }
  WCLOUD_ASSIGN_OR_RETURN(HostPort hp, SplitHostPort(authority, where));
  return Destination{hp.host, hp.port.value_or(default_port)};
}

Result<EgressPolicy> EgressPolicy::Create(const std::vector<std::string>& allowed_hosts) {
  EgressPolicy policy;
  for (size_t i = 0; i < allowed_hosts.size(); ++i) {
    const std::string& text = allowed_hosts[i];
    const std::string where = "allowed host " + std::to_string(i) + " '" + text + "'";
    Pattern p;
    if (text == "*") {
      p.any_host = true;
      policy.patterns_.push_back(p);
      continue;
    }
    std::string_view rest = text;
    if (rest.starts_with("*.")) {
      p.wildcard = true;
      rest.remove_prefix(2);
    } else if (rest.find('*') != std::string_view::npos) {
      return Error(where + ": '*' is only allowed alone or as a leading '*.'");
    }
    WCLOUD_ASSIGN_OR_RETURN(HostPort hp, SplitHostPort(rest, where));
    p.host = hp.host;
    p.port = hp.port;
    policy.patterns_.push_back(std::move(p));
  }
  return policy;
}

bool EgressPolicy::Allows(const Destination& d) const {
  const std::string host = LowerCase(d.host);
  for (const Pattern& p : patterns_) {
    if (p.any_host) return true;
    if (p.port && *p.port != d.port) continue;
    if (p.wildcard) {
      if (!IsIpLiteral(host) && host.size() > p.host.size() + 1 && host.ends_with(p.host) &&
          host[host.size() - p.host.size() - 1] == '.') {
        return true;
      }
    } else if (host == p.host) {
      return true;
    }
  }
  return false;
}

}  // namespace wcloud::wasi::http
