// Result<T>: the value of an operation that can fail on bad input, or the Error saying why.
// Shaped like C++23's std::expected (has_value/value/error) so it can become one later; our
// toolchain (GCC 12, C++20) has no <expected>. Failures a caller can expect are values of this
// type; exceptions never cross a module boundary.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wcloud {

// A message a user can act on: what was wrong, where (field path, file, offset, peer), and what
// would be right.
class Error {
 public:
  Error() = default;
  explicit Error(std::string message) : message_(std::move(message)) {}
  // `code` lets callers branch on the kind of failure without parsing the message; its meaning
  // belongs to the layer that sets it (an HTTP status for Kubernetes API errors). 0: unspecified.
  Error(std::string message, int code) : message_(std::move(message)), code_(code) {}

  const std::string& message() const { return message_; }
  int code() const { return code_; }

  // Returns a copy with "context: " in front, for adding the file or peer on the way up.
  Error Wrap(std::string_view context) const {
    return Error(std::string(context) + ": " + message_, code_);
  }

 private:
  std::string message_;
  int code_ = 0;
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
