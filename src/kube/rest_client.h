// HTTPS REST calls to a Kubernetes API server, JSON in and out, and watch streams.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "curl/easy.h"
#include "kube/client.h"
#include "kube/rest_config.h"
#include "util/json.h"
#include "util/mutex.h"
#include "util/result.h"

namespace wcloud::kube {

class RestClient : public Client {
 public:
  explicit RestClient(RestConfig config);
  ~RestClient() override;
  RestClient(const RestClient&) = delete;
  RestClient& operator=(const RestClient&) = delete;

  const RestConfig& config() const { return config_; }

  Result<Json> Do(std::string_view method, const std::string& path, const Json* body = nullptr,
                  std::string_view content_type = "application/json") override;
  using Client::Get;
  Status Watch(const std::string& path, const std::function<bool(const Json&)>& on_event,
               const std::atomic<bool>* stop = nullptr) override;
  // GETs a text body (a workload's log), handing each piece to `on_data` as it arrives, until
  // the server ends it or `on_data` returns false (Ok); a non-200 answer is an ApiError.
  Status GetText(const std::string& path, const std::function<bool(std::string_view)>& on_data);

 private:
  using Handle = curl::Easy;
  Handle Acquire();
  void Release(Handle handle);
  Result<std::vector<std::string>> Headers(std::string_view content_type) const;
  void Configure(CURL* curl, const std::string& url) const;
  Status Stream(const std::string& path, const char* verb,
                const std::function<bool(std::string_view)>& on_data,
                const std::atomic<bool>* stop);

  RestConfig config_;
  Mutex mu_;
  std::vector<Handle> idle_ GUARDED_BY(mu_);  // reused for keep-alive connections
};

}  // namespace wcloud::kube
