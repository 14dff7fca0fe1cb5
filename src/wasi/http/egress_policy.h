// Which hosts a guest's outgoing requests may reach. Checked before anything connects; a request
// to any other host fails with error-code.HTTP-request-denied.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wcloud::wasi::http {

// A request's destination: host (lower-case; IPv6 without brackets) and port.
struct Destination {
  std::string host;
  uint16_t port = 0;
};

// "host", "host:port", "[v6]:port" of an authority, with `default_port` when none is given.
// An Error for userinfo, an empty host, or a bad port.
Result<Destination> ParseAuthority(std::string_view authority, uint16_t default_port);

class EgressPolicy {
 public:
  // Patterns: "*" (everything), "example.com" (that host, any port), "example.com:8080",
  // "*.example.com" (any subdomain, not example.com itself), "*.example.com:443",
  // "127.0.0.1", "[::1]:8080". Matching ignores case. An empty list denies everything.
  static Result<EgressPolicy> Create(const std::vector<std::string>& allowed_hosts);
  static EgressPolicy DenyAll() { return EgressPolicy(); }

  bool Allows(const Destination& destination) const;

 private:
  struct Pattern {
    bool any_host = false;
    bool wildcard = false;  // host is the suffix after "*."
    std::string host;
    std::optional<uint16_t> port;
  };
  std::vector<Pattern> patterns_;
};

}  // namespace wcloud::wasi::http
