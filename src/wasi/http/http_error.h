// wasi:http/types error-code: the 39 cases of the variant, with the payloads the WIT gives them,
// as a value the host can build, inspect, hand to the guest and get back from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "component/value.h"
#include "util/result.h"

namespace wcloud::wasi::http {

// The case indices, in WIT order.
enum class ErrorKind : uint32_t {
  kDnsTimeout = 0,
  kDnsError,  // DNS-error-payload
  kDestinationNotFound,
  kDestinationUnavailable,
  kDestinationIpProhibited,
  kDestinationIpUnroutable,
  kConnectionRefused,
  kConnectionTerminated,
  kConnectionTimeout,
  kConnectionReadTimeout,
  kConnectionWriteTimeout,
  kConnectionLimitReached,
  kTlsProtocolError,
  kTlsCertificateError,
  kTlsAlertReceived,  // TLS-alert-received-payload
  kHttpRequestDenied,
  kHttpRequestLengthRequired,
  kHttpRequestBodySize,  // option<u64>
  kHttpRequestMethodInvalid,
  kHttpRequestUriInvalid,
  kHttpRequestUriTooLong,
  kHttpRequestHeaderSectionSize,   // option<u32>
  kHttpRequestHeaderSize,          // option<field-size-payload>
  kHttpRequestTrailerSectionSize,  // option<u32>
  kHttpRequestTrailerSize,         // field-size-payload
  kHttpResponseIncomplete,
  kHttpResponseHeaderSectionSize,   // option<u32>
  kHttpResponseHeaderSize,          // field-size-payload
  kHttpResponseBodySize,            // option<u64>
  kHttpResponseTrailerSectionSize,  // option<u32>
  kHttpResponseTrailerSize,         // field-size-payload
  kHttpResponseTransferCoding,      // option<string>
  kHttpResponseContentCoding,       // option<string>
  kHttpResponseTimeout,
  kHttpUpgradeFailed,
  kHttpProtocolError,
  kLoopDetected,
  kConfigurationError,
  kInternalError,  // option<string>
};
inline constexpr uint32_t kErrorKindCount = 39;

// One error-code value. `payload` is the case's payload as a component Value (absent for cases
// without one), so a code the guest gave us goes back out unchanged.
class ErrorCode {
 public:
  // The case with its payload's fields all `none`.
  static ErrorCode Of(ErrorKind kind);
  static ErrorCode Internal(std::string message);
  // HTTP-request-body-size / HTTP-response-body-size with the size that was seen.
  static ErrorCode BodySize(ErrorKind kind, uint64_t size);
  // From a lifted error-code Value; an Error when the case index is out of range.
  static Result<ErrorCode> FromValue(const component::Value& value);

  ErrorKind kind() const { return kind_; }
  component::Value ToValue() const;
  // "HTTP-request-denied", "internal-error: <message>": also what a body stream's wasi:io error
  // says, so http-error-code can recover the case from it.
  std::string Describe() const;

 private:
  ErrorCode(ErrorKind kind, std::optional<component::Value> payload)
      : kind_(kind), payload_(std::move(payload)) {}
  ErrorKind kind_;
  std::optional<component::Value> payload_;
};

// The WIT name of a case: "DNS-timeout", "HTTP-request-denied".
std::string_view ErrorKindName(ErrorKind kind);

// The error-code a message from Describe() starts with, for wasi:http/types.http-error-code.
std::optional<ErrorCode> ErrorCodeFromMessage(std::string_view message);

}  // namespace wcloud::wasi::http
