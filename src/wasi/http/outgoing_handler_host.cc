// wasi:http/outgoing-handler: checks the request (URI parts, the egress policy) before anything
// connects, binds its body to a pipe the client reads, and starts the transfer.
#include "wasi/http/body_pipe.h"
#include "wasi/http/http_host.h"

namespace wcloud::wasi::http {
namespace {

// The client's side of a request body: the guest writes into the pipe, the client reads it.
class PipeDestination : public BodyDestination {
 public:
  explicit PipeDestination(std::shared_ptr<BodyPipe> pipe)
      : pipe_(std::move(pipe)), stream_(pipe_) {}
  OutputStream& stream() override { return stream_; }
  Expected<std::monostate, ErrorCode> Finish(const FieldList& trailers) override {
    auto space = pipe_->Space();
    if (!space && space.error().kind == StreamError::Kind::kFailed) {
      auto code = ErrorCodeFromMessage(space.error().message);
      return code ? *code : ErrorCode::Internal(space.error().message);
    }
    pipe_->End(trailers);
    return std::monostate{};
  }
  void Fail(const ErrorCode& error) override { pipe_->Fail(error); }

 private:
  std::shared_ptr<BodyPipe> pipe_;
  PipeOutputStream stream_;
};

constexpr size_t kRequestPipeBytes = OutgoingBody::kUnboundLimit;

bool MethodMayOmitBody(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "DELETE" || method == "OPTIONS" ||
         method == "TRACE" || method == "CONNECT";
}

// The request as the client sends it, or the error-code the guest gets instead.
Result<Expected<ClientRequest, ErrorCode>> BuildRequest(HttpState& http, OutgoingRequest& r) {
  using Built = Expected<ClientRequest, ErrorCode>;
  auto deny = [](ErrorKind kind) -> Built { return ErrorCode::Of(kind); };
  std::string scheme = "https";
  uint16_t default_port = 443;
  if (r.scheme) {
    if (r.scheme->tag == 0) {
      scheme = "http";
      default_port = 80;
    } else if (r.scheme->tag != 1) {
      return deny(ErrorKind::kHttpRequestUriInvalid);
    }
  }
  if (!r.authority) return deny(ErrorKind::kHttpRequestUriInvalid);
  auto destination = ParseAuthority(*r.authority, default_port);
  if (!destination) return deny(ErrorKind::kHttpRequestUriInvalid);
  if (!http.policy.Allows(*destination)) return deny(ErrorKind::kHttpRequestDenied);
  std::string path = r.path_with_query.value_or("/");
  if (path.empty()) path = "/";
  if (path.front() != '/') return deny(ErrorKind::kHttpRequestUriInvalid);

  ClientRequest request;
  request.method = MethodToString(r.method);
  request.url = scheme + "://" + *r.authority + path;
  for (const auto& field : r.headers.entries()) {
    if (!IsForbiddenFieldName(field.first)) request.headers.push_back(field);
  }
  const std::optional<uint64_t> content_length = r.headers.ContentLength();

  std::shared_ptr<OutgoingBody> body = r.body;
  const bool empty_finished = body && body->finished() && body->pending_size() == 0;
  if ((!body || empty_finished) && MethodMayOmitBody(request.method)) return Built(request);
  WCLOUD_ASSIGN_OR_RETURN(auto pipe, BodyPipe::Create(kRequestPipeBytes));
  if (body) {
    body->Bind(std::make_shared<PipeDestination>(pipe));
  } else {
    pipe->End({});
  }
  request.body = pipe;
  if (content_length) {
    request.body_length = content_length;
  } else if (pipe->Ended() && pipe->Trailers().empty()) {
    // Finished before handle: the whole body is in the pipe, so its length is known.
    request.body_length = pipe->total_written();
  }
  return Built(std::move(request));
}

}  // namespace

void DefineOutgoingHandler(component::Linker& linker, const HttpResources&) {
  DefineHttp(
      linker, "wasi:http/outgoing-handler", "handle", 2,
      [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest r, Take(call.http.outgoing_requests, args[0],
                                                        call.res.outgoing_request));
        RequestTimeouts timeouts;
        if (const Value* some = args[1].payload()) {
          WCLOUD_ASSIGN_OR_RETURN(RequestOptions o,
                                  Take(call.http.request_options, *some, call.res.request_options));
          timeouts = o.timeouts;
        }
        WCLOUD_ASSIGN_OR_RETURN(auto built, BuildRequest(call.http, r));
        if (!built) {
          // The body can never be sent: the guest's writes to it fail from now on.
          if (r.body) r.body->Abandon();
          out.push_back(Value::Err(built.error().ToValue()));
          return Ok();
        }
        ClientRequest request = std::move(built).value();
        request.timeouts = timeouts;
        if (!call.http.config.client) {
          WCLOUD_ASSIGN_OR_RETURN(call.http.config.client, HttpClient::Create());
        }
        WCLOUD_ASSIGN_OR_RETURN(auto pending, call.http.config.client->Send(std::move(request)));
        FutureIncomingResponse future;
        future.future = pending->future().shared_from_this();
        future.pending = std::move(pending);
        WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.http.future_incoming_responses,
                                             call.res.future_incoming_response, std::move(future)));
        out.push_back(Value::Ok(std::move(h)));
        return Ok();
      });
}

}  // namespace wcloud::wasi::http
