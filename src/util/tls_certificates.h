// A private CA and server certificates signed by it, generated with OpenSSL, for `wcloud up`'s
// API server: the CA goes into the kubeconfig so kubectl verifies the server.
#pragma once

#include <string>
#include <vector>

#include "util/result.h"

namespace wcloud {

struct PemKeyPair {
  std::string certificate_pem;
  std::string private_key_pem;
};

// A self-signed CA certificate (ECDSA P-256) valid for `days`.
Result<PemKeyPair> GenerateCertificateAuthority(const std::string& common_name, int days);

// A server certificate signed by `ca` for the given DNS names and IP addresses (subjectAltName).
Result<PemKeyPair> IssueServerCertificate(const PemKeyPair& ca, const std::string& common_name,
                                          const std::vector<std::string>& dns_names,
                                          const std::vector<std::string>& ip_addresses, int days);

}  // namespace wcloud
