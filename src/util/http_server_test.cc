#include "util/http_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace wcloud {
namespace {

struct Reply {
  long status = 0;
  std::string body;
  CURLcode rc = CURLE_OK;
};

size_t Collect(char* p, size_t s, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, s * n);
  return s * n;
}

Reply Fetch(const std::string& url, const std::string& method = "GET", const std::string& body = "",
            const std::string& ca_pem = "", std::vector<std::string> headers = {}) {
  Reply r;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  if (!ca_pem.empty()) {
    curl_blob blob{const_cast<char*>(ca_pem.data()), ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(curl, CURLOPT_CAINFO_BLOB, &blob);
  }
  r.rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(curl);
  return r;
}

HttpResponse Echo(const HttpRequest& req) {
  std::string out = req.method + " " + req.path;
  for (const auto& [k, v] : req.query) out += " " + k + "=" + v;
  out += " body=" + req.body + " x=" + req.Header("x-test");
  return HttpResponse::Text(200, out);
}

std::string Url(const HttpServer& s, const std::string& path, bool tls = false) {
  return std::string(tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(s.port()) + path;
}

TEST(HttpServerTest, ServesRequestsWithDecodedPathAndQuery) {
  auto server = HttpServer::Start({}, Echo);
  ASSERT_TRUE(server) << server.error().message();
  auto r = Fetch(Url(**server, "/api/v1/name%20spaces?limit=5&labelSelector=app%3Dweb"), "POST",
                 "payload", "", {"X-Test: yes"});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "POST /api/v1/name spaces labelSelector=app=web limit=5 body=payload x=yes");
}

TEST(HttpServerTest, TlsWithOurCertificateAuthority) {
  auto ca = GenerateCertificateAuthority("test-ca", 1);
  ASSERT_TRUE(ca);
  auto cert = IssueServerCertificate(*ca, "server", {"localhost"}, {"127.0.0.1"}, 1);
  ASSERT_TRUE(cert);
  HttpServer::Options options;
  options.tls = *cert;
  auto server = HttpServer::Start(options, Echo);
  ASSERT_TRUE(server) << server.error().message();
  auto r = Fetch(Url(**server, "/version", true), "GET", "", ca->certificate_pem);
  EXPECT_EQ(r.rc, CURLE_OK) << curl_easy_strerror(r.rc);
  EXPECT_EQ(r.status, 200);
  auto other = GenerateCertificateAuthority("other-ca", 1);
  auto untrusted = Fetch(Url(**server, "/version", true), "GET", "", other->certificate_pem);
  EXPECT_NE(untrusted.rc, CURLE_OK) << "a client trusting another CA must refuse the server";
}

TEST(HttpServerTest, LimitsGiveClientErrors) {
  HttpServer::Options options;
  options.max_body_bytes = 1000;
  options.max_header_bytes = 4096;
  auto server = HttpServer::Start(options, Echo);
  ASSERT_TRUE(server);
  EXPECT_EQ(Fetch(Url(**server, "/"), "POST", std::string(5000, 'x')).status, 413);
  EXPECT_EQ(Fetch(Url(**server, "/"), "GET", "", "", {"X-Big: " + std::string(8000, 'h')}).status,
            431);
  // Still serving after bad requests.
  EXPECT_EQ(Fetch(Url(**server, "/ok")).status, 200);
}

TEST(HttpServerTest, MalformedRequestLineGets400) {
  auto server = HttpServer::Start({}, Echo);
  ASSERT_TRUE(server);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons((*server)->port());
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string junk = "GARBAGE\x01\x02 / HTTP/9\r\n\r\n";
  ASSERT_GT(write(fd, junk.data(), junk.size()), 0);
  char buf[256] = {};
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, 12), "HTTP/1.1 400");
}

TEST(HttpServerTest, HandlerExceptionIs500AndServerLives) {
  auto server = HttpServer::Start({}, [](const HttpRequest& req) -> HttpResponse {
    if (req.path == "/boom") throw std::runtime_error("bug");
    return HttpResponse::Text(200, "fine");
  });
  ASSERT_TRUE(server);
  EXPECT_EQ(Fetch(Url(**server, "/boom")).status, 500);
  EXPECT_EQ(Fetch(Url(**server, "/")).body, "fine");
}

TEST(HttpServerTest, StreamsChunksWrittenFromAnotherThread) {
  std::vector<std::thread> writers;
  std::mutex mu;
  auto server = HttpServer::Start({}, [&](const HttpRequest&) {
    HttpResponse r;
    r.headers.emplace_back("Content-Type", "application/json");
    r.stream = [&](std::shared_ptr<ResponseStream> stream) {
      std::lock_guard lock(mu);
      writers.emplace_back([stream] {
        for (int i = 0; i < 5; ++i) {
          stream->Write("{\"n\":" + std::to_string(i) + "}\n");
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        stream->Close();
      });
    };
    return r;
  });
  ASSERT_TRUE(server);
  auto r = Fetch(Url(**server, "/watch"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n");
  // The server serves another request after the stream ended.
  auto again = Fetch(Url(**server, "/watch"));
  EXPECT_EQ(again.body.size(), r.body.size());
  for (auto& t : writers) t.join();
}

TEST(HttpServerTest, StopEndsOpenStreamsAndWritesThenFail) {
  std::shared_ptr<ResponseStream> held;
  std::atomic<bool> opened{false};
  auto server = HttpServer::Start({}, [&](const HttpRequest&) {
    HttpResponse r;
    r.stream = [&](std::shared_ptr<ResponseStream> stream) {
      stream->Write("first\n");
      held = stream;
      opened = true;
    };
    return r;
  });
  ASSERT_TRUE(server);
  std::thread client([&] { Fetch(Url(**server, "/watch")); });
  while (!opened) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  (*server)->Stop();
  client.join();
  EXPECT_TRUE(held->closed());
  EXPECT_FALSE(held->Write("late"));
}

// A raw TCP client that asks for /watch and then reads nothing at all.
int OpenWatch(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string request = "GET /watch HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  return fd;
}

bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 300 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

// Answers with a stream and keeps it (and counts its listener's calls) for the test to drive.
class HeldStream {
 public:
  HttpHandler Handler() {
    return [this](const HttpRequest&) {
      HttpResponse r;
      r.stream = [this](std::shared_ptr<ResponseStream> stream) {
        stream->SetListener([this] { ++notified; });
        std::lock_guard lock(mu_);
        stream_ = std::move(stream);
      };
      return r;
    };
  }
  std::shared_ptr<ResponseStream> Wait() {
    Eventually([this] { return Get() != nullptr; });
    return Get();
  }
  std::atomic<int> notified{0};

 private:
  std::shared_ptr<ResponseStream> Get() {
    std::lock_guard lock(mu_);
    return stream_;
  }
  std::mutex mu_;
  std::shared_ptr<ResponseStream> stream_;
};

TEST(HttpServerTest, AClientLeavingAnIdleStreamEndsItAndTellsTheWriter) {
  HeldStream held;
  auto server = HttpServer::Start({}, held.Handler());
  ASSERT_TRUE(server);
  int fd = OpenWatch((*server)->port());
  auto stream = held.Wait();
  ASSERT_TRUE(stream);
  EXPECT_FALSE(stream->closed());
  // Nothing is written, so only reading the connection can tell the client left.
  close(fd);
  EXPECT_TRUE(Eventually([&] { return stream->closed(); })) << "the stream outlived its client";
  EXPECT_GE(held.notified.load(), 1);
  EXPECT_FALSE(stream->Write("late"));
}

TEST(HttpServerTest, QueuedBytesAreCountedAndAClientThatStopsReadingEndsTheStream) {
  HttpServer::Options options;
  options.max_stream_buffer_bytes = 8 << 20;
  HeldStream held;
  auto server = HttpServer::Start(options, held.Handler());
  ASSERT_TRUE(server);
  int fd = OpenWatch((*server)->port());
  auto stream = held.Wait();
  ASSERT_TRUE(stream);
  // The client reads nothing: the socket's buffers fill, then the queue, then the stream ends.
  const std::string chunk(64 << 10, 'x');
  size_t written = 0;
  while (stream->Write(chunk)) {
    written += chunk.size();
    ASSERT_LT(written, size_t{1} << 30) << "writes never failed";
  }
  EXPECT_GE(written + chunk.size(), size_t{8} << 20);
  EXPECT_TRUE(Eventually([&] { return stream->closed(); }));
  close(fd);
}

TEST(HttpServerTest, PendingBytesDrainAsTheClientReads) {
  HeldStream held;
  auto server = HttpServer::Start({}, held.Handler());
  ASSERT_TRUE(server);
  std::thread client([&] {
    auto r = Fetch(Url(**server, "/watch"));
    EXPECT_EQ(r.body.size(), 10000u);
  });
  auto stream = held.Wait();
  ASSERT_TRUE(stream);
  for (int i = 0; i < 10; ++i) stream->Write(std::string(1000, 'a'));
  stream->Close();
  client.join();
  EXPECT_TRUE(Eventually([&] { return stream->pending_bytes() == 0; }));
  EXPECT_GE(held.notified.load(), 1);
}

TEST(HttpServerTest, BadListenAddressIsAnError) {
  HttpServer::Options options;
  options.listen = "not-an-ip:80";
  EXPECT_FALSE(HttpServer::Start(options, Echo));
  options.listen = "127.0.0.1:99999";
  EXPECT_FALSE(HttpServer::Start(options, Echo));
}

}  // namespace
}  // namespace wcloud
