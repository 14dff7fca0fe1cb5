#include "wasi/http/http_client.h"

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <deque>
#include <thread>
#include <unordered_map>
#include <vector>

#include "curl/easy.h"

namespace wcloud::wasi::http {

// ---- ResponseFuture ----

class ResponseFuture::FuturePollable : public Pollable {
 public:
  explicit FuturePollable(std::shared_ptr<ResponseFuture> f) : f_(std::move(f)) {}
  bool Ready() override { return f_->Ready(); }
  WaitSource Source() override { return {f_->waker_->fd(), POLLIN, std::nullopt}; }

 private:
  std::shared_ptr<ResponseFuture> f_;
};

Result<std::shared_ptr<ResponseFuture>> ResponseFuture::Create() {
  WCLOUD_ASSIGN_OR_RETURN(auto waker, Waker::Create());
  return std::shared_ptr<ResponseFuture>(new ResponseFuture(std::move(waker)));
}

bool ResponseFuture::Ready() {
  MutexLock lock(mu_);
  if (resolved_) return true;
  waker_->Clear();
  return false;
}

std::shared_ptr<Pollable> ResponseFuture::Subscribe() {
  return std::make_shared<FuturePollable>(shared_from_this());
}

std::optional<Expected<ClientResponse, ErrorCode>> ResponseFuture::Take() {
  MutexLock lock(mu_);
  if (!result_) return std::nullopt;
  auto out = std::move(result_);
  result_.reset();
  return out;
}

void ResponseFuture::Resolve(Expected<ClientResponse, ErrorCode> result) {
  MutexLock lock(mu_);
  if (resolved_) return;
  resolved_ = true;
  result_ = std::move(result);
  waker_->Notify();
}

// ---- the client's thread ----

namespace {

uint64_t NowNs() { return MonotonicNowNs(); }

struct Transfer {
  curl::Easy easy;
  curl::HeaderList headers;  // the request's, set on `easy`
  ClientRequest request;
  std::shared_ptr<ResponseFuture> future;
  std::shared_ptr<BodyPipe> response_body;
  bool chunked_upload = false;

  // Response head, parsed from the header callback.
  int status = 0;
  FieldList response_headers;
  bool head_done = false;
  FieldList trailers;
  bool write_paused = false;  // the response pipe is full: waiting on the guest, not the peer

  uint64_t started_ns = 0;
  uint64_t last_byte_ns = 0;
  uint64_t connect_ns = 0, first_byte_ns = 0, between_bytes_ns = 0;
  std::optional<ErrorCode> own_error;  // a timeout or cancellation we decided on
  bool cancelled = false;
  char error_buffer[CURL_ERROR_SIZE] = {};
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

ErrorCode MapCurlError(CURLcode code, Transfer& t) {
  long os_errno = 0;
  curl_easy_getinfo(t.easy.get(), CURLINFO_OS_ERRNO, &os_errno);
  const std::string detail = t.error_buffer[0] ? t.error_buffer : curl_easy_strerror(code);
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      return ErrorCode::Of(ErrorKind::kDnsError);
    case CURLE_COULDNT_CONNECT:
      if (os_errno == ETIMEDOUT) return ErrorCode::Of(ErrorKind::kConnectionTimeout);
      if (os_errno == ENETUNREACH || os_errno == EHOSTUNREACH) {
        return ErrorCode::Of(ErrorKind::kDestinationUnavailable);
      }
      return ErrorCode::Of(ErrorKind::kConnectionRefused);
    case CURLE_OPERATION_TIMEDOUT: {
      curl_off_t connect_us = 0;
      curl_easy_getinfo(t.easy.get(), CURLINFO_CONNECT_TIME_T, &connect_us);
      return ErrorCode::Of(connect_us == 0 ? ErrorKind::kConnectionTimeout
                                           : ErrorKind::kConnectionReadTimeout);
    }
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_CIPHER:
    case CURLE_USE_SSL_FAILED:
      return ErrorCode::Of(ErrorKind::kTlsProtocolError);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return ErrorCode::Of(ErrorKind::kTlsCertificateError);
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      return ErrorCode::Of(ErrorKind::kConnectionTerminated);
    case CURLE_PARTIAL_FILE:
      return ErrorCode::Of(ErrorKind::kHttpResponseIncomplete);
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
      return ErrorCode::Of(ErrorKind::kHttpProtocolError);
    case CURLE_BAD_CONTENT_ENCODING:
      return ErrorCode::Of(ErrorKind::kHttpResponseContentCoding);
    case CURLE_FILESIZE_EXCEEDED:
      return ErrorCode::Of(ErrorKind::kHttpResponseBodySize);
    case CURLE_TOO_MANY_REDIRECTS:
      return ErrorCode::Of(ErrorKind::kLoopDetected);
    case CURLE_URL_MALFORMAT:
      return ErrorCode::Of(ErrorKind::kHttpRequestUriInvalid);
    default:
      return ErrorCode::Internal(detail);
  }
}

}  // namespace

class HttpClient::Core : public std::enable_shared_from_this<HttpClient::Core> {
 public:
  explicit Core(Options options) : options_(std::move(options)) {}

  Status Start() {
    multi_ = curl_multi_init();
    if (multi_ == nullptr) return Error("curl_multi_init failed");
    thread_ = std::thread([this] { Loop(); });
    return Ok();
  }

  void Stop() {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    curl_multi_wakeup(multi_);
    if (thread_.joinable()) thread_.join();
    for (auto& [easy, t] : transfers_) {
      Finish(*t, ErrorCode::Internal("the HTTP client was shut down"));
      curl_multi_remove_handle(multi_, easy);
      Cleanup(*t);
    }
    transfers_.clear();
    curl_multi_cleanup(multi_);
  }

  Result<std::shared_ptr<Transfer>> Prepare(ClientRequest request) {
    auto t = std::make_shared<Transfer>();
    WCLOUD_ASSIGN_OR_RETURN(t->future, ResponseFuture::Create());
    WCLOUD_ASSIGN_OR_RETURN(t->response_body, BodyPipe::Create(options_.body_buffer_bytes));
    t->request = std::move(request);
    t->easy = curl::NewEasy();
    if (t->easy == nullptr) return Error("curl_easy_init failed");
    Configure(*t);
    return t;
  }

  void Post(std::shared_ptr<Transfer> t, bool add) {
    {
      MutexLock lock(mu_);
      (add ? adds_ : resumes_).push_back(std::move(t));
    }
    curl_multi_wakeup(multi_);
  }

  void Cancel(const std::shared_ptr<Transfer>& t) {
    {
      MutexLock lock(mu_);
      cancels_.push_back(t);
    }
    curl_multi_wakeup(multi_);
  }

  uint64_t connections_opened() const { return connections_opened_.load(); }

 private:
  void Configure(Transfer& t) {
    CURL* e = t.easy.get();
    const ClientRequest& r = t.request;
    curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error_buffer);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!options_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
    t.connect_ns = r.timeouts.connect_ns.value_or(options_.default_connect_timeout_ns);
    t.first_byte_ns = r.timeouts.first_byte_ns.value_or(options_.default_first_byte_timeout_ns);
    t.between_bytes_ns =
        r.timeouts.between_bytes_ns.value_or(options_.default_between_bytes_timeout_ns);
    curl::SetCommon(e, r.url, std::chrono::milliseconds(t.connect_ns / 1'000'000));

    if (r.method == "HEAD") {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (r.method != "GET" || r.body) {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r.method.c_str());
    }

    bool has_accept = false;
    for (const auto& [name, value] : r.headers) {
      if (name == "content-length") continue;
      if (name == "accept") has_accept = true;
      // "name;" is curl's spelling of a field with an empty value.
      const std::string line = value.empty() ? name + ";" : name + ": " + value;
      t.headers.Append(line);
    }
    // Only what the guest asked for: no default Accept, no Expect: 100-continue stall.
    if (!has_accept) t.headers.Append("Accept:");
    t.headers.Append("Expect:");

    if (r.body) {
      curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(e, CURLOPT_READFUNCTION, &Core::OnRead);
      curl_easy_setopt(e, CURLOPT_READDATA, &t);
      if (r.body_length) {
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(*r.body_length));
      } else {
        t.chunked_upload = true;
        t.headers.Append("Transfer-Encoding: chunked");
        curl_easy_setopt(e, CURLOPT_TRAILERFUNCTION, &Core::OnTrailers);
        curl_easy_setopt(e, CURLOPT_TRAILERDATA, &t);
      }
    }
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t.headers.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &Core::OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &Core::OnWrite);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  }

  static size_t OnHeader(char* buffer, size_t size, size_t n, void* userdata) {
    auto& t = *static_cast<Transfer*>(userdata);
    const size_t total = size * n;
    std::string_view line = Trim(std::string_view(buffer, total));
    if (t.head_done) {  // after the body: trailers of a chunked response
      const size_t colon = line.find(':');
      if (!line.empty() && colon != std::string_view::npos) {
        t.trailers.emplace_back(LowerCase(Trim(line.substr(0, colon))),
                                std::string(Trim(line.substr(colon + 1))));
      }
      return total;
    }
    if (line.starts_with("HTTP/")) {
      t.response_headers.clear();
      const size_t sp = line.find(' ');
      int status = 0;
      if (sp != std::string_view::npos) {
        std::string_view code = line.substr(sp + 1, 3);
        std::from_chars(code.data(), code.data() + code.size(), status);
      }
      t.status = status;
      return total;
    }
    if (line.empty()) {
      if (t.status >= 200) {  // the final head; 1xx heads are skipped
        t.head_done = true;
        t.last_byte_ns = NowNs();
        ClientResponse response;
        response.status = static_cast<uint16_t>(t.status);
        for (auto& field : t.response_headers) {
          if (!IsForbiddenFieldName(field.first)) response.headers.push_back(std::move(field));
        }
        response.body = t.response_body;
        t.future->Resolve(std::move(response));
      }
      return total;
    }
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      t.response_headers.emplace_back(LowerCase(Trim(line.substr(0, colon))),
                                      std::string(Trim(line.substr(colon + 1))));
    }
    return total;
  }

  static size_t OnWrite(char* data, size_t size, size_t n, void* userdata) {
    auto& t = *static_cast<Transfer*>(userdata);
    const size_t total = size * n;
    if (t.response_body->ConsumerClosed()) return 0;  // the guest dropped the body: abort
    if (!t.response_body->Offer({reinterpret_cast<const uint8_t*>(data), total})) {
      t.write_paused = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    t.write_paused = false;
    t.last_byte_ns = NowNs();
    return total;
  }

  static size_t OnRead(char* buffer, size_t size, size_t n, void* userdata) {
    auto& t = *static_cast<Transfer*>(userdata);
    bool paused = false;
    std::optional<ErrorCode> error;
    const size_t got =
        t.request.body->ReadInto(reinterpret_cast<uint8_t*>(buffer), size * n, &paused, &error);
    if (paused) return CURL_READFUNC_PAUSE;
    if (error) {
      t.own_error = *error;
      return CURL_READFUNC_ABORT;
    }
    return got;
  }

  static int OnTrailers(curl_slist** list, void* userdata) {
    auto& t = *static_cast<Transfer*>(userdata);
    for (const auto& [name, value] : t.request.body->Trailers()) {
      *list = curl_slist_append(*list, (name + ": " + value).c_str());
    }
    return CURL_TRAILERFUNC_OK;
  }

  void Loop() {
    while (true) {
      std::vector<std::shared_ptr<Transfer>> adds, resumes, cancels;
      {
        MutexLock lock(mu_);
        if (stopping_) return;
        adds.swap(adds_);
        resumes.swap(resumes_);
        cancels.swap(cancels_);
      }
      for (auto& t : adds) {
        t->started_ns = NowNs();
        if (curl_multi_add_handle(multi_, t->easy.get()) != CURLM_OK) {
          Finish(*t, ErrorCode::Internal("curl_multi_add_handle failed"));
          Cleanup(*t);
          continue;
        }
        transfers_[t->easy.get()] = t;
      }
      for (auto& t : resumes) {
        if (transfers_.count(t->easy.get())) {
          // Progress while paused on the guest does not count against between-bytes.
          t->last_byte_ns = NowNs();
          t->write_paused = false;
          curl_easy_pause(t->easy.get(), CURLPAUSE_CONT);
        }
      }
      for (auto& t : cancels) {
        if (transfers_.count(t->easy.get())) {
          t->cancelled = true;
          Remove(*t, ErrorCode::Internal("the request was cancelled"));
        }
      }
      int running = 0;
      curl_multi_perform(multi_, &running);
      int left = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
        if (msg->msg != CURLMSG_DONE) continue;
        auto it = transfers_.find(msg->easy_handle);
        if (it == transfers_.end()) continue;
        std::shared_ptr<Transfer> t = it->second;
        long connects = 0;
        curl_easy_getinfo(t->easy.get(), CURLINFO_NUM_CONNECTS, &connects);
        connections_opened_ += static_cast<uint64_t>(connects);
        const CURLcode code = msg->data.result;
        if (code == CURLE_OK && t->head_done) {
          Remove(*t, std::nullopt);
        } else if (code == CURLE_OK) {
          Remove(*t, ErrorCode::Of(ErrorKind::kHttpProtocolError));
        } else {
          Remove(*t, t->own_error ? *t->own_error : MapCurlError(code, *t));
        }
      }
      const int wait_ms = CheckDeadlines();
      curl_multi_poll(multi_, nullptr, 0, wait_ms, nullptr);
    }
  }

  // Fails transfers past their first-byte or between-bytes timeout; returns how long the loop
  // may sleep before the next deadline.
  int CheckDeadlines() {
    const uint64_t now = NowNs();
    uint64_t next = 1'000'000'000;  // re-check at least every second
    std::vector<std::shared_ptr<Transfer>> expired;
    for (auto& [easy, t] : transfers_) {
      uint64_t deadline;
      if (!t->head_done) {
        deadline = t->started_ns + t->first_byte_ns;
      } else if (t->write_paused || t->response_body->ConsumerClosed()) {
        continue;
      } else {
        deadline = t->last_byte_ns + t->between_bytes_ns;
      }
      if (now >= deadline) {
        expired.push_back(t);
      } else {
        next = std::min(next, deadline - now);
      }
    }
    for (auto& t : expired) Remove(*t, ErrorCode::Of(ErrorKind::kConnectionReadTimeout));
    return static_cast<int>(std::max<uint64_t>(1, next / 1'000'000));
  }

  // Ends `t`: success (nullopt) ends the response body with the trailers; an error fails the
  // response future or, once the head arrived, the body.
  void Remove(Transfer& t, std::optional<ErrorCode> error) {
    std::shared_ptr<Transfer> keep = transfers_[t.easy.get()];
    curl_multi_remove_handle(multi_, t.easy.get());
    transfers_.erase(t.easy.get());
    if (error) {
      Finish(t, *error);
    } else {
      t.response_body->End(std::move(t.trailers));
      if (t.request.body) t.request.body->CloseConsumer();
    }
    Cleanup(t);
  }

  static void Finish(Transfer& t, const ErrorCode& error) {
    if (!t.head_done) {
      t.future->Resolve(error);
    } else {
      t.response_body->Fail(error);
    }
    if (t.request.body) t.request.body->CloseConsumer(error);
  }

  static void Cleanup(Transfer& t) {
    // The pipes' resume hooks point at this transfer.
    t.response_body->SetResumeProducer(nullptr);
    if (t.request.body) t.request.body->SetResumeConsumer(nullptr);
    t.easy.reset();
    t.headers = curl::HeaderList();
  }

  Options options_;
  CURLM* multi_ = nullptr;
  std::thread thread_;
  Mutex mu_;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::shared_ptr<Transfer>> adds_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Transfer>> resumes_ GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Transfer>> cancels_ GUARDED_BY(mu_);
  // Only the client's thread touches these (and Stop, after joining it).
  std::unordered_map<CURL*, std::shared_ptr<Transfer>> transfers_;
  std::atomic<uint64_t> connections_opened_{0};
};

namespace {

class PendingTransfer : public HttpClient::Pending {
 public:
  PendingTransfer(std::weak_ptr<HttpClient::Core> core, std::shared_ptr<Transfer> t)
      : core_(std::move(core)), transfer_(std::move(t)) {}
  ~PendingTransfer() override {
    if (transfer_->future->Ready()) return;
    if (auto core = core_.lock()) core->Cancel(transfer_);
  }
  ResponseFuture& future() override { return *transfer_->future; }

 private:
  std::weak_ptr<HttpClient::Core> core_;
  std::shared_ptr<Transfer> transfer_;
};

}  // namespace

Result<std::shared_ptr<HttpClient>> HttpClient::Create(Options options) {
  auto core = std::make_shared<Core>(std::move(options));
  WCLOUD_TRY_STATUS(core->Start());
  return std::shared_ptr<HttpClient>(new HttpClient(std::move(core)));
}

HttpClient::~HttpClient() { core_->Stop(); }

Result<std::unique_ptr<HttpClient::Pending>> HttpClient::Send(ClientRequest request) {
  WCLOUD_ASSIGN_OR_RETURN(std::shared_ptr<Transfer> t, core_->Prepare(std::move(request)));
  std::weak_ptr<Core> weak_core = core_;
  std::weak_ptr<Transfer> weak_t = t;
  // A paused transfer resumes on the client's thread when the guest reads or writes.
  auto resume = [weak_core, weak_t] {
    auto core = weak_core.lock();
    auto transfer = weak_t.lock();
    if (core && transfer) core->Post(transfer, /*add=*/false);
  };
  t->response_body->SetResumeProducer(resume);
  if (t->request.body) t->request.body->SetResumeConsumer(resume);
  core_->Post(t, /*add=*/true);
  return std::unique_ptr<Pending>(new PendingTransfer(core_, std::move(t)));
}

uint64_t HttpClient::connections_opened() const { return core_->connections_opened(); }

}  // namespace wcloud::wasi::http
