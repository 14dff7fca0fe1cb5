#include "plugins/backend_url.h"

#include <charconv>

namespace wcloud::plugins {

std::string BackendUrl::Display() const {
  return scheme + "://" + host + ":" + std::to_string(port);
}

std::string RedactUrl(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t at = url.find('@', start);
  if (at == std::string_view::npos) return std::string(url);
  size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  return std::string(url.substr(0, colon + 1)) + "***" + std::string(url.substr(at));
}

Result<BackendUrl> ParseBackendUrl(std::string_view url, int default_port) {
  auto fail = [&](const std::string& why) {
    return Error("url \"" + RedactUrl(url) + "\": " + why);
  };
  BackendUrl out;
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos || scheme == 0) {
    return fail("expected scheme://host[:port]");
  }
  out.scheme = std::string(url.substr(0, scheme));
  std::string_view rest = url.substr(scheme + 3);
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) out.path = std::string(rest.substr(slash + 1));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    size_t colon = userinfo.find(':');
    out.user = std::string(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) out.password = std::string(userinfo.substr(colon + 1));
  }
  std::string_view host = authority;
  out.port = default_port;
  if (size_t colon = authority.rfind(':');
      colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    host = authority.substr(0, colon);
    std::string_view port = authority.substr(colon + 1);
    int value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value < 1 || value > 65535) {
      return fail("port must be 1-65535");
    }
    out.port = value;
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return fail("no host");
  out.host = std::string(host);
  return out;
}

}  // namespace wcloud::plugins
