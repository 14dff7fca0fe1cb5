// The NATS options `wcloud host`, `wcloud operator` and `wcloud up` share: the server URLs and
// every way to authenticate and secure the connection.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "nats/connection.h"
#include "util/result.h"

namespace wcloud::cli {

struct NatsFlags {
  std::vector<std::string> urls;  // --nats, repeatable or comma-separated
  std::string credentials_file;
  std::string nkey_seed_file;
  std::string user, password, token;
  std::string tls_ca_file, tls_cert_file, tls_key_file;
};

// Adds --nats and the --nats-* options to `cmd`; `required` makes --nats mandatory.
void AddNatsFlags(CLI::App& cmd, NatsFlags& flags, bool required);

// Connects as `client_name`. A bad URL or credentials is an Error naming the server and why.
Result<std::unique_ptr<nats::Connection>> ConnectNats(const NatsFlags& flags,
                                                      const std::string& client_name);

}  // namespace wcloud::cli
