#include "apiserver/api_result.h"

#include <map>

namespace wcloud::apiserver {
namespace {

// The one place an Error becomes an HTTP status: by its Kubernetes reason when it has one, else
// by its code.
int HttpStatus(const Error& e) {
  static const std::map<std::string, int, std::less<>> kByReason = {{"BadRequest", 400},
                                                                    {"Unauthorized", 401},
                                                                    {"Forbidden", 403},
                                                                    {"NotFound", 404},
                                                                    {"MethodNotAllowed", 405},
                                                                    {"NotAcceptable", 406},
                                                                    {"AlreadyExists", 409},
                                                                    {"Conflict", 409},
                                                                    {"Gone", 410},
                                                                    {"Expired", 410},
                                                                    {"RequestEntityTooLarge", 413},
                                                                    {"UnsupportedMediaType", 415},
                                                                    {"Invalid", 422},
                                                                    {"TooManyRequests", 429},
                                                                    {"InternalError", 500},
                                                                    {"ServiceUnavailable", 503},
                                                                    {"Timeout", 504}};
  if (auto it = kByReason.find(e.details().reason); it != kByReason.end()) return it->second;
  switch (e.code()) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
    case ErrorCode::kAborted:
      return 409;
    case ErrorCode::kGone:
      return 410;
    case ErrorCode::kResourceExhausted:
      return 413;
    case ErrorCode::kUnimplemented:
      return 501;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kCancelled:
    case ErrorCode::kUnknown:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace

Json StatusBody(int code, const std::string& reason, const std::string& message, Json details) {
  Json s = {{"kind", "Status"},
            {"apiVersion", "v1"},
            {"metadata", Json::object()},
            {"status", code < 300 ? "Success" : "Failure"},
            {"message", message},
            {"reason", reason},
            {"code", code}};
  if (!details.is_null()) s["details"] = details;
  return s;
}

ApiResult StatusResult(int code, const std::string& reason, const std::string& message,
                       Json details) {
  return {code, StatusBody(code, reason, message, std::move(details)), {}};
}

ApiResult RefuseAbsent(const ResourceDef& def) {
  return StatusResult(405, "MethodNotAllowed",
                      "this API server runs no " + def.plural + ": " + Qualified(def) +
                          " are served only as an empty list (wcloud runs WebAssembly "
                          "workloads: see kubectl get wasmcloud)",
                      {{"group", def.group}, {"kind", def.plural}});
}

std::string Qualified(const ResourceDef& def) {
  return def.group.empty() ? def.plural : def.plural + "." + def.group;
}

ApiResult FromStoreError(const Error& e, const ResourceDef& def, const std::string& name) {
  const std::string& m = e.message();
  const size_t colon = m.find(": ");
  std::string reason = e.details().reason;
  std::string message = m;
  if (!reason.empty() && m.rfind(reason + ": ", 0) == 0) message = m.substr(reason.size() + 2);
  if (reason.empty()) {
    reason = "InternalError";
    if (colon != std::string::npos) message = m.substr(colon + 2);
  }
  // The store names resources by plural; Kubernetes by plural.group.
  std::string from = def.plural + " \"" + name + "\"";
  if (size_t at = message.find(from); at != std::string::npos) {
    message.replace(at, from.size(), Qualified(def) + " \"" + name + "\"");
  }
  Json details = {{"name", name}, {"group", def.group}, {"kind", def.plural}};
  return StatusResult(HttpStatus(e), reason, message, details);
}

ApiResult InvalidResult(const ResourceDef& def, const std::string& name,
                        const api::FieldErrors& errs) {
  Json causes = Json::array();
  std::string joined;
  for (const auto& e : errs) {
    causes.push_back({{"reason", "FieldValueInvalid"}, {"message", e.message}, {"field", e.path}});
    joined += (joined.empty() ? "" : ", ") + e.ToString();
  }
  std::string message = def.kind + (def.group.empty() ? "" : "." + def.group) + " \"" + name +
                        "\" is invalid: " + (errs.size() > 1 ? "[" + joined + "]" : joined);
  return StatusResult(
      422, "Invalid", message,
      {{"name", name}, {"group", def.group}, {"kind", def.kind}, {"causes", causes}});
}

}  // namespace wcloud::apiserver
