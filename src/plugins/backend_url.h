// The `config.url` of a keyvalue backend: scheme://[user[:password]@]host[:port][/path]. The
// password never leaves this struct in a message: Display() leaves it out.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::plugins {

struct BackendUrl {
  std::string scheme;  // "nats", "redis"
  std::string user;
  std::string password;
  std::string host;
  int port = 0;
  std::string path;  // after the authority, without the leading '/'

  // scheme://host:port, for messages.
  std::string Display() const;
};

// `default_port` applies when the url names none. Errors quote the url without its password.
Result<BackendUrl> ParseBackendUrl(std::string_view url, int default_port);

// `url` with any password replaced by "***", for messages about a url that did not parse.
std::string RedactUrl(std::string_view url);

}  // namespace wcloud::plugins
