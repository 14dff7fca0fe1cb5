// One instance's wasi:http state: the objects behind its wasi:http/types handles. Streams and
// pollables of bodies live in the instance's WasiState, like every other wasi:io object.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "component/instance_data.h"
#include "wasi/http/egress_policy.h"
#include "wasi/http/fields.h"
#include "wasi/http/http_client.h"
#include "wasi/http/incoming_body.h"
#include "wasi/http/outgoing_body.h"
#include "wasi/http/wasi_http.h"
#include "wasi/resource_table.h"

namespace wcloud::wasi::http {

struct ServeExchange;  // serve.cc

// method and scheme variants: a case index, and the text of `other`.
struct Method {
  uint32_t tag = 0;  // get, head, post, put, delete, connect, options, trace, patch, other
  std::string other;
};
struct Scheme {
  uint32_t tag = 0;  // HTTP, HTTPS, other
  std::string other;
};

Method MethodFromString(std::string_view method);
std::string MethodToString(const Method& method);

struct IncomingRequest {
  Method method;
  std::optional<Scheme> scheme;
  std::optional<std::string> authority;
  std::optional<std::string> path_with_query;
  std::optional<IncomingBodySource> body;  // until consume

  // The headers (names lower-cased), taken from `headers_source` on first use.
  const FieldList& headers();
  FieldList headers_;
  std::function<FieldList()> headers_source;  // IncomingRequestData::headers_source
};

struct OutgoingRequest {
  Method method;
  std::optional<Scheme> scheme;
  std::optional<std::string> authority;
  std::optional<std::string> path_with_query;
  Fields headers;
  std::shared_ptr<OutgoingBody> body;  // made by the first body()
};

struct RequestOptions {
  RequestTimeouts timeouts;
};

struct OutgoingResponse {
  uint16_t status = 200;
  Fields headers;
  std::shared_ptr<OutgoingBody> body;
};

struct IncomingResponse {
  uint16_t status = 0;
  FieldList headers;
  std::optional<IncomingBodySource> body;  // until consume
};

struct ResponseOutparam {
  std::shared_ptr<ServeExchange> exchange;
};

struct FutureIncomingResponse {
  std::shared_ptr<ResponseFuture> future;
  std::unique_ptr<HttpClient::Pending> pending;  // cancels the transfer when dropped early
};

struct HttpState {
  HttpState(HttpResources resources, HttpConfig config, EgressPolicy policy)
      : resources(std::move(resources)), config(std::move(config)), policy(std::move(policy)) {}

  HttpResources resources;
  HttpConfig config;
  EgressPolicy policy;

  ResourceTable<Fields> fields{"wasi:http/types fields"};
  ResourceTable<IncomingRequest> incoming_requests{"wasi:http/types incoming-request"};
  ResourceTable<OutgoingRequest> outgoing_requests{"wasi:http/types outgoing-request"};
  ResourceTable<RequestOptions> request_options{"wasi:http/types request-options"};
  ResourceTable<ResponseOutparam> response_outparams{"wasi:http/types response-outparam"};
  ResourceTable<IncomingResponse> incoming_responses{"wasi:http/types incoming-response"};
  ResourceTable<IncomingBody> incoming_bodies{"wasi:http/types incoming-body"};
  ResourceTable<std::shared_ptr<TrailersFuture>> future_trailers{"wasi:http/types future-trailers"};
  ResourceTable<OutgoingResponse> outgoing_responses{"wasi:http/types outgoing-response"};
  ResourceTable<std::shared_ptr<OutgoingBody>> outgoing_bodies{"wasi:http/types outgoing-body"};
  ResourceTable<FutureIncomingResponse> future_incoming_responses{
      "wasi:http/types future-incoming-response"};
};

// The calling instance's HTTP state; an Error when AttachWasiHttp was not called for it.
Result<HttpState*> FindHttpState(component::InstanceData& data);

}  // namespace wcloud::wasi::http
