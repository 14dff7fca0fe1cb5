// wasi:http/types: fields, requests, responses, bodies and their futures.
#include <cctype>
#include <string>

#include "util/http_token.h"
#include "wasi/http/body_pipe.h"
#include "wasi/http/http_host.h"
#include "wasi/http/serve_exchange.h"
#include "wasi/memory_streams.h"

namespace wcloud::wasi::http {
namespace {

constexpr char kTypes[] = "wasi:http/types";

Value HeaderResult(const HeaderStatus& status) {
  return status ? Value::Ok() : Value::Err(Value::Enum(static_cast<uint32_t>(status.error())));
}

std::string BytesString(const Value& v) {
  const auto& b = v.as_bytes();
  return std::string(b.begin(), b.end());
}

// A request's or response's headers as the guest gets them: an immutable copy (the WIT's child
// resource, which no call can change anyway).
Result<Value> ImmutableFields(HttpCall& call, FieldList entries) {
  return Own(call.http.fields, call.res.fields, Fields::FromHost(std::move(entries), true));
}

// Takes the fields behind an own handle, for a constructor or a finish.
Result<Fields> TakeFields(HttpCall& call, const Value& v) {
  return Take(call.http.fields, v, call.res.fields);
}

bool IsValidScheme(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// Printable ASCII without spaces, '#' (a fragment is never sent) or other controls.
bool IsValidPathWithQuery(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '#') return false;
  }
  return true;
}

bool IsValidAuthority(std::string_view s) {
  if (s.empty()) return false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c >= 0x7f || c == '/' || c == '?' || c == '#' || c == '@') return false;
  }
  return true;
}

void DefineFields(component::Linker& linker) {
  DefineHttp(linker, kTypes, "[constructor]fields", 0,
             [](HttpCall& call, auto, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.http.fields, call.res.fields, Fields()));
               out.push_back(std::move(h));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[static]fields.from-list", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               auto fields = Fields::FromGuest(EntriesOf(args[0]));
               if (!fields) {
                 out.push_back(Value::Err(Value::Enum(static_cast<uint32_t>(fields.error()))));
                 return Ok();
               }
               WCLOUD_ASSIGN_OR_RETURN(
                   Value h, Own(call.http.fields, call.res.fields, std::move(fields).value()));
               out.push_back(Value::Ok(std::move(h)));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]fields.get", 2,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields * f, Get(call.http.fields, args[0], call.res.fields));
               std::vector<Value> values;
               for (const auto& v : f->Get(args[1].as_string())) {
                 values.push_back(Value::Bytes(std::vector<uint8_t>(v.begin(), v.end())));
               }
               out.push_back(Value::Aggregate(std::move(values)));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]fields.has", 2,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields * f, Get(call.http.fields, args[0], call.res.fields));
               out.push_back(Value::Bool(f->Has(args[1].as_string())));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]fields.set", 3,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields * f, Get(call.http.fields, args[0], call.res.fields));
               std::vector<std::string> values;
               for (const Value& v : args[2].items()) values.push_back(BytesString(v));
               out.push_back(HeaderResult(f->Set(args[1].as_string(), values)));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]fields.delete", 2,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields * f, Get(call.http.fields, args[0], call.res.fields));
               out.push_back(HeaderResult(f->Delete(args[1].as_string())));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]fields.append", 3,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields * f, Get(call.http.fields, args[0], call.res.fields));
               out.push_back(HeaderResult(f->Append(args[1].as_string(), BytesString(args[2]))));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]fields.entries", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields * f, Get(call.http.fields, args[0], call.res.fields));
               out.push_back(EntriesValue(f->entries()));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]fields.clone", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields * f, Get(call.http.fields, args[0], call.res.fields));
               Fields copy = f->Clone();
               WCLOUD_ASSIGN_OR_RETURN(Value h,
                                       Own(call.http.fields, call.res.fields, std::move(copy)));
               out.push_back(std::move(h));
               return Ok();
             });
}

// consume: the body once, then err.
Result<Value> ConsumeBody(HttpCall& call, std::optional<IncomingBodySource>& body) {
  if (!body) return Value::Err();
  IncomingBody incoming{std::move(*body), false};
  body.reset();
  WCLOUD_ASSIGN_OR_RETURN(
      Value h, Own(call.http.incoming_bodies, call.res.incoming_body, std::move(incoming)));
  return Value::Ok(std::move(h));
}

void DefineIncomingRequest(component::Linker& linker) {
  auto request = [](HttpCall& call, const Value& v) {
    return Get(call.http.incoming_requests, v, call.res.incoming_request);
  };
  DefineHttp(
      linker, kTypes, "[method]incoming-request.method", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingRequest * r, request(call, args[0]));
        out.push_back(MethodValue(r->method));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]incoming-request.path-with-query", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingRequest * r, request(call, args[0]));
        out.push_back(OptionalStringValue(r->path_with_query));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]incoming-request.scheme", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingRequest * r, request(call, args[0]));
        out.push_back(OptionalSchemeValue(r->scheme));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]incoming-request.authority", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingRequest * r, request(call, args[0]));
        out.push_back(OptionalStringValue(r->authority));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]incoming-request.headers", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingRequest * r, request(call, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(Value h, ImmutableFields(call, r->headers()));
        out.push_back(std::move(h));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]incoming-request.consume", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingRequest * r, request(call, args[0]));
        std::optional<IncomingBodySource> body = std::move(r->body);
        r->body.reset();
        WCLOUD_ASSIGN_OR_RETURN(Value result, ConsumeBody(call, body));
        out.push_back(std::move(result));
        return Ok();
      });
}

// body(): the outgoing-body once (made on first use), then err.
Result<Value> TakeOutgoingBody(HttpCall& call, std::shared_ptr<OutgoingBody>& body,
                               const Fields& headers, bool is_request) {
  if (body) return Value::Err();
  body = std::make_shared<OutgoingBody>(headers.ContentLength(), is_request);
  WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.http.outgoing_bodies, call.res.outgoing_body, body));
  return Value::Ok(std::move(h));
}

Value UnitResult(bool ok) { return ok ? Value::Ok() : Value::Err(); }

void DefineOutgoingRequest(component::Linker& linker) {
  auto request = [](HttpCall& call, const Value& v) {
    return Get(call.http.outgoing_requests, v, call.res.outgoing_request);
  };
  DefineHttp(linker, kTypes, "[constructor]outgoing-request", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields headers, TakeFields(call, args[0]));
               OutgoingRequest r;
               r.headers = std::move(headers);
               r.headers.Freeze();
               WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.http.outgoing_requests,
                                                    call.res.outgoing_request, std::move(r)));
               out.push_back(std::move(h));
               return Ok();
             });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.body", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(Value result, TakeOutgoingBody(call, r->body, r->headers, true));
        out.push_back(std::move(result));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.method", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        out.push_back(MethodValue(r->method));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.set-method", 2,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        Method m = MethodOf(args[1]);
        const bool ok = m.tag != 9 || IsHttpToken(m.other);
        if (ok) r->method = std::move(m);
        out.push_back(UnitResult(ok));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.path-with-query", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        out.push_back(OptionalStringValue(r->path_with_query));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.set-path-with-query", 2,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        const Value* some = args[1].payload();
        const bool ok = some == nullptr || IsValidPathWithQuery(some->as_string());
        if (ok) {
          r->path_with_query = some ? std::optional<std::string>(some->as_string()) : std::nullopt;
        }
        out.push_back(UnitResult(ok));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.scheme", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        out.push_back(OptionalSchemeValue(r->scheme));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.set-scheme", 2,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        std::optional<Scheme> scheme = OptionalSchemeOf(args[1]);
        const bool ok = !scheme || scheme->tag != 2 || IsValidScheme(scheme->other);
        if (ok) r->scheme = std::move(scheme);
        out.push_back(UnitResult(ok));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.authority", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        out.push_back(OptionalStringValue(r->authority));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.set-authority", 2,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        const Value* some = args[1].payload();
        const bool ok = some == nullptr || IsValidAuthority(some->as_string());
        if (ok) {
          r->authority = some ? std::optional<std::string>(some->as_string()) : std::nullopt;
        }
        out.push_back(UnitResult(ok));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-request.headers", 1,
      [request](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingRequest * r, request(call, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(Value h, ImmutableFields(call, r->headers.entries()));
        out.push_back(std::move(h));
        return Ok();
      });
}

void DefineRequestOptions(component::Linker& linker) {
  DefineHttp(linker, kTypes, "[constructor]request-options", 0,
             [](HttpCall& call, auto, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   Value h, Own(call.http.request_options, call.res.request_options, {}));
               out.push_back(std::move(h));
               return Ok();
             });
  struct Timeout {
    const char* name;
    std::optional<uint64_t> RequestTimeouts::*field;
  };
  for (Timeout t : {Timeout{"connect-timeout", &RequestTimeouts::connect_ns},
                    Timeout{"first-byte-timeout", &RequestTimeouts::first_byte_ns},
                    Timeout{"between-bytes-timeout", &RequestTimeouts::between_bytes_ns}}) {
    auto field = t.field;
    DefineHttp(
        linker, kTypes, std::string("[method]request-options.") + t.name, 1,
        [field](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
          WCLOUD_ASSIGN_OR_RETURN(RequestOptions * o, Get(call.http.request_options, args[0],
                                                          call.res.request_options));
          const auto& v = o->timeouts.*field;
          out.push_back(v ? Value::Some(Value::Unsigned(*v)) : Value::None());
          return Ok();
        });
    DefineHttp(
        linker, kTypes, std::string("[method]request-options.set-") + t.name, 2,
        [field](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
          WCLOUD_ASSIGN_OR_RETURN(RequestOptions * o, Get(call.http.request_options, args[0],
                                                          call.res.request_options));
          const Value* some = args[1].payload();
          o->timeouts.*field = some ? std::optional<uint64_t>(some->as_unsigned()) : std::nullopt;
          out.push_back(Value::Ok());
          return Ok();
        });
  }
}

void DefineResponseOutparam(component::Linker& linker) {
  DefineHttp(linker, kTypes, "[static]response-outparam.set", 2,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>&) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   ResponseOutparam param,
                   Take(call.http.response_outparams, args[0], call.res.response_outparam));
               const Value& response = args[1];
               if (response.as_case().index == 0) {
                 WCLOUD_ASSIGN_OR_RETURN(OutgoingResponse r,
                                         Take(call.http.outgoing_responses, *response.payload(),
                                              call.res.outgoing_response));
                 SetResponse(*param.exchange, std::move(r));
               } else {
                 WCLOUD_ASSIGN_OR_RETURN(ErrorCode code, ErrorCode::FromValue(*response.payload()));
                 SetError(*param.exchange, std::move(code));
               }
               return Ok();
             });
  // Informational (1xx) responses are not sent by our server.
  DefineHttp(linker, kTypes, "[method]response-outparam.send-informational", 3,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_TRY_STATUS(TakeFields(call, args[2]).has_value()
                                     ? Ok()
                                     : Status(Error("headers: not an open fields handle")));
               out.push_back(Value::Err(
                   ErrorCode::Internal("informational responses are not supported").ToValue()));
               return Ok();
             });
}

void DefineIncomingResponse(component::Linker& linker) {
  auto response = [](HttpCall& call, const Value& v) {
    return Get(call.http.incoming_responses, v, call.res.incoming_response);
  };
  DefineHttp(
      linker, kTypes, "[method]incoming-response.status", 1,
      [response](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingResponse * r, response(call, args[0]));
        out.push_back(Value::Unsigned(r->status));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]incoming-response.headers", 1,
      [response](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingResponse * r, response(call, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(Value h, ImmutableFields(call, r->headers));
        out.push_back(std::move(h));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]incoming-response.consume", 1,
      [response](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(IncomingResponse * r, response(call, args[0]));
        std::optional<IncomingBodySource> body = std::move(r->body);
        r->body.reset();
        WCLOUD_ASSIGN_OR_RETURN(Value result, ConsumeBody(call, body));
        out.push_back(std::move(result));
        return Ok();
      });
}

void DefineIncomingBody(component::Linker& linker) {
  DefineHttp(linker, kTypes, "[method]incoming-body.stream", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(IncomingBody * b, Get(call.http.incoming_bodies, args[0],
                                                             call.res.incoming_body));
               if (b->stream_taken) {
                 out.push_back(Value::Err());
                 return Ok();
               }
               b->stream_taken = true;
               std::shared_ptr<InputStream> stream = b->source.stream;
               if (!stream) stream = std::make_shared<MemoryInputStream>(std::vector<uint8_t>{});
               WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.wasi.input_streams,
                                                    call.res.wasi.input_stream, std::move(stream)));
               out.push_back(Value::Ok(std::move(h)));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[static]incoming-body.finish", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(IncomingBody b, Take(call.http.incoming_bodies, args[0],
                                                            call.res.incoming_body));
               auto future = std::make_shared<TrailersFuture>(std::move(b.source));
               WCLOUD_ASSIGN_OR_RETURN(
                   Value h, Own(call.http.future_trailers, call.res.future_trailers, future));
               out.push_back(std::move(h));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[method]future-trailers.subscribe", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   auto* f, Get(call.http.future_trailers, args[0], call.res.future_trailers));
               auto pollable = (*f)->Subscribe();
               WCLOUD_ASSIGN_OR_RETURN(
                   Value h, Own(call.wasi.pollables, call.res.wasi.pollable, std::move(pollable)));
               out.push_back(std::move(h));
               return Ok();
             });
  // option<result<result<option<trailers>, error-code>>>
  DefineHttp(linker, kTypes, "[method]future-trailers.get", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   auto* f, Get(call.http.future_trailers, args[0], call.res.future_trailers));
               std::shared_ptr<TrailersFuture> future = *f;
               auto got = future->Get();
               if (!got) {
                 out.push_back(Value::None());
               } else if (got->taken) {
                 out.push_back(Value::Some(Value::Err()));
               } else if (!*got->result) {
                 out.push_back(Value::Some(Value::Ok(Value::Err(got->result->error().ToValue()))));
               } else if (got->result->value().empty()) {
                 out.push_back(Value::Some(Value::Ok(Value::Ok(Value::None()))));
               } else {
                 WCLOUD_ASSIGN_OR_RETURN(Value h,
                                         ImmutableFields(call, std::move(got->result->value())));
                 out.push_back(Value::Some(Value::Ok(Value::Ok(Value::Some(std::move(h))))));
               }
               return Ok();
             });
}

void DefineOutgoingResponse(component::Linker& linker) {
  auto response = [](HttpCall& call, const Value& v) {
    return Get(call.http.outgoing_responses, v, call.res.outgoing_response);
  };
  DefineHttp(linker, kTypes, "[constructor]outgoing-response", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(Fields headers, TakeFields(call, args[0]));
               OutgoingResponse r;
               r.headers = std::move(headers);
               r.headers.Freeze();
               WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.http.outgoing_responses,
                                                    call.res.outgoing_response, std::move(r)));
               out.push_back(std::move(h));
               return Ok();
             });
  DefineHttp(
      linker, kTypes, "[method]outgoing-response.status-code", 1,
      [response](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingResponse * r, response(call, args[0]));
        out.push_back(Value::Unsigned(r->status));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-response.set-status-code", 2,
      [response](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingResponse * r, response(call, args[0]));
        const uint64_t status = args[1].as_unsigned();
        // A final response: informational codes are not a response the guest can set.
        const bool ok = status >= 200 && status <= 999;
        if (ok) r->status = static_cast<uint16_t>(status);
        out.push_back(UnitResult(ok));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-response.headers", 1,
      [response](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingResponse * r, response(call, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(Value h, ImmutableFields(call, r->headers.entries()));
        out.push_back(std::move(h));
        return Ok();
      });
  DefineHttp(
      linker, kTypes, "[method]outgoing-response.body", 1,
      [response](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(OutgoingResponse * r, response(call, args[0]));
        WCLOUD_ASSIGN_OR_RETURN(Value result, TakeOutgoingBody(call, r->body, r->headers, false));
        out.push_back(std::move(result));
        return Ok();
      });
}

void DefineOutgoingBody(component::Linker& linker) {
  DefineHttp(linker, kTypes, "[method]outgoing-body.write", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   auto* body, Get(call.http.outgoing_bodies, args[0], call.res.outgoing_body));
               std::shared_ptr<OutgoingBody> b = *body;
               if (b->stream_taken()) {
                 out.push_back(Value::Err());
                 return Ok();
               }
               WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.wasi.output_streams,
                                                    call.res.wasi.output_stream, b->NewStream()));
               out.push_back(Value::Ok(std::move(h)));
               return Ok();
             });
  DefineHttp(linker, kTypes, "[static]outgoing-body.finish", 2,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(
                   std::shared_ptr<OutgoingBody> body,
                   Take(call.http.outgoing_bodies, args[0], call.res.outgoing_body));
               FieldList trailers;
               if (const Value* some = args[1].payload()) {
                 WCLOUD_ASSIGN_OR_RETURN(Fields t, TakeFields(call, *some));
                 trailers = t.entries();
               }
               auto finished = body->Finish(std::move(trailers));
               out.push_back(finished ? Value::Ok() : Value::Err(finished.error().ToValue()));
               return Ok();
             });
}

void DefineFutureIncomingResponse(component::Linker& linker) {
  DefineHttp(linker, kTypes, "[method]future-incoming-response.subscribe", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(FutureIncomingResponse * f,
                                       Get(call.http.future_incoming_responses, args[0],
                                           call.res.future_incoming_response));
               std::shared_ptr<Pollable> pollable = f->future->Subscribe();
               WCLOUD_ASSIGN_OR_RETURN(
                   Value h, Own(call.wasi.pollables, call.res.wasi.pollable, std::move(pollable)));
               out.push_back(std::move(h));
               return Ok();
             });
  // option<result<result<incoming-response, error-code>>>
  DefineHttp(
      linker, kTypes, "[method]future-incoming-response.get", 1,
      [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
        WCLOUD_ASSIGN_OR_RETURN(
            FutureIncomingResponse * f,
            Get(call.http.future_incoming_responses, args[0], call.res.future_incoming_response));
        if (!f->future->Ready()) {
          out.push_back(Value::None());
          return Ok();
        }
        auto result = f->future->Take();
        if (!result) {
          out.push_back(Value::Some(Value::Err()));
          return Ok();
        }
        if (!*result) {
          out.push_back(Value::Some(Value::Ok(Value::Err(result->error().ToValue()))));
          return Ok();
        }
        ClientResponse response = std::move(*result).value();
        IncomingResponse incoming;
        incoming.status = response.status;
        incoming.headers = std::move(response.headers);
        std::shared_ptr<BodyPipe> pipe = response.body;
        incoming.body = IncomingBodySource{std::make_shared<PipeInputStream>(pipe),
                                           [pipe] { return pipe->Trailers(); }};
        WCLOUD_ASSIGN_OR_RETURN(Value h, Own(call.http.incoming_responses,
                                             call.res.incoming_response, std::move(incoming)));
        out.push_back(Value::Some(Value::Ok(Value::Ok(std::move(h)))));
        return Ok();
      });
}

void DefineHttpErrorCode(component::Linker& linker) {
  DefineHttp(linker, kTypes, "http-error-code", 1,
             [](HttpCall& call, std::span<const Value> args, std::vector<Value>& out) -> Status {
               WCLOUD_ASSIGN_OR_RETURN(IoError * e,
                                       Get(call.wasi.errors, args[0], call.res.wasi.error));
               auto code = ErrorCodeFromMessage(e->message);
               out.push_back(code ? Value::Some(code->ToValue()) : Value::None());
               return Ok();
             });
}

}  // namespace

void DefineTypes(component::Linker& linker, const HttpResources&) {
  DefineFields(linker);
  DefineIncomingRequest(linker);
  DefineOutgoingRequest(linker);
  DefineRequestOptions(linker);
  DefineResponseOutparam(linker);
  DefineIncomingResponse(linker);
  DefineIncomingBody(linker);
  DefineOutgoingResponse(linker);
  DefineOutgoingBody(linker);
  DefineFutureIncomingResponse(linker);
  DefineHttpErrorCode(linker);
}

}  // namespace wcloud::wasi::http
