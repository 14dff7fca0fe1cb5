#include "wasi/http/serve.h"

#include <algorithm>

#include "wasi/http/serve_exchange.h"
#include "wasi/wasi_state.h"

namespace wcloud::wasi::http {

OutputStream& ServeExchange::stream() {
  if (done() || !head_sent) return closed_;
  if (!body_) body_ = sink->Body();
  return body_ ? *body_ : closed_;
}

Expected<std::monostate, ErrorCode> ServeExchange::Finish(const FieldList& trailers) {
  if (done() || !head_sent) return ErrorCode::Of(ErrorKind::kConnectionTerminated);
  finished = true;
  Status sent = sink->Finish(trailers);
  if (!sent) return ErrorCode::Internal(sent.error().message());
  return std::monostate{};
}

void ServeExchange::Fail(const ErrorCode& error) {
  if (done()) return;
  failed = true;
  sink->Fail(error);
}

void SetResponse(ServeExchange& exchange, OutgoingResponse response) {
  exchange.set = true;
  // No body() was taken: the response has an empty one.
  if (!response.body) {
    response.body = std::make_shared<OutgoingBody>(response.headers.ContentLength(), false);
    (void)response.body->Finish({});
  }
  // Hop-by-hop fields are the server's (a guest may pass on a request's headers unchanged);
  // only then is a filtered copy needed.
  const FieldList& entries = response.headers.entries();
  FieldList filtered;
  const bool forbidden = std::any_of(entries.begin(), entries.end(),
                                     [](const Field& f) { return IsForbiddenFieldName(f.first); });
  if (forbidden) {
    for (const auto& field : entries) {
      if (!IsForbiddenFieldName(field.first)) filtered.push_back(field);
    }
  }
  Status started = exchange.sink->Start(response.status, forbidden ? filtered : entries);
  exchange.head_sent = started.has_value();
  response.body->Bind(exchange.shared_from_this());
}

void SetError(ServeExchange& exchange, ErrorCode error) {
  exchange.set = true;
  exchange.guest_error = error;
  exchange.Fail(error);
}

const component::ExportedFunc* FindIncomingHandler(component::ComponentInstance& instance) {
  return instance.GetExport(std::string("wasi:http/incoming-handler@") + kWasiHttpVersion,
                            "handle");
}

Result<ServeOutcome> ServeHttp(component::ComponentInstance& instance,
                               const component::ExportedFunc& handle, IncomingRequestData request,
                               std::shared_ptr<ResponseSink> sink) {
  auto exchange = std::make_shared<ServeExchange>();
  exchange->sink = sink;
  auto fail_setup = [&](const Error& e) -> Error {
    exchange->Fail(ErrorCode::Internal(e.message()));
    exchange->closed = true;
    return e.Wrap("wasi:http/incoming-handler.handle");
  };
  auto state = FindHttpState(instance.data());
  if (!state) return fail_setup(state.error());
  HttpState& http = **state;

  IncomingRequest incoming;
  incoming.method = MethodFromString(request.method);
  if (!request.scheme.empty()) {
    const std::string lower = LowerCase(request.scheme);
    incoming.scheme = lower == "http"    ? Scheme{0, ""}
                      : lower == "https" ? Scheme{1, ""}
                                         : Scheme{2, request.scheme};
  }
  if (!request.authority.empty()) incoming.authority = std::move(request.authority);
  if (!request.path_with_query.empty()) {
    incoming.path_with_query = std::move(request.path_with_query);
  }
  incoming.headers_ = std::move(request.headers);
  LowerCaseNames(incoming.headers_);
  incoming.headers_source = std::move(request.headers_source);
  incoming.body = IncomingBodySource{std::move(request.body), std::move(request.trailers)};

  auto request_rep = http.incoming_requests.Add(std::move(incoming));
  if (!request_rep) return fail_setup(request_rep.error());
  auto outparam_rep = http.response_outparams.Add(ResponseOutparam{exchange});
  if (!outparam_rep) {
    http.incoming_requests.Remove(*request_rep);
    return fail_setup(outparam_rep.error());
  }
  const component::Value args[] = {
      component::Value::Resource({http.resources.incoming_request, *request_rep}),
      component::Value::Resource({http.resources.response_outparam, *outparam_rep}),
  };
  auto called = instance.Call(handle, args);
  // A request the guest still holds keeps its headers past the server's request.
  if (IncomingRequest* kept = http.incoming_requests.Find(*request_rep)) (void)kept->headers();

  ServeOutcome outcome;
  outcome.head_sent = exchange->head_sent;
  if (!called) {
    exchange->Fail(ErrorCode::Internal("the component failed: " + called.error().message()));
    exchange->closed = true;
    return called.error();
  }
  if (!exchange->set) {
    outcome.kind = ServeOutcome::Kind::kNoResponse;
    exchange->Fail(ErrorCode::Internal("the component returned without setting a response"));
  } else if (exchange->guest_error) {
    outcome.kind = ServeOutcome::Kind::kGuestError;
    outcome.error = exchange->guest_error;
  } else if (!exchange->finished) {
    // WASI 0.2 handlers are synchronous: a body not finished by now never will be.
    outcome.kind = ServeOutcome::Kind::kBodyIncomplete;
    exchange->Fail(ErrorCode::Internal("the component returned before finishing the body"));
  }
  exchange->closed = true;
  return outcome;
}

}  // namespace wcloud::wasi::http
