// HTTP fields (headers and trailers) as wasi:http/types `fields` defines them: ordered, duplicate
// names kept, names matched case-insensitively and stored lower-case (as wasmtime and jco hand
// them to guests). Fields the guest builds are checked: names must be tokens, values must not
// hold CR, LF or other controls, and hop-by-hop names the host owns are forbidden.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wasi/expected.h"

namespace wcloud::wasi::http {

// (name, value); values are bytes (field-value is list<u8>) kept in a std::string.
using Field = std::pair<std::string, std::string>;
using FieldList = std::vector<Field>;

// header-error, case indices as in the WIT.
enum class HeaderError : uint32_t { kInvalidSyntax = 0, kForbidden = 1, kImmutable = 2 };
using HeaderStatus = Expected<std::monostate, HeaderError>;

// Visible bytes, space and tab; no CR, LF, NUL or DEL.
bool IsValidFieldValue(std::string_view value);
// The names a guest may not set (wasmtime's list): connection, keep-alive, proxy-authenticate,
// proxy-authorization, proxy-connection, transfer-encoding, upgrade, host, http2-settings. The
// host derives them from the connection and the request's authority.
bool IsForbiddenFieldName(std::string_view name);
// ASCII lower-case copy.
std::string LowerCase(std::string_view s);
// Lower-cases every name of `fields` in place.
void LowerCaseNames(FieldList& fields);

class Fields {
 public:
  // Mutable and empty.
  Fields() = default;
  // Fields the host received (a request's headers, a response's): stored as given (names
  // lower-cased), not checked, immutable to the guest when `immutable`.
  static Fields FromHost(FieldList entries, bool immutable);
  // from-list: every entry checked; the result is mutable.
  static Expected<Fields, HeaderError> FromGuest(const FieldList& entries);

  std::vector<std::string> Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  HeaderStatus Set(std::string_view name, const std::vector<std::string>& values);
  HeaderStatus Delete(std::string_view name);
  HeaderStatus Append(std::string_view name, std::string value);
  // A mutable deep copy.
  Fields Clone() const;
  // From now on immutable: the fields became a request's or response's headers.
  void Freeze() { immutable_ = true; }

  const FieldList& entries() const { return entries_; }
  bool immutable() const { return immutable_; }
  // The Content-Length value, when there is exactly one and it is a decimal number.
  std::optional<uint64_t> ContentLength() const;

 private:
  // Checks a mutation of `name` (and `values`, a range of strings): immutable, then syntax,
  // then forbidden.
  template <class Values>
  HeaderStatus CheckMutation(std::string_view name, const Values& values) const;

  FieldList entries_;
  bool immutable_ = false;
};

}  // namespace wcloud::wasi::http
