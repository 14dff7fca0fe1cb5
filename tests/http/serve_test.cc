// `wcloud serve` end to end: the real binary as a subprocess on a free port, the fixture
// components of tests/components, and real clients (curl, and raw sockets where the bytes on the
// wire matter). Guest failures (traps, endless loops, memory hogs) must cost only their own
// request; bodies stream without being buffered whole; pools reuse and retire instances; bad
// input gets a 4xx; outgoing requests obey --allow-host; SIGTERM drains.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_test_client.h"
#include "loopback_server.h"
#include "support/subprocess.h"
#include "test_components.h"
#include "wcloud_serve.h"

namespace wcloud::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Starts a server or fails the test with its log.
#define START_SERVE(var, component, ...)                             \
  WcloudServe var(component, std::vector<std::string>{__VA_ARGS__}); \
  ASSERT_TRUE(var.ready()) << var.Log()

// One request on a new connection.
std::optional<HttpResponse> Request(int port, const std::string& request,
                                    std::chrono::milliseconds timeout = 30s) {
  HttpConnection c(port);
  if (!c.connected() || !c.Send(request)) return std::nullopt;
  return c.ReadResponse(timeout);
}

std::optional<HttpResponse> Get(int port, const std::string& target,
                                std::chrono::milliseconds timeout = 30s) {
  return Request(port, FormatRequest("GET", target), timeout);
}

// The server process's resident set, in bytes (0 when unreadable).
uint64_t RssBytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

// A reproducible pseudo-random byte sequence (xorshift), so large bodies are checked as they
// stream without being kept.
class ByteSequence {
 public:
  explicit ByteSequence(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 1) {}
  char Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return static_cast<char>(state_ >> 29);
  }
  std::string Take(size_t n) {
    std::string out(n, '\0');
    for (char& c : out) c = Next();
    return out;
  }
  // Compares `bytes` with the next bytes of the sequence.
  bool Matches(std::string_view bytes) {
    bool same = true;
    for (char c : bytes) same &= c == Next();
    return same;
  }

 private:
  uint64_t state_;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

constexpr char kHello[] = "hello from http_hello\n";

TEST(ServeTest, HelloAnswersCurlAndKeepAliveClients) {
  START_SERVE(serve, "http_hello");
  CommandResult curl = RunCommand({"curl", "-sS", "-i", serve.url("/any/path?q=1")});
  ASSERT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_EQ(curl.out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << curl.out;
  EXPECT_NE(curl.out.find("x-fixture: http_hello\r\n"), std::string::npos) << curl.out;
  EXPECT_NE(curl.out.find("content-type: text/plain\r\n"), std::string::npos) << curl.out;
  EXPECT_EQ(curl.out.substr(curl.out.size() - (sizeof kHello - 1)), kHello);

  HttpConnection c(serve.port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.Send(FormatRequest("GET", "/" + std::to_string(i))));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << "request " << i << " on a kept-alive connection\n" << serve.Log();
    EXPECT_EQ(r->status, 200);
    EXPECT_TRUE(r->complete);
    EXPECT_EQ(r->body, kHello);
  }
}

TEST(ServeTest, EchoCopiesMethodPathAndHeaders) {
  START_SERVE(serve, "http_echo");
  auto r =
      Request(serve.port(), FormatRequest("PATCH", "/a/b?c=d&e=f",
                                          {{"X-One", "1"}, {"X-Two", "a"}, {"X-Two", "b"}}, "xyz"));
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("x-echo-method"), "PATCH");
  EXPECT_EQ(r->Header("x-echo-path"), "/a/b?c=d&e=f");
  EXPECT_EQ(r->Header("x-echo-header-x-one"), "1");
  EXPECT_EQ(r->Header("x-echo-header-x-two"), "a,b");
  EXPECT_EQ(r->Header("x-echo-header-host"), "127.0.0.1");
  EXPECT_EQ(r->body, "xyz");

  r = Request(serve.port(), FormatRequest("PURGE", "/cache"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("x-echo-method"), "PURGE");
  EXPECT_EQ(r->body, "");
}

// Sends `total` bytes of ByteSequence(seed) as a chunked body, in chunks of varying size.
void SendChunkedBody(HttpConnection& c, uint64_t seed, size_t total, size_t max_chunk,
                     std::atomic<bool>& ok) {
  ByteSequence bytes(seed);
  size_t sent = 0;
  for (size_t i = 0; sent < total; ++i) {
    const size_t n = std::min(total - sent, 1 + (i * 7919) % max_chunk);
    if (!c.SendChunk(bytes.Take(n))) return;
    sent += n;
  }
  ok = c.SendLastChunk();
}

TEST(ServeTest, EchoStreamsAChunkedBodyBackByteExact) {
  START_SERVE(serve, "http_echo");
  constexpr size_t kSize = 8 << 20;
  HttpConnection c(serve.port());
  ASSERT_TRUE(
      c.Send("POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
             "\r\n"));
  std::atomic<bool> sent{false};
  // The echo answers while the body arrives, so sending and reading overlap.
  std::thread sender([&] { SendChunkedBody(c, 7, kSize, 65536, sent); });
  auto r = c.ReadResponse(120s);
  sender.join();
  ASSERT_TRUE(sent);
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->complete);
  ASSERT_EQ(r->body.size(), kSize);
  EXPECT_TRUE(r->body == ByteSequence(7).Take(kSize)) << "the echoed body differs";

  // And the connection is still good for the next request.
  ASSERT_TRUE(c.Send(FormatRequest("POST", "/next", {}, "after")));
  r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "after");
}

TEST(ServeTest, EchoStreams64MegabytesWithoutBufferingThem) {
  START_SERVE(serve, "http_echo");
  ASSERT_TRUE(Request(serve.port(), FormatRequest("POST", "/warm", {}, "warm")));
  const uint64_t baseline = RssBytes(serve.process().pid());
  ASSERT_GT(baseline, 0u);

  constexpr size_t kSize = 64'000'000;
  std::atomic<bool> done{false};
  std::atomic<uint64_t> peak{baseline};
  std::thread sampler([&] {
    while (!done) {
      peak = std::max<uint64_t>(peak, RssBytes(serve.process().pid()));
      std::this_thread::sleep_for(10ms);
    }
  });
  HttpConnection c(serve.port());
  ASSERT_TRUE(c.Send("PUT /big HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  std::atomic<bool> sent{false};
  std::thread sender([&] { SendChunkedBody(c, 64, kSize, 256 << 10, sent); });
  ByteSequence expected(64);
  bool same = true;
  auto r = c.ReadResponse(300s, [&](std::string_view bytes) { same &= expected.Matches(bytes); });
  sender.join();
  done = true;
  sampler.join();
  ASSERT_TRUE(sent);
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->complete);
  EXPECT_EQ(r->body_bytes, kSize);
  EXPECT_TRUE(same) << "the echoed body differs";
  // Buffering the body would take 64 MB; streaming takes the server's and the guest's buffers.
  const uint64_t growth = peak - baseline;
  std::cerr << "server RSS: " << baseline / 1024 << " kB before, peak " << peak / 1024
            << " kB while streaming 64 MB\n";
  EXPECT_LT(growth, uint64_t{16} << 20) << "RSS grew by " << growth / 1024 << " kB";
}

TEST(ServeTest, CurlUploadsAndDownloadsALargeBody) {
  START_SERVE(serve, "http_echo");
  TempDir dir;
  const std::string body = ByteSequence(16).Take(16 << 20);
  std::ofstream(dir.path() / "in", std::ios::binary) << body;
  // curl sends Expect: 100-continue for a body this large, and a Content-Length.
  CommandResult curl =
      RunCommand({"curl", "-sS", "--data-binary", "@" + (dir.path() / "in").string(), "-o",
                  (dir.path() / "out").string(), "-w", "%{http_code}", serve.url("/file")});
  ASSERT_EQ(curl.exit_code, 0) << curl.err;
  EXPECT_EQ(curl.out, "200");
  EXPECT_TRUE(ReadFile(dir.path() / "out") == body) << "curl got a different body back";
}

TEST(ServeTest, TrailersPassBothWays) {
  START_SERVE(serve, "http_probe");
  HttpConnection c(serve.port());
  ASSERT_TRUE(
      c.Send("POST /trailers HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             "Transfer-Encoding: chunked\r\nTrailer: x-req-trailer\r\n\r\n"));
  ASSERT_TRUE(c.SendChunk(std::string(6000, 'a')));
  ASSERT_TRUE(c.SendChunk(std::string(4000, 'b')));
  ASSERT_TRUE(c.SendLastChunk({{"x-req-trailer", "t1"}}));
  auto r = c.ReadResponse();
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("x-body-bytes"), "10000");
  EXPECT_EQ(r->body, "ok");
  EXPECT_TRUE(r->chunked);
  EXPECT_TRUE(r->complete);
  EXPECT_EQ(r->Trailer("x-req-trailer"), "t1");
}

TEST(ServeTest, TrapIs500AndTheNextRequestIsAnswered) {
  START_SERVE(serve, "http_trap");
  HttpConnection c(serve.port());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(c.Send(FormatRequest("GET", "/trap")));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << serve.Log();
    EXPECT_EQ(r->status, 500);
    EXPECT_EQ(r->body, "the component failed\n");
    ASSERT_TRUE(c.Send(FormatRequest("GET", "/")));
    r = c.ReadResponse();
    ASSERT_TRUE(r) << "a trap closed the connection\n" << serve.Log();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "http_trap ok\n");
  }
  EXPECT_TRUE(serve.process().running());
  // One log line per failure, naming the request and the trap.
  EXPECT_EQ(Count(serve.Log(), "http_trap.wasm: GET /trap: unreachable"), 5u) << serve.Log();
}

TEST(ServeTest, TrapAfterTheHeadBreaksOnlyThatResponse) {
  START_SERVE(serve, "http_probe");
  // The head and "partial" were queued before the trap: they reach the client, then the
  // connection closes mid-response.
  for (int i = 0; i < 5; ++i) {
    auto broken = Get(serve.port(), "/trap");
    ASSERT_TRUE(broken) << "the queued head and body were lost\n" << serve.Log();
    EXPECT_EQ(broken->status, 200);
    EXPECT_FALSE(broken->complete) << "a trapped body must not look complete";
    EXPECT_EQ(broken->body, "partial");
  }
  auto r = Get(serve.port(), "/trailers");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
}

TEST(ServeTest, EndlessGuestsGet504AtTheTimeoutWhileOthersAreServed) {
  START_SERVE(serve, "http_loop", "--request-timeout", "2", "--threads", "2");
  std::atomic<bool> loop_done{false};
  std::optional<HttpResponse> loop;
  Clock::duration loop_took{};
  std::thread looper([&] {
    const auto start = Clock::now();
    loop = Get(serve.port(), "/loop");
    loop_took = Clock::now() - start;
    loop_done = true;
  });
  std::this_thread::sleep_for(200ms);
  for (int i = 0; i < 5; ++i) {
    auto r = Get(serve.port(), "/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "http_loop ok\n");
  }
  EXPECT_FALSE(loop_done) << "the other requests should have been answered while /loop spun";
  looper.join();
  ASSERT_TRUE(loop) << serve.Log();
  EXPECT_EQ(loop->status, 504);
  EXPECT_EQ(loop->body, "request timed out\n");
  EXPECT_GE(loop_took, 1900ms);
  EXPECT_LT(loop_took, 10s);

  // A guest blocked in a host-side wait (a timer) is stopped at the deadline too.
  const auto start = Clock::now();
  auto r = Get(serve.port(), "/sleep/60000");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 504);
  EXPECT_LT(Clock::now() - start, 10s);

  // Past the head, a timeout can only break the response: the head and "partial" arrive,
  // then the connection closes.
  r = Get(serve.port(), "/loop-body");
  ASSERT_TRUE(r) << "the queued head and body were lost";
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "partial");
  EXPECT_FALSE(r->complete);

  r = Get(serve.port(), "/sleep/10");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slept 10\n");
  EXPECT_TRUE(serve.process().running());
}

TEST(ServeTest, MemoryHogTrapsAtItsCapAndTheServerStaysUp) {
  START_SERVE(serve, "http_hog", "--max-memory-mb", "32");
  for (int i = 0; i < 3; ++i) {
    auto r = Get(serve.port(), "/grow/8");
    ASSERT_TRUE(r) << serve.Log();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "grew 8 MiB\n");
    r = Get(serve.port(), "/hog");
    ASSERT_TRUE(r) << serve.Log();
    EXPECT_EQ(r->status, 500);
    r = Get(serve.port(), "/grow/40");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500) << "40 MiB is over the 32 MiB cap";
    r = Get(serve.port(), "/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "http_hog ok\n");
  }
  EXPECT_TRUE(serve.process().running());
  EXPECT_EQ(Count(serve.Log(), "GET /hog: unreachable"), 3u) << serve.Log();

  // Fresh instances per request: the memory of each one goes with it.
  const uint64_t before = RssBytes(serve.process().pid());
  for (int i = 0; i < 20; ++i) {
    auto r = Get(serve.port(), "/grow/24");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  const uint64_t after = RssBytes(serve.process().pid());
  std::cerr << "server RSS: " << before / 1024 << " kB before 20 instances of 24 MiB, "
            << after / 1024 << " kB after\n";
  EXPECT_LT(after, before + (uint64_t{160} << 20)) << "instances' memories are not released";
}

TEST(ServeTest, ByDefaultAGuestIsCappedAndADroppedInstanceGivesItsMemoryBack) {
  // Issue #18: with no cap a guest grew to 4 GiB, and the process kept it afterwards.
  START_SERVE(serve, "http_hog");
  const uint64_t before = RssBytes(serve.process().pid());
  auto r = Get(serve.port(), "/grow/200");
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "grew 200 MiB\n");
  r = Get(serve.port(), "/grow/300");
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 500) << "300 MiB is over the default cap of 256 MiB";
  for (int i = 0; i < 4; ++i) {
    r = Get(serve.port(), "/");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // Given back by the worker after it answered, so shortly after the client has its answer.
  uint64_t after = RssBytes(serve.process().pid());
  for (int i = 0; i < 100 && after >= before + (uint64_t{64} << 20); ++i) {
    std::this_thread::sleep_for(50ms);
    after = RssBytes(serve.process().pid());
  }
  std::cerr << "server RSS: " << before / 1024 << " kB before a 200 MiB guest, " << after / 1024
            << " kB after\n";
  EXPECT_LT(after, before + (uint64_t{64} << 20)) << "the grown instance's memory was kept";
}

TEST(ServeTest, JsHttpAnswersEveryRequestOnFreshInstances) {
  START_SERVE(serve, "js_http");
  HttpConnection c(serve.port());
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(c.Send(FormatRequest("GET", "/r" + std::to_string(i))));
    auto r = c.ReadResponse();
    ASSERT_TRUE(r) << serve.Log();
    EXPECT_EQ(r->status, 200) << "request " << i << "\n" << serve.Log();
    EXPECT_EQ(r->body, "hello from js /r" + std::to_string(i) + "\n");
  }
}

// componentize-js components answer one request per instance (FetchEvent#respondWith can't be
// called twice): pooled, every reuse fails. The failed instance is discarded, so the pool's next
// instance answers; --max-invocations 1 uses each warm instance once and is always correct.
TEST(ServeTest, JsHttpInAPoolFailsOnReuseAndTheInstanceIsDiscarded) {
  {
    START_SERVE(serve, "js_http", "--pool-size", "2", "--threads", "1");
    std::vector<int> statuses;
    for (int i = 0; i < 6; ++i) {
      auto r = Get(serve.port(), "/p" + std::to_string(i));
      ASSERT_TRUE(r) << serve.Log();
      statuses.push_back(r->status);
      if (r->status == 200) {
        EXPECT_EQ(r->body, "hello from js /p" + std::to_string(i) + "\n");
      }
    }
    EXPECT_EQ(statuses, (std::vector<int>{200, 500, 200, 500, 200, 500})) << serve.Log();
    EXPECT_EQ(Count(serve.Log(), "handle returned without setting a response"), 3u) << serve.Log();
  }
  {
    START_SERVE(serve, "js_http", "--pool-size", "2", "--max-invocations", "1", "--threads", "1");
    for (int i = 0; i < 6; ++i) {
      auto r = Get(serve.port(), "/m" + std::to_string(i));
      ASSERT_TRUE(r) << serve.Log();
      EXPECT_EQ(r->status, 200) << serve.Log();
      EXPECT_EQ(r->body, "hello from js /m" + std::to_string(i) + "\n");
    }
  }
}

// The x-invocation header of http_trap: how many requests the instance that answered has seen.
std::vector<std::string> Invocations(int port, const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  HttpConnection c(port);
  for (const std::string& path : paths) {
    if (!c.Send(FormatRequest("GET", path))) return out;
    auto r = c.ReadResponse();
    if (!r) return out;
    out.push_back(r->status == 200 ? r->Header("x-invocation") : std::to_string(r->status));
  }
  return out;
}

TEST(ServeTest, PoolsReuseAndRetireInstances) {
  {
    START_SERVE(serve, "http_hello", "--pool-size", "2", "--max-invocations", "3");
    HttpConnection c(serve.port());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(c.Send(FormatRequest("GET", "/")));
      auto r = c.ReadResponse();
      ASSERT_TRUE(r) << serve.Log();
      EXPECT_EQ(r->status, 200);
      EXPECT_EQ(r->body, kHello);
    }
  }
  const std::vector<std::string> nine(9, "/");
  {
    START_SERVE(serve, "http_trap", "--threads", "1");
    EXPECT_EQ(Invocations(serve.port(), nine), std::vector<std::string>(9, "1"))
        << "without a pool every request gets a fresh instance";
  }
  {
    START_SERVE(serve, "http_trap", "--threads", "1", "--pool-size", "2");
    EXPECT_EQ(Invocations(serve.port(), nine),
              (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9"}));
  }
  {
    START_SERVE(serve, "http_trap", "--threads", "1", "--pool-size", "2", "--max-invocations", "3");
    EXPECT_EQ(Invocations(serve.port(), nine),
              (std::vector<std::string>{"1", "2", "3", "1", "2", "3", "1", "2", "3"}));
  }
  {
    START_SERVE(serve, "http_trap", "--threads", "1", "--pool-size", "1");
    EXPECT_EQ(Invocations(serve.port(), {"/", "/", "/trap", "/", "/"}),
              (std::vector<std::string>{"1", "2", "500", "1", "2"}))
        << "a trapped instance must not be reused";
  }
}

// Fresh instances are reset ones: static data and the handle table must look new every time
// (http_probe's /count keeps its request handle, so a table that was not emptied shows it).
TEST(ServeTest, EveryRequestSeesANewInstancesStateWithoutAPool) {
  auto served = [](int port) {
    std::vector<std::string> out;
    HttpConnection c(port);
    for (int i = 0; i < 6; ++i) {
      if (!c.Send(FormatRequest("GET", "/count"))) return out;
      auto r = c.ReadResponse();
      if (!r) return out;
      out.push_back(r->Header("x-served") + "@" + r->Header("x-request-handle"));
    }
    return out;
  };
  {
    START_SERVE(serve, "http_probe", "--threads", "1");
    auto got = served(serve.port());
    ASSERT_EQ(got.size(), 6u) << serve.Log();
    EXPECT_EQ(got, std::vector<std::string>(6, got[0]));
    EXPECT_EQ(got[0].substr(0, 2), "1@");
  }
  {
    START_SERVE(serve, "http_probe", "--threads", "1", "--pool-size", "1");
    auto got = served(serve.port());
    ASSERT_EQ(got.size(), 6u) << serve.Log();
    EXPECT_EQ(got[5].substr(0, 2), "6@") << "a pooled instance keeps its state";
    EXPECT_NE(got[5], got[0]);
  }
}

// 50 connections, each sending 20 requests one after another on the same connection, all at
// once; every answer must be the one for its request.
void ThousandRequests(WcloudServe& serve) {
  constexpr int kConnections = 50, kPerConnection = 20;
  std::atomic<int> correct{0}, failed_connections{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < kConnections; ++t) {
    clients.emplace_back([&, t] {
      HttpConnection c(serve.port());
      for (int i = 0; i < kPerConnection; ++i) {
        const std::string path = "/c" + std::to_string(t) + "/" + std::to_string(i);
        const std::string body = "body of " + path + std::string(static_cast<size_t>(t * i), '.');
        auto r = c.Send(FormatRequest("POST", path, {}, body)) ? c.ReadResponse(60s) : std::nullopt;
        if (!r) {
          ++failed_connections;
          return;
        }
        if (r->status == 200 && r->complete && r->Header("x-echo-path") == path &&
            r->body == body) {
          ++correct;
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(failed_connections, 0) << serve.Log();
  EXPECT_EQ(correct, kConnections * kPerConnection);
}

TEST(ServeTest, ThousandRequestsOverFiftyKeepAliveConnections) {
  {
    START_SERVE(serve, "http_echo");
    ThousandRequests(serve);
  }
  {
    START_SERVE(serve, "http_echo", "--pool-size", "4");
    ThousandRequests(serve);
  }
  EXPECT_FALSE(HasFailure());
}

TEST(ServeTest, MalformedRequestsGet4xxAndTheServerStaysUp) {
  START_SERVE(serve, "http_hello");
  struct Case {
    std::string name, bytes;
    int status;
  };
  const std::vector<Case> cases = {
      {"bad request line", "GARBAGE\r\n\r\n", 400},
      {"no version", "GET /\r\nHost: x\r\n\r\n", 400},
      {"field without a colon", "GET / HTTP/1.1\r\nHost: x\r\nnot a field\r\n\r\n", 400},
      {"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"bad Content-Length", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
      {"oversized headers",
       "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100 << 10, 'a') + "\r\n\r\n", 431},
      {"body over the limit", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\n",
       413},
  };
  for (const Case& c : cases) {
    HttpConnection conn(serve.port());
    ASSERT_TRUE(conn.Send(c.bytes)) << c.name;
    auto r = conn.ReadResponse(10s);
    ASSERT_TRUE(r) << c.name << "\n" << serve.Log();
    EXPECT_EQ(r->status, c.status) << c.name;
    EXPECT_TRUE(conn.WaitClosed(10s)) << c.name << ": the connection should close";
    auto ok = Get(serve.port(), "/");
    ASSERT_TRUE(ok) << "after " << c.name << "\n" << serve.Log();
    EXPECT_EQ(ok->body, kHello);
  }
  EXPECT_TRUE(serve.process().running());
  EXPECT_EQ(serve.Log().find("http_hello.wasm:"), std::string::npos)
      << "no bad request should have reached the component\n"
      << serve.Log();
}

TEST(ServeTest, AnEndlessChunkExtensionIsRefusedNotBuffered) {
  // Issue #18: a 256 MiB chunk extension grew the server's memory without bound.
  START_SERVE(serve, "http_echo");
  const uint64_t before = RssBytes(serve.process().pid());
  HttpConnection conn(serve.port());
  ASSERT_TRUE(conn.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;e="));
  const std::string piece(1 << 20, 'a');
  for (int i = 0; i < 64 && conn.Send(piece); ++i) {
  }
  auto r = conn.ReadResponse(10s);
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(conn.WaitClosed(10s));
  EXPECT_LT(RssBytes(serve.process().pid()), before + (uint64_t{32} << 20));
  HttpConnection ok(serve.port());
  ASSERT_TRUE(ok.Send(FormatRequest("POST", "/", {}, "ping")));
  auto echoed = ok.ReadResponse(10s);
  ASSERT_TRUE(echoed) << serve.Log();
  EXPECT_EQ(echoed->status, 200);
}

std::string FetchRequest(const LoopbackServer& upstream, const std::string& path) {
  return FormatRequest("GET", "/fetch",
                       {{"x-fetch-authority", upstream.authority()}, {"x-fetch-path", path}});
}

TEST(ServeTest, OutgoingFetchReachesAnAllowedLoopbackServer) {
  LoopbackServer upstream;
  START_SERVE(serve, "http_probe", "--allow-host", upstream.authority());
  auto r = Request(serve.port(), FetchRequest(upstream, "/data"));
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200) << r->Header("x-error-code") << "\n" << serve.Log();
  EXPECT_EQ(r->Header("x-upstream-status"), "200");
  EXPECT_EQ(r->Header("x-upstream-x-served-by"), "loopback");
  EXPECT_EQ(r->body, "upstream body");
  EXPECT_EQ(r->Trailer("x-up-trailer"), "t");
  auto got = upstream.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "/data");
  EXPECT_EQ(got[0].Header("x-from-guest"), "1");
}

TEST(ServeTest, OutgoingFetchToAHostNotAllowedIsDenied) {
  LoopbackServer upstream;
  const std::vector<std::vector<std::string>> policies = {
      {},                                                           // none: all denied
      {"--allow-host", "127.0.0.1:" + std::to_string(FreePort())},  // another port
      {"--allow-host", "example.com"},
  };
  for (const auto& policy : policies) {
    WcloudServe serve("http_probe", policy);
    ASSERT_TRUE(serve.ready()) << serve.Log();
    auto r = Request(serve.port(), FetchRequest(upstream, "/data"));
    ASSERT_TRUE(r) << serve.Log();
    EXPECT_EQ(r->status, 502);
    EXPECT_EQ(r->Header("x-error-code"), "15") << "HTTP-request-denied";
    EXPECT_EQ(r->Header("x-error-at"), "handle");
  }
  EXPECT_EQ(upstream.connections(), 0) << "a denied request must not connect";
}

TEST(ServeTest, SigtermDrainsTheRequestInFlightThenExitsZero) {
  START_SERVE(serve, "http_loop");
  HttpConnection idle(serve.port());  // kept alive and idle: must not hold up the exit
  ASSERT_TRUE(idle.Send(FormatRequest("GET", "/")));
  ASSERT_TRUE(idle.ReadResponse());

  HttpConnection slow(serve.port());
  ASSERT_TRUE(slow.Send(FormatRequest("GET", "/sleep/1500")));
  std::this_thread::sleep_for(300ms);
  const auto signalled = Clock::now();
  serve.process().Kill(SIGTERM);
  auto r = slow.ReadResponse(20s);
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "slept 1500\n");
  EXPECT_TRUE(r->complete);
  EXPECT_EQ(r->Header("connection"), "close");
  slow.Close();
  EXPECT_TRUE(idle.WaitClosed(10s)) << "the idle connection should be closed";
  EXPECT_EQ(serve.process().WaitForExit(20s), std::optional<int>(0)) << serve.Log();
  std::cerr
      << "exited "
      << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalled).count()
      << " ms after SIGTERM\n";
  EXPECT_LT(Clock::now() - signalled, 10s);
  EXPECT_NE(serve.Log().find("wcloud serve: draining (SIGTERM)"), std::string::npos);
  EXPECT_FALSE(HttpConnection(serve.port()).connected());
}

TEST(ServeTest, SigtermWaitsForASlowUploadToFinish) {
  START_SERVE(serve, "http_echo");
  HttpConnection c(serve.port());
  ASSERT_TRUE(
      c.Send("POST /slow HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  ASSERT_TRUE(c.SendChunk("first "));
  std::this_thread::sleep_for(300ms);
  serve.process().Kill(SIGTERM);
  std::this_thread::sleep_for(500ms);
  ASSERT_TRUE(c.SendChunk("second"));
  ASSERT_TRUE(c.SendLastChunk());
  auto r = c.ReadResponse(20s);
  ASSERT_TRUE(r) << serve.Log();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "first second");
  EXPECT_TRUE(r->complete);
  EXPECT_TRUE(c.WaitClosed(10s)) << "the server should close the connection after the response";
  c.Close();
  EXPECT_EQ(serve.process().WaitForExit(20s), std::optional<int>(0)) << serve.Log();
}

}  // namespace
}  // namespace wcloud::testing
