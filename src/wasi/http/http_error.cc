#include "wasi/http/http_error.h"

#include <array>
#include <vector>

namespace wcloud::wasi::http {
namespace {

using component::Value;

constexpr std::array<std::string_view, kErrorKindCount> kNames = {
    "DNS-timeout",
    "DNS-error",
    "destination-not-found",
    "destination-unavailable",
    "destination-IP-prohibited",
    "destination-IP-unroutable",
    "connection-refused",
    "connection-terminated",
    "connection-timeout",
    "connection-read-timeout",
    "connection-write-timeout",
    "connection-limit-reached",
    "TLS-protocol-error",
    "TLS-certificate-error",
    "TLS-alert-received",
    "HTTP-request-denied",
    "HTTP-request-length-required",
    "HTTP-request-body-size",
    "HTTP-request-method-invalid",
    "HTTP-request-URI-invalid",
    "HTTP-request-URI-too-long",
    "HTTP-request-header-section-size",
    "HTTP-request-header-size",
    "HTTP-request-trailer-section-size",
    "HTTP-request-trailer-size",
    "HTTP-response-incomplete",
    "HTTP-response-header-section-size",
    "HTTP-response-header-size",
    "HTTP-response-body-size",
    "HTTP-response-trailer-section-size",
    "HTTP-response-trailer-size",
    "HTTP-response-transfer-coding",
    "HTTP-response-content-coding",
    "HTTP-response-timeout",
    "HTTP-upgrade-failed",
    "HTTP-protocol-error",
    "loop-detected",
    "configuration-error",
    "internal-error",
};

// The payload of `kind` with every optional field `none`; nullopt for cases without one.
std::optional<Value> EmptyPayload(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kDnsError:          // {rcode: option<string>, info-code: option<u16>}
    case ErrorKind::kTlsAlertReceived:  // {alert-id: option<u8>, alert-message: option<string>}
    case ErrorKind::kHttpRequestTrailerSize:
    case ErrorKind::kHttpResponseHeaderSize:
    case ErrorKind::kHttpResponseTrailerSize:  // field-size-payload
      return Value::Aggregate({Value::None(), Value::None()});
    case ErrorKind::kHttpRequestBodySize:
    case ErrorKind::kHttpRequestHeaderSectionSize:
    case ErrorKind::kHttpRequestHeaderSize:
    case ErrorKind::kHttpRequestTrailerSectionSize:
    case ErrorKind::kHttpResponseHeaderSectionSize:
    case ErrorKind::kHttpResponseBodySize:
    case ErrorKind::kHttpResponseTrailerSectionSize:
    case ErrorKind::kHttpResponseTransferCoding:
    case ErrorKind::kHttpResponseContentCoding:
    case ErrorKind::kInternalError:
      return Value::None();
    default:
      return std::nullopt;
  }
}

}  // namespace

ErrorCode ErrorCode::Of(ErrorKind kind) { return ErrorCode(kind, EmptyPayload(kind)); }

ErrorCode ErrorCode::Internal(std::string message) {
  return ErrorCode(ErrorKind::kInternalError, Value::Some(Value::String(std::move(message))));
}

ErrorCode ErrorCode::BodySize(ErrorKind kind, uint64_t size) {
  return ErrorCode(kind, Value::Some(Value::Unsigned(size)));
}

Result<ErrorCode> ErrorCode::FromValue(const Value& value) {
  const component::CaseValue& c = value.as_case();
  if (c.index >= kErrorKindCount) {
    return Error("error-code case " + std::to_string(c.index) + " is out of range (0-" +
                 std::to_string(kErrorKindCount - 1) + ")");
  }
  const auto kind = static_cast<ErrorKind>(c.index);
  if (c.payload.empty()) return ErrorCode(kind, std::nullopt);
  return ErrorCode(kind, std::make_optional(c.payload[0]));
}

Value ErrorCode::ToValue() const {
  const auto index = static_cast<uint32_t>(kind_);
  return payload_ ? Value::Case(index, *payload_) : Value::Case(index);
}

std::string ErrorCode::Describe() const {
  std::string text(ErrorKindName(kind_));
  // option<string> and option<u64> payloads carry what a reader wants to see.
  if (payload_ && std::holds_alternative<component::CaseValue>(payload_->storage())) {
    if (const Value* some = payload_->payload()) {
      if (std::holds_alternative<std::string>(some->storage())) {
        text += ": " + some->as_string();
      } else if (std::holds_alternative<uint64_t>(some->storage())) {
        text += ": " + std::to_string(some->as_unsigned());
      }
    }
  }
  return text;
}

std::string_view ErrorKindName(ErrorKind kind) {
  const auto index = static_cast<uint32_t>(kind);
  return index < kErrorKindCount ? kNames[index] : std::string_view("unknown error-code");
}

std::optional<ErrorCode> ErrorCodeFromMessage(std::string_view message) {
  const size_t colon = message.find_first_of(":;");
  const std::string_view name = message.substr(0, colon);
  for (uint32_t i = 0; i < kErrorKindCount; ++i) {
    if (kNames[i] != name) continue;
    const auto kind = static_cast<ErrorKind>(i);
    if (kind == ErrorKind::kInternalError && colon != std::string_view::npos &&
        message[colon] == ':') {
      std::string_view rest = message.substr(colon + 1);
      if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
      return ErrorCode::Internal(std::string(rest));
    }
    return ErrorCode::Of(kind);
  }
  return std::nullopt;
}

}  // namespace wcloud::wasi::http
