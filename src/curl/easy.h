// The seam to libcurl: what every HTTP client here (the registry client, the Kubernetes REST
// client, wasi:http's outgoing handler) sets up the same way on a transfer. Only this layer
// links libcurl; its users still drive their transfers (blocking or on a multi handle) themselves.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace wcloud::curl {

struct EasyCleanup {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
// An easy handle; null when libcurl could not make one.
using Easy = std::unique_ptr<CURL, EasyCleanup>;
Easy NewEasy();

// Request header lines ("Name: value"), owned: set with CURLOPT_HTTPHEADER, which keeps only
// the pointer, so the list must outlive the transfer.
class HeaderList {
 public:
  HeaderList() = default;
  explicit HeaderList(const std::vector<std::string>& lines);
  ~HeaderList();
  HeaderList(HeaderList&& other) noexcept;
  HeaderList& operator=(HeaderList&& other) noexcept;
  HeaderList(const HeaderList&) = delete;
  HeaderList& operator=(const HeaderList&) = delete;

  // False when libcurl ran out of memory (the list is left as it was).
  bool Append(const std::string& line);
  curl_slist* get() const { return list_; }

 private:
  curl_slist* list_ = nullptr;
};

// What every transfer takes: the URL, no signals (transfers run on many threads), only http and
// https (never file:// or others a redirect might name), and how long connecting may take.
void SetCommon(CURL* easy, const std::string& url, std::chrono::milliseconds connect_timeout);

// The request method, with a body the caller holds until the transfer ends: HEAD asks for no
// response body, GET is the default, any other method is sent as is with `body` when given.
void SetMethod(CURL* easy, const std::string& method, std::optional<std::string_view> body);

// A response body kept in memory up to `limit` bytes; past it the transfer is aborted and
// `too_large` set, so a peer cannot make us hold more.
struct BodySink {
  explicit BodySink(size_t limit) : limit(limit) {}
  std::string data;
  size_t limit;
  bool too_large = false;
};
void CollectBody(CURL* easy, BodySink& sink);

// `s` percent-encoded for a URL query.
std::string Escape(CURL* easy, std::string_view s);

// The error of a finished transfer, naming what was asked (`what`: "GET https://…"): the body
// limit when the sink stopped it, else libcurl's own words.
Error TransferError(const std::string& what, CURLcode code, const BodySink* sink = nullptr);

}  // namespace wcloud::curl
