#include "kube/rest_client.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace wcloud::kube {
namespace {

constexpr size_t kMaxResponseBytes = size_t{256} << 20;

// A Status object's reason and message, or the raw body when the server sent something else.
Error ApiError(long status, const std::string& method, const std::string& path,
               const std::string& body) {
  Json parsed = Json::parse(body, nullptr, false);
  std::string reason, message;
  if (parsed.is_object() && parsed.value("kind", "") == "Status") {
    reason = parsed.value("reason", "");
    message = parsed.value("message", "");
  }
  if (message.empty()) message = body.substr(0, 512);
  if (reason.empty()) reason = fmt::format("HTTP{}", status);
  return kube::ApiError(static_cast<int>(status), reason,
                        message + " (" + method + " " + path + ")");
}

Result<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error(path + ": cannot read bearer token");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string token = ss.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

}  // namespace

RestClient::RestClient(RestConfig config) : config_(std::move(config)) {
  while (!config_.server.empty() && config_.server.back() == '/') config_.server.pop_back();
}

RestClient::~RestClient() = default;

RestClient::Handle RestClient::Acquire() {
  {
    MutexLock lock(mu_);
    if (!idle_.empty()) {
      Handle h = std::move(idle_.back());
      idle_.pop_back();
      curl_easy_reset(h.get());
      return h;
    }
  }
  return curl::NewEasy();
}

void RestClient::Release(Handle handle) {
  MutexLock lock(mu_);
  if (idle_.size() < 8) idle_.push_back(std::move(handle));
}

Result<std::vector<std::string>> RestClient::Headers(std::string_view content_type) const {
  std::vector<std::string> headers{"Accept: application/json",
                                   "Content-Type: " + std::string(content_type)};
  std::string token = config_.bearer_token;
  if (!config_.bearer_token_file.empty()) {
    WCLOUD_ASSIGN_OR_RETURN(token, ReadTokenFile(config_.bearer_token_file));
  }
  if (!token.empty()) headers.push_back("Authorization: Bearer " + token);
  return headers;
}

void RestClient::Configure(CURL* curl, const std::string& url) const {
  curl::SetCommon(curl, url, std::chrono::seconds(10));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, config_.user_agent.c_str());
  // The strings are copied by libcurl for blobs with CURL_BLOB_COPY.
  if (!config_.certificate_authority_pem.empty()) {
    curl_blob ca{const_cast<char*>(config_.certificate_authority_pem.data()),
                 config_.certificate_authority_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &ca);
  }
  if (!config_.client_certificate_pem.empty()) {
    curl_blob cert{const_cast<char*>(config_.client_certificate_pem.data()),
                   config_.client_certificate_pem.size(), CURL_BLOB_COPY};
    curl_blob key{const_cast<char*>(config_.client_key_pem.data()), config_.client_key_pem.size(),
                  CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_SSLCERT_BLOB, &cert);
    curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
    curl_easy_setopt(curl, CURLOPT_SSLKEY_BLOB, &key);
    curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
  }
  if (config_.insecure_skip_tls_verify) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
}

Result<Json> RestClient::Do(std::string_view method, const std::string& path, const Json* body,
                            std::string_view content_type) {
  Handle handle = Acquire();
  CURL* curl = handle.get();
  if (curl == nullptr) return Error("kube client: libcurl failed to initialise");
  WCLOUD_ASSIGN_OR_RETURN(auto header_lines, Headers(content_type));
  curl::HeaderList headers(header_lines);

  std::string url = config_.server + path;
  Configure(curl, url);
  std::string method_str(method);
  std::string payload = body ? body->dump() : "";
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, config_.timeout_seconds);
  curl::SetMethod(curl, method_str, body ? std::optional<std::string_view>(payload) : std::nullopt);
  curl::BodySink response(kMaxResponseBytes);
  curl::CollectBody(curl, response);
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  Release(std::move(handle));
  if (rc != CURLE_OK) return curl::TransferError(method_str + " " + url, rc, &response);
  if (status < 200 || status >= 300) return ApiError(status, method_str, path, response.data);
  if (response.data.empty()) return Json::object();
  Json parsed = Json::parse(response.data, nullptr, false);
  if (parsed.is_discarded()) return Error(method_str + " " + url + ": response is not JSON");
  return parsed;
}

// One streamed GET: each chunk of a 200 answer goes to `on_data` as it arrives, until it returns
// false, `stop` is set or the server ends the answer; `verb` names it in errors.
Status RestClient::Stream(const std::string& path, const char* verb,
                          const std::function<bool(std::string_view)>& on_data,
                          const std::atomic<bool>* stop) {
  Handle handle = Acquire();
  CURL* curl = handle.get();
  if (curl == nullptr) return Error("kube client: libcurl failed to initialise");
  WCLOUD_ASSIGN_OR_RETURN(auto header_lines, Headers("application/json"));
  curl::HeaderList headers(header_lines);
  std::string url = config_.server + path;
  Configure(curl, url);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());

  struct State {
    const std::function<bool(std::string_view)>* on_data;
    const std::atomic<bool>* stop;
    std::string error_body;
    bool stopped = false;
    long status = 0;
    CURL* curl;
  } state{&on_data, stop, "", false, 0, curl};
  auto write = +[](char* ptr, size_t size, size_t count, void* user) -> size_t {
    auto* s = static_cast<State*>(user);
    size_t n = size * count;
    if (s->status == 0) curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &s->status);
    if (s->status != 200) {
      if (s->error_body.size() < 65536) s->error_body.append(ptr, n);
      return n;
    }
    if (!(*s->on_data)(std::string_view(ptr, n))) {
      s->stopped = true;
      return 0;
    }
    return n;
  };
  auto on_progress = +[](void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
    auto* s = static_cast<State*>(user);
    if (s->stop != nullptr && s->stop->load()) {
      s->stopped = true;
      return 1;
    }
    return 0;
  };
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &state);
  CURLcode rc = curl_easy_perform(curl);
  if (state.status == 0) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &state.status);
  // A streamed connection is not reused: the server may still be sending on it.
  if (state.stopped) return Ok();
  if (rc != CURLE_OK) return curl::TransferError(std::string(verb) + " " + url, rc);
  if (state.status != 200) return ApiError(state.status, verb, path, state.error_body);
  return Ok();
}

Status RestClient::Watch(const std::string& path, const std::function<bool(const Json&)>& on_event,
                         const std::atomic<bool>* stop) {
  // Events are JSON objects, one per line.
  std::string pending;
  bool bad_json = false;
  Status streamed = Stream(
      path, "WATCH",
      [&](std::string_view chunk) {
        pending.append(chunk);
        size_t start = 0;
        for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
          std::string_view line(pending.data() + start, nl - start);
          if (line.empty()) continue;
          Json event = Json::parse(line, nullptr, false);
          if (event.is_discarded()) {
            bad_json = true;
            return false;
          }
          if (!on_event(event)) return false;
        }
        pending.erase(0, start);
        if (pending.size() > kMaxResponseBytes) {
          bad_json = true;
          return false;
        }
        return true;
      },
      stop);
  if (bad_json) return Error("watch " + config_.server + path + ": malformed event");
  return streamed;
}

Status RestClient::GetText(const std::string& path,
                           const std::function<bool(std::string_view)>& on_data) {
  return Stream(path, "GET", on_data, nullptr);
}

}  // namespace wcloud::kube
