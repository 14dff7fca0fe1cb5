// Where a Kubernetes API server is and how to authenticate to it: from a kubeconfig file, or from
// the service account of the pod we run in.
#pragma once

#include <string>

namespace wcloud::kube {

struct RestConfig {
  std::string server;                     // "https://127.0.0.1:6443"
  std::string certificate_authority_pem;  // trust anchor; empty: the system's CAs
  std::string bearer_token;
  std::string bearer_token_file;  // read per request when set (in-cluster tokens rotate)
  std::string client_certificate_pem;
  std::string client_key_pem;
  bool insecure_skip_tls_verify = false;
  std::string default_namespace = "default";
  std::string user_agent = "wcloud";
  long timeout_seconds = 30;  // for single requests; watches end by their own timeoutSeconds
};

}  // namespace wcloud::kube
