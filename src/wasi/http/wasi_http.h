// wasi:http@0.2.x for the host: wasi:http/types, wasi:http/outgoing-handler (a real client with
// an egress policy) and, through ServeHttp (serve.h), wasi:http/incoming-handler. Defined once
// per Linker under 0.2.12, so the Linker's semver matching serves 0.2.0 through 0.2.12 (a
// componentize-js component imports 0.2.10). Bodies are wasi:io streams in the instance's
// WasiState, so AddWasiToLinker/AttachWasi must come first.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "component/instance_data.h"
#include "component/linker.h"
#include "util/result.h"
#include "wasi/http/http_client.h"
#include "wasi/wasi.h"

namespace wcloud::wasi::http {

inline constexpr char kWasiHttpVersion[] = "0.2.12";

struct HttpConfig {
  // Hosts outgoing requests may reach (EgressPolicy patterns: "*", "example.com",
  // "example.com:8080", "*.example.com"). Empty: every outgoing request is denied.
  std::vector<std::string> allowed_hosts;
  // The client (and so the connection pool) outgoing requests use; share one across instances.
  // nullptr: the instance makes its own on its first allowed outgoing request.
  std::shared_ptr<HttpClient> client;
};

// The resource types of wasi:http/types, as AddWasiHttpToLinker defined them.
struct HttpResources {
  const component::RuntimeResource* fields = nullptr;
  const component::RuntimeResource* incoming_request = nullptr;
  const component::RuntimeResource* outgoing_request = nullptr;
  const component::RuntimeResource* request_options = nullptr;
  const component::RuntimeResource* response_outparam = nullptr;
  const component::RuntimeResource* incoming_response = nullptr;
  const component::RuntimeResource* incoming_body = nullptr;
  const component::RuntimeResource* future_trailers = nullptr;
  const component::RuntimeResource* outgoing_response = nullptr;
  const component::RuntimeResource* outgoing_body = nullptr;
  const component::RuntimeResource* future_incoming_response = nullptr;
  WasiResources wasi;
};

// Defines wasi:http/types and wasi:http/outgoing-handler in `linker`, which must already hold
// WASI (`wasi` is what AddWasiToLinker returned). Holds no state.
HttpResources AddWasiHttpToLinker(component::Linker& linker, const WasiResources& wasi);

// Creates the instance's HTTP state (after AttachWasi). Fails when an allowed host is not a valid
// pattern, naming it.
Status AttachWasiHttp(component::InstanceData& data, const HttpResources& resources,
                      HttpConfig config);

}  // namespace wcloud::wasi::http
