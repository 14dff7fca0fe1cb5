// What controllers, agents and informers need from a Kubernetes API: one request by path, and
// a watch stream. RestClient speaks it to a real API server; FakeClient keeps objects in memory
// for unit tests of controllers.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>

#include "util/json.h"
#include "util/result.h"

namespace wcloud::kube {

// An error the API server answered: the canonical code for its HTTP status and Status reason
// (409 is AlreadyExists or Conflict by reason), the reason kept in the details, and the message
// "Reason: message".
Error ApiError(int http_status, const std::string& reason, const std::string& message);

inline bool IsNotFound(const Error& e) { return e.code() == ErrorCode::kNotFound; }
inline bool IsConflict(const Error& e) { return e.code() == ErrorCode::kConflict; }
inline bool IsAlreadyExists(const Error& e) { return e.code() == ErrorCode::kAlreadyExists; }
inline bool IsGone(const Error& e) { return e.code() == ErrorCode::kGone; }

// "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads" and the like.
struct ResourceType {
  std::string group;  // "" for the core group
  std::string version;
  std::string plural;
  bool namespaced = true;
};
std::string CollectionPath(const ResourceType& type, std::string_view ns);
std::string ObjectPath(const ResourceType& type, std::string_view ns, std::string_view name,
                       std::string_view subresource = "");

class Client {
 public:
  virtual ~Client() = default;

  // One request; `path` includes the query ("/api/v1/namespaces/default/configmaps?limit=5").
  // A non-2xx answer becomes an ApiError (a canonical code, the Status reason in the details).
  virtual Result<Json> Do(std::string_view method, const std::string& path,
                          const Json* body = nullptr,
                          std::string_view content_type = "application/json") = 0;
  Result<Json> Get(const std::string& path) { return Do("GET", path); }

  // Streams a watch: calls `on_event` with each event object ({"type", "object"}) until the
  // server ends the stream (Ok), `on_event` returns false or `stop` becomes true (Ok), or the
  // connection fails (Error).
  virtual Status Watch(const std::string& path, const std::function<bool(const Json&)>& on_event,
                       const std::atomic<bool>* stop = nullptr) = 0;
};

}  // namespace wcloud::kube
