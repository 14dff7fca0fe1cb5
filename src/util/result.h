// Result<T>: the value of an operation that can fail on bad input, or the Error saying why.
// Shaped like C++23's std::expected (has_value/value/error) so it can become one later; our
// toolchain (GCC 12, C++20) has no <expected>. Failures a caller can expect are values of this
// type; exceptions never cross a module boundary.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wcloud {

// What kind of failure an Error is, for callers that branch on it; one set for every layer
// (after absl::StatusCode). Only the API server turns codes into HTTP statuses.
enum class ErrorCode : uint8_t {
  kUnknown = 0,      // unspecified
  kInvalidArgument,  // the input is malformed or refused (a manifest, a module, a body)
  kNotFound,
  kAlreadyExists,
  kConflict,            // the state changed meanwhile (a resourceVersion, a concurrent write)
  kGone,                // expired (a watch version compacted away)
  kFailedPrecondition,  // the system is not in a state to do it (an import nobody provides)
  kPermissionDenied,
  kUnauthenticated,
  kResourceExhausted,  // a size, memory or quota limit
  kDeadlineExceeded,
  kCancelled,    // stopped on request (an interrupted guest)
  kAborted,      // a guest stopped the call: it trapped or exited (see ErrorDetails)
  kUnavailable,  // a peer could not be reached
  kUnimplemented,
  kInternal,  // a bug, or a failure inside a host function
};

std::string_view ErrorCodeName(ErrorCode code);

// How a call into a guest ended, when it did not return.
enum class GuestStop : uint8_t {
  kNone,
  kTrap,          // the guest trapped: unreachable, out of bounds, stack overflow, ...
  kExit,          // the guest called wasi:cli/exit (ErrorDetails::exit_status)
  kHostFunction,  // a host function it called failed; the message is the host's
};

struct ErrorDetails {
  std::string reason;  // the Kubernetes StatusReason ("Invalid", "Expired") when the API speaks
  GuestStop guest = GuestStop::kNone;
  int exit_status = 0;  // with GuestStop::kExit
  bool operator==(const ErrorDetails&) const = default;

  static ErrorDetails Reason(std::string reason) {
    ErrorDetails d;
    d.reason = std::move(reason);
    return d;
  }
  static ErrorDetails Guest(GuestStop stop, int exit_status = 0) {
    ErrorDetails d;
    d.guest = stop;
    d.exit_status = exit_status;
    return d;
  }
};

// A message a user can act on: what was wrong, where (field path, file, offset, peer), and what
// would be right; a code for callers to branch on without parsing the message.
class Error {
 public:
  Error() = default;
  explicit Error(std::string message) : message_(std::move(message)) {}
  Error(std::string message, ErrorCode code) : message_(std::move(message)), code_(code) {}
  Error(std::string message, ErrorCode code, ErrorDetails details)
      : message_(std::move(message)), code_(code), details_(std::move(details)) {}

  const std::string& message() const { return message_; }
  ErrorCode code() const { return code_; }
  const ErrorDetails& details() const { return details_; }

  // Returns a copy with "context: " in front, for adding the file or peer on the way up.
  Error Wrap(std::string_view context) const {
    return Error(std::string(context) + ": " + message_, code_, details_);
  }

 private:
  std::string message_;
  ErrorCode code_ = ErrorCode::kUnknown;
  ErrorDetails details_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    assert(!has_value());
    return std::get<1>(v_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  const Error& error() const {
    assert(failed_);
    return error_;
  }

 private:
  Error error_;
  bool failed_ = false;
};

using Status = Result<void>;

inline Status Ok() { return {}; }

}  // namespace wcloud

// Evaluates a Result expression; on failure returns its Error from the enclosing function.
#define WCLOUD_TRY_STATUS(expr)          \
  do {                                   \
    auto wcloud_try_result_ = (expr);    \
    if (!wcloud_try_result_) {           \
      return wcloud_try_result_.error(); \
    }                                    \
  } while (false)

#define WCLOUD_CONCAT_INNER_(a, b) a##b
#define WCLOUD_CONCAT_(a, b) WCLOUD_CONCAT_INNER_(a, b)

// WCLOUD_ASSIGN_OR_RETURN(auto x, Parse(...)); declares x from the value or returns the Error.
#define WCLOUD_ASSIGN_OR_RETURN(decl, expr) \
  WCLOUD_ASSIGN_OR_RETURN_IMPL_(WCLOUD_CONCAT_(wcloud_result_, __LINE__), decl, expr)
#define WCLOUD_ASSIGN_OR_RETURN_IMPL_(tmp, decl, expr) \
  auto tmp = (expr);                                   \
  if (!tmp) {                                          \
    return tmp.error();                                \
  }                                                    \
  decl = std::move(tmp).value()
