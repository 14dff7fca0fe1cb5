#include "kube/client.h"

namespace wcloud::kube {
namespace {

ErrorCode CodeOf(int http_status, const std::string& reason) {
  switch (http_status) {
    case 400:
    case 405:
    case 406:
    case 415:
    case 422:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 409:
      return reason == "AlreadyExists" ? ErrorCode::kAlreadyExists : ErrorCode::kConflict;
    case 410:
      return ErrorCode::kGone;
    case 413:
    case 429:
      return ErrorCode::kResourceExhausted;
    case 501:
      return ErrorCode::kUnimplemented;
    case 503:
      return ErrorCode::kUnavailable;
    case 504:
      return ErrorCode::kDeadlineExceeded;
    default:
      return http_status >= 500 ? ErrorCode::kInternal : ErrorCode::kUnknown;
  }
}

}  // namespace

Error ApiError(int http_status, const std::string& reason, const std::string& message) {
  return Error(reason.empty() ? message : reason + ": " + message, CodeOf(http_status, reason),
               ErrorDetails::Reason(reason));
}

std::string CollectionPath(const ResourceType& type, std::string_view ns) {
  std::string path =
      type.group.empty() ? "/api/" + type.version : "/apis/" + type.group + "/" + type.version;
  if (type.namespaced && !ns.empty()) path += "/namespaces/" + std::string(ns);
  return path + "/" + type.plural;
}

std::string ObjectPath(const ResourceType& type, std::string_view ns, std::string_view name,
                       std::string_view subresource) {
  std::string path = CollectionPath(type, ns);
  path.append("/").append(name);
  if (!subresource.empty()) path.append("/").append(subresource);
  return path;
}

}  // namespace wcloud::kube
