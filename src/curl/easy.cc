#include "curl/easy.h"

#include <utility>

namespace wcloud::curl {

Easy NewEasy() { return Easy(curl_easy_init()); }

HeaderList::HeaderList(const std::vector<std::string>& lines) {
  for (const auto& line : lines) Append(line);
}

HeaderList::~HeaderList() { curl_slist_free_all(list_); }

HeaderList::HeaderList(HeaderList&& other) noexcept : list_(std::exchange(other.list_, nullptr)) {}

HeaderList& HeaderList::operator=(HeaderList&& other) noexcept {
  if (this != &other) {
    curl_slist_free_all(list_);
    list_ = std::exchange(other.list_, nullptr);
  }
  return *this;
}

bool HeaderList::Append(const std::string& line) {
  curl_slist* appended = curl_slist_append(list_, line.c_str());
  if (appended == nullptr) return false;
  list_ = appended;
  return true;
}

void SetCommon(CURL* easy, const std::string& url, std::chrono::milliseconds connect_timeout) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::max<int64_t>(1, connect_timeout.count())));
}

void SetMethod(CURL* easy, const std::string& method, std::optional<std::string_view> body) {
  if (method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    return;
  }
  if (method == "GET" && !body) return;
  curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (body) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
}

void CollectBody(CURL* easy, BodySink& sink) {
  auto on_data = +[](char* data, size_t size, size_t count, void* user) -> size_t {
    auto* s = static_cast<BodySink*>(user);
    size_t n = size * count;
    if (s->data.size() + n > s->limit) {
      s->too_large = true;
      return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    s->data.append(data, n);
    return n;
  };
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &sink);
}

std::string Escape(CURL* easy, std::string_view s) {
  char* escaped = curl_easy_escape(easy, s.data(), static_cast<int>(s.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

Error TransferError(const std::string& what, CURLcode code, const BodySink* sink) {
  if (sink != nullptr && sink->too_large) {
    return Error(what + ": response larger than " + std::to_string(sink->limit) + " bytes");
  }
  return Error(what + ": " + curl_easy_strerror(code));
}

}  // namespace wcloud::curl
