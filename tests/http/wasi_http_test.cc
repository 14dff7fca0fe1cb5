// wasi:http on our runtime with real components (tests/components): ServeHttp against the C
// fixtures and a componentize-js one, bodies streamed through without whole-body buffering,
// trailers both ways, traps and missing responses, the fields rules, and outgoing requests to a
// loopback server under the egress policy.
#include "wasi/http/wasi_http.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "component/component_file.h"
#include "component/component_instance.h"
#include "loopback_server.h"
#include "test_components.h"
#include "wasi/http/body_pipe.h"
#include "wasi/http/serve.h"
#include "wasi/memory_streams.h"
#include "wasi/wasi.h"
#include "wasm/v8_engine.h"

namespace wcloud::wasi::http {
namespace {

// The sink's body: a window of kWindow bytes per write, counted (and optionally kept) as they
// arrive, never buffered.
class SinkBody : public OutputStream {
 public:
  static constexpr uint64_t kWindow = 16 * 1024;
  StreamResult<uint64_t> CheckWrite() override { return kWindow; }
  StreamStatus Write(std::span<const uint8_t> bytes) override {
    if (bytes.size() > kWindow) return StreamError::Failed("write beyond check-write");
    if (on_bytes) on_bytes(bytes);
    if (keep) contents.append(bytes.begin(), bytes.end());
    received += bytes.size();
    return StreamOk();
  }
  StreamStatus Flush() override { return StreamOk(); }
  std::shared_ptr<Pollable> Subscribe() override { return std::make_shared<ReadyPollable>(); }

  std::function<void(std::span<const uint8_t>)> on_bytes;
  bool keep = true;
  std::string contents;
  uint64_t received = 0;
};

class RecordingSink : public ResponseSink {
 public:
  Status Start(uint16_t s, const FieldList& h) override {
    EXPECT_FALSE(started) << "Start called twice";
    EXPECT_FALSE(finished || failed) << "Start after the end";
    started = true;
    status = s;
    headers = h;
    return Ok();
  }
  std::shared_ptr<OutputStream> Body() override {
    EXPECT_TRUE(started);
    return body;
  }
  Status Finish(const FieldList& t) override {
    EXPECT_TRUE(started);
    EXPECT_FALSE(finished || failed) << "a second end";
    finished = true;
    trailers = t;
    return Ok();
  }
  void Fail(const ErrorCode& e) override {
    EXPECT_FALSE(finished || failed) << "a second end";
    failed = true;
    failed_after_start = started;
    error = e;
  }

  std::string Header(const std::string& name) const {
    std::string out;
    for (const auto& [n, v] : headers) {
      if (n == name) out += (out.empty() ? "" : ",") + v;
    }
    return out;
  }

  std::shared_ptr<SinkBody> body = std::make_shared<SinkBody>();
  bool started = false, finished = false, failed = false, failed_after_start = false;
  uint16_t status = 0;
  FieldList headers, trailers;
  std::optional<ErrorCode> error;
};

IncomingRequestData Request(std::string method, std::string path, FieldList headers = {},
                            std::string body = "") {
  IncomingRequestData r;
  r.method = std::move(method);
  r.scheme = "http";
  r.authority = "localhost:8080";
  r.path_with_query = std::move(path);
  r.headers = std::move(headers);
  if (!body.empty()) {
    r.body = std::make_shared<MemoryInputStream>(std::vector<uint8_t>(body.begin(), body.end()));
  }
  return r;
}

class WasiHttpTest : public ::testing::Test {
 protected:
  // V8 starts once per process: the engine and linker outlive every suite.
  static void SetUpTestSuite() {
    if (engine_ != nullptr) return;
    auto engine = wasm::NewV8Engine();
    ASSERT_TRUE(engine.has_value()) << engine.error().message();
    engine_ = std::move(*engine).release();
    linker_ = new std::shared_ptr<component::Linker>(std::make_shared<component::Linker>());
    WasiResources wasi = AddWasiToLinker(**linker_);
    resources_ = new HttpResources(AddWasiHttpToLinker(**linker_, wasi));
  }

  std::shared_ptr<const component::InstancePre> Pre(const std::string& name) {
    auto component = component::LoadComponentFile(testing::TestComponentPath(name));
    EXPECT_TRUE(component.has_value()) << component.error().message();
    if (!component) return nullptr;
    auto pre = component::InstancePre::Create(*engine_, *component, *linker_);
    EXPECT_TRUE(pre.has_value()) << pre.error().message();
    return pre ? *pre : nullptr;
  }

  // A fresh store and instance; the store outlives it (members are destroyed in reverse).
  struct Running {
    std::unique_ptr<wasm::Store> store;
    std::unique_ptr<component::ComponentInstance> instance;
    const component::ExportedFunc* handle = nullptr;
  };
  Running Instantiate(const component::InstancePre& pre, HttpConfig config = {}) {
    Running r;
    auto store = engine_->NewStore();
    EXPECT_TRUE(store.has_value());
    r.store = std::move(*store);
    auto data = std::make_unique<component::InstanceData>();
    EXPECT_TRUE(AttachWasi(*data, WasiConfig{}).has_value());
    Status attached = AttachWasiHttp(*data, *resources_, std::move(config));
    EXPECT_TRUE(attached.has_value()) << attached.error().message();
    auto instance = pre.Instantiate(*r.store, std::move(data));
    EXPECT_TRUE(instance.has_value()) << instance.error().message();
    if (!instance) return r;
    r.instance = std::move(*instance);
    r.handle = FindIncomingHandler(*r.instance);
    EXPECT_NE(r.handle, nullptr);
    return r;
  }

  static Result<ServeOutcome> Serve(Running& r, IncomingRequestData request,
                                    const std::shared_ptr<RecordingSink>& sink) {
    return ServeHttp(*r.instance, *r.handle, std::move(request), sink);
  }

  static wasm::Engine* engine_;
  static std::shared_ptr<component::Linker>* linker_;
  static HttpResources* resources_;
};

wasm::Engine* WasiHttpTest::engine_ = nullptr;
std::shared_ptr<component::Linker>* WasiHttpTest::linker_ = nullptr;
HttpResources* WasiHttpTest::resources_ = nullptr;

TEST_F(WasiHttpTest, HttpHelloAnswersEveryRequestOnOneInstance) {
  auto pre = Pre("http_hello");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  for (int i = 0; i < 3; ++i) {
    auto sink = std::make_shared<RecordingSink>();
    auto outcome = Serve(r, Request("GET", "/any/path"), sink);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
    EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kResponded);
    EXPECT_TRUE(outcome->head_sent);
    EXPECT_EQ(sink->status, 200);
    EXPECT_EQ(sink->headers,
              (FieldList{{"content-type", "text/plain"}, {"x-fixture", "http_hello"}}));
    EXPECT_EQ(sink->body->contents, "hello from http_hello\n");
    EXPECT_TRUE(sink->finished);
    EXPECT_FALSE(sink->failed);
  }
}

TEST_F(WasiHttpTest, HttpEchoEchoesMethodPathHeadersAndBody) {
  auto pre = Pre("http_echo");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  auto sink = std::make_shared<RecordingSink>();
  auto outcome = Serve(
      r,
      Request("PATCH", "/x?y=1&z=%20",
              {{"Accept", "*/*"}, {"X-Custom", "abc"}, {"x-custom", "def"}}, "the request body"),
      sink);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kResponded);
  EXPECT_EQ(sink->status, 200);
  EXPECT_EQ(sink->headers, (FieldList{{"x-fixture", "http_echo"},
                                      {"x-echo-method", "PATCH"},
                                      {"x-echo-path", "/x?y=1&z=%20"},
                                      {"x-echo-header-accept", "*/*"},
                                      {"x-echo-header-x-custom", "abc"},
                                      {"x-echo-header-x-custom", "def"}}));
  EXPECT_EQ(sink->body->contents, "the request body");
  EXPECT_TRUE(sink->finished);

  auto other = std::make_shared<RecordingSink>();
  ASSERT_TRUE(Serve(r, Request("PURGE", "/"), other).has_value());
  EXPECT_EQ(other->Header("x-echo-method"), "PURGE");
  EXPECT_EQ(other->body->contents, "");
}

// A server's headers_source is asked once, when the guest reads the headers, and not at all by
// a guest that drops the request unread.
TEST_F(WasiHttpTest, RequestHeadersFromASourceAreCopiedOnlyWhenTheGuestAsks) {
  auto echo = Pre("http_echo");
  auto hello = Pre("http_hello");
  ASSERT_NE(echo, nullptr);
  ASSERT_NE(hello, nullptr);
  int asked = 0;
  auto with_source = [&asked] {
    IncomingRequestData request = Request("GET", "/");
    request.headers_source = [&asked] {
      ++asked;
      return FieldList{{"X-From-Source", "1"}};
    };
    return request;
  };
  Running r = Instantiate(*echo);
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(Serve(r, with_source(), sink).has_value());
  EXPECT_EQ(sink->Header("x-echo-header-x-from-source"), "1");
  EXPECT_EQ(asked, 1);

  Running h = Instantiate(*hello);
  auto plain = std::make_shared<RecordingSink>();
  ASSERT_TRUE(Serve(h, with_source(), plain).has_value());
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(asked, 1);
}

// 8 MB from a producer thread through a 64 KiB pipe (as the server feeds a body), echoed by the
// guest into the sink. The producer may run ahead of the sink only by what sits in the pipe and
// in one guest chunk: any whole-body buffering would let it run megabytes ahead.
TEST_F(WasiHttpTest, HttpEchoStreamsALargeBodyWithBoundedBuffering) {
  auto pre = Pre("http_echo");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  constexpr uint64_t kTotal = 8 << 20;
  constexpr size_t kPipe = 64 * 1024;
  auto byte_at = [](uint64_t i) { return static_cast<uint8_t>((i * 2654435761u) >> 13); };
  auto pipe = *BodyPipe::Create(kPipe);
  std::atomic<uint64_t> consumed{0};
  std::atomic<uint64_t> max_lead{0};
  std::thread producer([&] {
    uint64_t produced = 0;
    auto space = pipe->SubscribeSpace();
    std::vector<uint8_t> chunk;
    while (produced < kTotal) {
      if (!Block(*space)) return;
      auto room = pipe->Space();
      if (!room) return;
      const uint64_t n = std::min<uint64_t>({room.value(), kTotal - produced, 10000});
      if (n == 0) continue;
      chunk.resize(n);
      for (uint64_t i = 0; i < n; ++i) chunk[i] = byte_at(produced + i);
      if (!pipe->Write(chunk)) return;
      produced += n;
      const uint64_t lead = produced - consumed.load();
      if (lead > max_lead) max_lead = lead;
    }
    pipe->End({});
  });
  auto sink = std::make_shared<RecordingSink>();
  sink->body->keep = false;
  bool intact = true;
  sink->body->on_bytes = [&](std::span<const uint8_t> bytes) {
    const uint64_t at = consumed.load();
    for (size_t i = 0; i < bytes.size() && intact; ++i) intact = bytes[i] == byte_at(at + i);
    consumed += bytes.size();
  };
  IncomingRequestData request = Request("POST", "/upload");
  request.body = std::make_shared<PipeInputStream>(pipe);
  auto outcome = Serve(r, std::move(request), sink);
  producer.join();
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kResponded);
  EXPECT_EQ(sink->body->received, kTotal);
  EXPECT_TRUE(intact);
  EXPECT_TRUE(sink->finished);
  EXPECT_LE(max_lead.load(), kPipe + 2 * 4096) << "bytes held between producer and sink";
}

TEST_F(WasiHttpTest, JsHttpAnswersRequestsEachOnAFreshInstance) {
  auto pre = Pre("js_http");
  ASSERT_NE(pre, nullptr);
  for (const char* path : {"/some/path", "/again", "/"}) {
    Running r = Instantiate(*pre);
    auto sink = std::make_shared<RecordingSink>();
    auto outcome = Serve(r, Request("GET", path), sink);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
    EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kResponded);
    EXPECT_EQ(sink->status, 200);
    EXPECT_EQ(sink->Header("x-fixture"), "js_http");
    EXPECT_EQ(sink->Header("content-type"), "text/plain");
    EXPECT_EQ(sink->body->contents, std::string("hello from js ") + path + "\n");
    EXPECT_TRUE(sink->finished);
  }
  // The fixture's documented limit: a reused instance does not answer again, and the sink is
  // still completed (failed) for the server.
  Running reused = Instantiate(*pre);
  ASSERT_TRUE(Serve(reused, Request("GET", "/first"), std::make_shared<RecordingSink>()));
  auto second = std::make_shared<RecordingSink>();
  auto outcome = Serve(reused, Request("GET", "/second"), second);
  EXPECT_FALSE(outcome.has_value() && outcome->kind == ServeOutcome::Kind::kResponded);
  EXPECT_FALSE(second->finished);
  EXPECT_TRUE(second->failed);
}

TEST_F(WasiHttpTest, TrailersGoInAndComeBackOut) {
  auto pre = Pre("http_probe");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  auto sink = std::make_shared<RecordingSink>();
  IncomingRequestData request = Request("POST", "/trailers", {}, "hello");
  int asked = 0;
  request.trailers = [&asked] {
    ++asked;
    return FieldList{{"X-Checksum", "abc"}, {"x-other", "1"}};
  };
  auto outcome = Serve(r, std::move(request), sink);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kResponded);
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(sink->Header("x-body-bytes"), "5");
  EXPECT_EQ(sink->body->contents, "ok");
  EXPECT_TRUE(sink->finished);
  EXPECT_EQ(sink->trailers, (FieldList{{"x-checksum", "abc"}, {"x-other", "1"}}));

  // No trailers: finish gets none.
  auto plain = std::make_shared<RecordingSink>();
  ASSERT_TRUE(Serve(r, Request("POST", "/trailers", {}, "hi"), plain).has_value());
  EXPECT_EQ(plain->Header("x-body-bytes"), "2");
  EXPECT_TRUE(plain->finished);
  EXPECT_TRUE(plain->trailers.empty());
}

TEST_F(WasiHttpTest, ATrapAfterTheHeadAbortsTheSink) {
  auto pre = Pre("http_probe");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  auto sink = std::make_shared<RecordingSink>();
  auto outcome = Serve(r, Request("GET", "/trap"), sink);
  ASSERT_FALSE(outcome.has_value());
  EXPECT_TRUE(wasm::IsTrap(outcome.error())) << outcome.error().message();
  EXPECT_TRUE(sink->started);
  EXPECT_EQ(sink->body->contents, "partial");
  EXPECT_FALSE(sink->finished);
  EXPECT_TRUE(sink->failed);
  EXPECT_TRUE(sink->failed_after_start);
  EXPECT_TRUE(r.instance->poisoned());
}

TEST_F(WasiHttpTest, NoResponseAndGuestErrorsFailTheSinkBeforeAnyHead) {
  auto pre = Pre("http_probe");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  auto none = std::make_shared<RecordingSink>();
  auto outcome = Serve(r, Request("GET", "/no-response"), none);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kNoResponse);
  EXPECT_FALSE(outcome->head_sent);
  EXPECT_FALSE(none->started);
  EXPECT_TRUE(none->failed);

  auto denied = std::make_shared<RecordingSink>();
  outcome = Serve(r, Request("GET", "/error"), denied);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kGuestError);
  ASSERT_TRUE(outcome->error.has_value());
  EXPECT_EQ(outcome->error->kind(), ErrorKind::kHttpRequestDenied);
  EXPECT_FALSE(denied->started);
  ASSERT_TRUE(denied->error.has_value());
  EXPECT_EQ(denied->error->kind(), ErrorKind::kHttpRequestDenied);
}

TEST_F(WasiHttpTest, BodiesLeftUnfinishedDroppedOrShortAreAborted) {
  auto pre = Pre("http_probe");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  for (const char* path : {"/unfinished", "/drop-body", "/short"}) {
    auto sink = std::make_shared<RecordingSink>();
    auto outcome = Serve(r, Request("GET", path), sink);
    ASSERT_TRUE(outcome.has_value()) << path << ": " << outcome.error().message();
    EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kBodyIncomplete) << path;
    EXPECT_TRUE(outcome->head_sent) << path;
    EXPECT_TRUE(sink->started) << path;
    EXPECT_FALSE(sink->finished) << path;
    EXPECT_TRUE(sink->failed_after_start) << path;
  }
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(Serve(r, Request("GET", "/short"), sink).has_value());
  EXPECT_EQ(sink->Header("content-length"), "10");
  EXPECT_EQ(sink->error->kind(), ErrorKind::kHttpResponseBodySize);
}

TEST_F(WasiHttpTest, FieldsRulesAsTheGuestSeesThem) {
  auto pre = Pre("http_probe");
  ASSERT_NE(pre, nullptr);
  Running r = Instantiate(*pre);
  auto sink = std::make_shared<RecordingSink>();
  auto outcome = Serve(
      r, Request("GET", "/fields", {{"X-Probe", "a"}, {"Host", "h"}, {"x-probe", "b"}}), sink);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(sink->status, 200);
  EXPECT_EQ(sink->Header("x-forbidden"), "1");
  EXPECT_EQ(sink->Header("x-invalid-name"), "0");
  EXPECT_EQ(sink->Header("x-invalid-value"), "0");
  EXPECT_EQ(sink->Header("x-append-ok"), "ok");
  EXPECT_EQ(sink->Header("x-immutable"), "2");
  EXPECT_EQ(sink->Header("x-immutable-delete"), "2");
  EXPECT_EQ(sink->Header("x-from-list"), "1");
  EXPECT_EQ(sink->Header("x-got"), "a,b");
}

class WasiHttpFetchTest : public WasiHttpTest {
 protected:
  Running Probe(std::vector<std::string> allowed, std::shared_ptr<HttpClient> client = nullptr) {
    pre_ = Pre("http_probe");
    HttpConfig config;
    config.allowed_hosts = std::move(allowed);
    config.client = std::move(client);
    return Instantiate(*pre_, std::move(config));
  }
  IncomingRequestData Fetch(const std::string& authority, const std::string& path,
                            std::string method = "GET", std::string body = "") {
    return Request(std::move(method), "/fetch",
                   {{"x-fetch-authority", authority}, {"x-fetch-path", path}}, std::move(body));
  }
  std::shared_ptr<const component::InstancePre> pre_;
  testing::LoopbackServer server_;
};

TEST_F(WasiHttpFetchTest, AnAllowedFetchBringsTheUpstreamResponseThrough) {
  Running r = Probe({server_.authority()});
  auto sink = std::make_shared<RecordingSink>();
  auto outcome = Serve(r, Fetch(server_.authority(), "/data"), sink);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(outcome->kind, ServeOutcome::Kind::kResponded);
  EXPECT_EQ(sink->status, 200) << sink->Header("x-error-code");
  EXPECT_EQ(sink->Header("x-upstream-status"), "200");
  EXPECT_EQ(sink->Header("x-upstream-x-served-by"), "loopback");
  EXPECT_EQ(sink->Header("x-upstream-transfer-encoding"), "") << "hop-by-hop fields are removed";
  EXPECT_EQ(sink->body->contents, "upstream body");
  EXPECT_EQ(sink->trailers, (FieldList{{"x-up-trailer", "t"}}));
  auto got = server_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "GET");
  EXPECT_EQ(got[0].target, "/data");
  EXPECT_EQ(got[0].Header("x-from-guest"), "1");
  EXPECT_EQ(got[0].Header("host"), server_.authority());
  EXPECT_EQ(got[0].Header("accept"), "") << "no header the guest did not ask for";
}

TEST_F(WasiHttpFetchTest, ASharedClientReusesItsConnection) {
  auto client = *HttpClient::Create();
  for (int i = 0; i < 3; ++i) {
    Running r = Probe({"127.0.0.1"}, client);
    auto sink = std::make_shared<RecordingSink>();
    ASSERT_TRUE(Serve(r, Fetch(server_.authority(), "/data"), sink).has_value());
    EXPECT_EQ(sink->body->contents, "upstream body");
  }
  EXPECT_EQ(server_.requests().size(), 3u);
  EXPECT_EQ(server_.connections(), 1);
  EXPECT_EQ(client->connections_opened(), 1u);
}

TEST_F(WasiHttpFetchTest, ARequestBodyStreamsUpstreamChunked) {
  Running r = Probe({"*"});
  std::string big(1 << 20, 'b');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  auto sink = std::make_shared<RecordingSink>();
  auto outcome = Serve(r, Fetch(server_.authority(), "/count", "POST", big), sink);
  ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
  EXPECT_EQ(sink->status, 200) << sink->Header("x-error-code");
  EXPECT_EQ(sink->body->contents, "received 1048576 bytes");
  auto got = server_.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].method, "POST");
  EXPECT_TRUE(got[0].chunked);
  EXPECT_EQ(got[0].body, big);
}

TEST_F(WasiHttpFetchTest, HostsOutsideTheAllowedListAreDeniedBeforeConnecting) {
  for (auto allowed :
       std::vector<std::vector<std::string>>{{}, {"example.com"}, {"127.0.0.1:1"}, {"*.0.0.1"}}) {
    Running r = Probe(allowed);
    auto sink = std::make_shared<RecordingSink>();
    auto outcome = Serve(r, Fetch(server_.authority(), "/data"), sink);
    ASSERT_TRUE(outcome.has_value()) << outcome.error().message();
    EXPECT_EQ(sink->status, 502);
    EXPECT_EQ(sink->Header("x-error-code"), "15");  // HTTP-request-denied
    EXPECT_EQ(sink->Header("x-error-at"), "handle");
  }
  EXPECT_EQ(server_.connections(), 0);
}

TEST_F(WasiHttpFetchTest, ARefusedConnectionIsAnErrorCode) {
  int port;
  {
    testing::LoopbackServer closed;
    port = closed.port();
  }
  Running r = Probe({"*"});
  auto sink = std::make_shared<RecordingSink>();
  ASSERT_TRUE(Serve(r, Fetch("127.0.0.1:" + std::to_string(port), "/"), sink).has_value());
  EXPECT_EQ(sink->status, 502);
  EXPECT_EQ(sink->Header("x-error-code"), "6");  // connection-refused
  EXPECT_EQ(sink->Header("x-error-at"), "response");
}

}  // namespace
}  // namespace wcloud::wasi::http
