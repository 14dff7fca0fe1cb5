#include "cli/nats_flags.h"

#include <iostream>

namespace wcloud::cli {

void AddNatsFlags(CLI::App& cmd, NatsFlags& flags, bool required) {
  auto* urls = cmd.add_option("--nats", flags.urls,
                              "NATS server URL(s), e.g. nats://127.0.0.1:4222 (repeat or comma-"
                              "separate for a cluster)")
                   ->delimiter(',');
  if (required) urls->required();
  cmd.add_option("--nats-creds", flags.credentials_file, "NATS credentials file (JWT + seed)");
  cmd.add_option("--nats-nkey", flags.nkey_seed_file, "file holding a NATS user NKey seed (SU...)");
  cmd.add_option("--nats-user", flags.user, "NATS user name");
  cmd.add_option("--nats-password", flags.password, "NATS password");
  cmd.add_option("--nats-token", flags.token, "NATS authentication token");
  cmd.add_option("--nats-tls-ca", flags.tls_ca_file, "CA bundle to verify the NATS server with");
  cmd.add_option("--nats-tls-cert", flags.tls_cert_file, "client certificate for NATS mutual TLS");
  cmd.add_option("--nats-tls-key", flags.tls_key_file, "key of --nats-tls-cert");
}

Result<std::unique_ptr<nats::Connection>> ConnectNats(const NatsFlags& flags,
                                                      const std::string& client_name) {
  nats::ConnectOptions options;
  options.urls = flags.urls;
  options.name = client_name;
  options.credentials_file = flags.credentials_file;
  options.nkey_seed_file = flags.nkey_seed_file;
  options.user = flags.user;
  options.password = flags.password;
  options.token = flags.token;
  options.tls_ca_file = flags.tls_ca_file;
  options.tls_cert_file = flags.tls_cert_file;
  options.tls_key_file = flags.tls_key_file;
  options.on_state = [](bool connected) {
    std::cerr << "wcloud: NATS " << (connected ? "reconnected" : "disconnected; reconnecting")
              << "\n";
  };
  return nats::Connection::Connect(options);
}

}  // namespace wcloud::cli
