// The exchange state on its own, with the test playing the connection's part.
#include "ingress/exchange_state.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <optional>
#include <thread>

namespace wcloud::ingress {
namespace {

using std::chrono::milliseconds;

struct CountingOwner : ExchangeOwner {
  void Wake() override { ++wakes; }
  int wakes = 0;
};

bool Readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

class ExchangeStateTest : public ::testing::Test {
 protected:
  ExchangeStateTest() : state_(std::make_shared<ExchangeState>(8, 16, &date_, &draining_)) {
    state_->Reset(&owner_);
    state_->request().method = "POST";
    state_->request().version_minor = 1;
  }
  std::string Output() {
    std::string out;
    state_->Poll(&out);
    state_->OutputWritten();
    return out;
  }
  static std::string Body(const std::string& response) {
    return response.substr(response.find("\r\n\r\n") + 4);
  }

  HttpDate date_;
  std::atomic<bool> draining_{false};
  CountingOwner owner_;
  std::shared_ptr<ExchangeState> state_;
};

TEST_F(ExchangeStateTest, BodyReadsAndReadiness) {
  state_->SetHead(true, false, true, false, {});
  RequestBody body(state_);
  auto fd = body.ReadyFd();
  ASSERT_TRUE(fd);
  EXPECT_FALSE(Readable(*fd));
  EXPECT_EQ(body.TryRead(10)->kind, BodyReadKind::kWouldBlock);
  EXPECT_FALSE(state_->AppendBody("abc"));
  EXPECT_TRUE(Readable(*fd));
  auto r = body.TryRead(2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes, "ab");
  EXPECT_EQ(body.TryRead(10)->bytes, "c");
  EXPECT_FALSE(Readable(*fd));
  HeaderList trailers{{"X-T", "1"}};
  state_->EndBody(trailers);
  EXPECT_TRUE(Readable(*fd));
  EXPECT_EQ(body.TryRead(10)->kind, BodyReadKind::kEnd);
  ASSERT_EQ(body.trailers().size(), 1u);
  EXPECT_EQ(body.trailers()[0].name, "X-T");
}

TEST_F(ExchangeStateTest, FullBufferPausesAndReadingWakesTheConnection) {
  state_->SetHead(true, false, true, false, {});
  RequestBody body(state_);
  EXPECT_FALSE(state_->AppendBody("1234567"));
  EXPECT_TRUE(state_->AppendBody("89"));  // 9 >= 8: stop reading the socket
  EXPECT_TRUE(state_->Poll(nullptr).read_paused);
  int wakes = owner_.wakes;
  EXPECT_EQ(body.TryRead(3)->bytes, "123");  // 6 left: still above half
  EXPECT_EQ(owner_.wakes, wakes);
  EXPECT_EQ(body.TryRead(3)->bytes, "456");  // 3 left: resume
  EXPECT_EQ(owner_.wakes, wakes + 1);
  EXPECT_FALSE(state_->Poll(nullptr).read_paused);
}

TEST_F(ExchangeStateTest, BlockingReadWaitsForAnotherThread) {
  state_->SetHead(true, false, true, false, {});
  RequestBody body(state_);
  std::thread feeder([&] {
    std::this_thread::sleep_for(milliseconds(50));
    EXPECT_FALSE(state_->AppendBody("late"));
  });
  auto r = body.Read(100, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  feeder.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->bytes, "late");
  auto timed_out = body.Read(100, std::chrono::steady_clock::now() + milliseconds(20));
  ASSERT_TRUE(timed_out);
  EXPECT_EQ(timed_out->kind, BodyReadKind::kWouldBlock);
}

TEST_F(ExchangeStateTest, ContinueOnlyWhenTheBodyIsWanted) {
  state_->SetHead(true, false, true, true, {});
  EXPECT_EQ(Output(), "");
  RequestBody body(state_);
  EXPECT_EQ(body.TryRead(1)->kind, BodyReadKind::kWouldBlock);
  EXPECT_EQ(Output(), "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(body.TryRead(1)->kind, BodyReadKind::kWouldBlock);
  EXPECT_EQ(Output(), "");  // once
}

TEST_F(ExchangeStateTest, AnswerWithoutReadingAnExpectedBodyCloses) {
  state_->SetHead(true, false, true, true, {});
  ResponseWriter w(state_);
  ASSERT_TRUE(w.Start(200, {{"Content-Length", "0"}}));
  ASSERT_TRUE(w.Finish());
  std::string out = Output();
  EXPECT_EQ(out.find("100 Continue"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_TRUE(state_->Poll(nullptr).close);
}

TEST_F(ExchangeStateTest, ContentLengthResponse) {
  state_->SetHead(false, false, true, false, {});
  ResponseWriter w(state_);
  EXPECT_FALSE(w.Write("early"));
  ASSERT_TRUE(w.Start(201, {{"Content-Length", "5"}, {"X-A", "b"}}));
  EXPECT_FALSE(w.Start(200, {}));
  ASSERT_TRUE(w.Write("hel"));
  EXPECT_FALSE(w.Write("long"));
  ASSERT_TRUE(w.Write("lo"));
  ASSERT_TRUE(w.Finish({{"X-Ignored", "1"}}));
  std::string out = Output();
  EXPECT_EQ(out.rfind("HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-A: b\r\nDate: ", 0), 0u)
      << out;
  EXPECT_EQ(out.find("Transfer-Encoding"), std::string::npos);
  EXPECT_EQ(out.find("Connection"), std::string::npos);
  EXPECT_EQ(Body(out), "hello");
  auto p = state_->Poll(nullptr);
  EXPECT_TRUE(p.finished);
  EXPECT_FALSE(p.close);
}

TEST_F(ExchangeStateTest, ResponseStartedOnceTheServerDrainsCloses) {
  state_->SetHead(false, false, true, false, {});
  // Set by another thread (Stop) after the head said keep-alive.
  draining_ = true;
  ResponseWriter w(state_);
  ASSERT_TRUE(w.Start(200, {{"Content-Length", "0"}}));
  ASSERT_TRUE(w.Finish());
  EXPECT_NE(Output().find("\r\nConnection: close\r\n"), std::string::npos);
  EXPECT_TRUE(state_->Poll(nullptr).close);
}

TEST_F(ExchangeStateTest, ChunkedResponseWithTrailersAndBackpressure) {
  state_->SetHead(false, false, true, false, {});
  ResponseWriter w(state_);
  EXPECT_FALSE(w.CheckWrite());
  ASSERT_TRUE(w.Start(200, {{"Transfer-Encoding", "gzip"}, {"Connection", "keep-alive"}}));
  std::string head = Output();
  EXPECT_NE(head.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(head.find("gzip"), std::string::npos);
  EXPECT_EQ(*w.CheckWrite(), 16u);
  auto fd = w.ReadyFd();
  ASSERT_TRUE(fd);
  EXPECT_TRUE(Readable(*fd));
  ASSERT_TRUE(w.Write("0123456789"));  // framed: "a\r\n0123456789\r\n", 15 bytes
  EXPECT_EQ(*w.CheckWrite(), 1u);
  ASSERT_TRUE(w.Write("x"));
  EXPECT_EQ(*w.CheckWrite(), 0u);
  EXPECT_FALSE(Readable(*fd));
  std::string taken;
  state_->Poll(&taken);  // taken but not yet written still counts
  EXPECT_EQ(*w.CheckWrite(), 0u);
  state_->OutputWritten();
  EXPECT_EQ(*w.CheckWrite(), 16u);
  EXPECT_TRUE(Readable(*fd));
  EXPECT_EQ(taken, "a\r\n0123456789\r\n1\r\nx\r\n");
  EXPECT_FALSE(w.Finish({{"Bad Name", "1"}}));
  ASSERT_TRUE(w.Finish({{"X-Checksum", "42"}}));
  EXPECT_EQ(Output(), "0\r\nX-Checksum: 42\r\n\r\n");
}

TEST_F(ExchangeStateTest, RefusesResponseSplitting) {
  state_->SetHead(false, false, true, false, {});
  ResponseWriter w(state_);
  EXPECT_FALSE(w.Start(200, {{"X-A", "b\r\nSet-Cookie: evil"}}));
  EXPECT_FALSE(w.Start(200, {{"X A", "b"}}));
  EXPECT_FALSE(w.Start(200, {{"Content-Length", "12x"}}));
  EXPECT_FALSE(w.Start(99, {}));
  EXPECT_FALSE(w.Start(100, {}));
  EXPECT_EQ(Output(), "");
  EXPECT_TRUE(w.Start(200, {}));
}

TEST_F(ExchangeStateTest, ShortContentLengthAborts) {
  state_->SetHead(false, false, true, false, {});
  ResponseWriter w(state_);
  ASSERT_TRUE(w.Start(200, {{"Content-Length", "10"}}));
  ASSERT_TRUE(w.Write("abc"));
  EXPECT_FALSE(w.Finish());
  EXPECT_TRUE(state_->Poll(nullptr).aborted);
}

TEST_F(ExchangeStateTest, HeadAndHttp10Framing) {
  state_->SetHead(false, true, true, false, {});
  {
    ResponseWriter w(state_);
    ASSERT_TRUE(w.Start(200, {{"Content-Length", "3"}}));
    ASSERT_TRUE(w.Write("abc"));
    ASSERT_TRUE(w.Finish());
    std::string out = Output();
    EXPECT_NE(out.find("Content-Length: 3\r\n"), std::string::npos);
    EXPECT_EQ(Body(out), "");
  }
  state_->Reset(&owner_);
  state_->request().version_minor = 0;
  state_->SetHead(false, false, true, false, {});
  ResponseWriter w(state_);
  ASSERT_TRUE(w.Start(200, {}));
  ASSERT_TRUE(w.Write("till close"));
  ASSERT_TRUE(w.Finish());
  std::string out = Output();
  EXPECT_EQ(out.find("chunked"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(Body(out), "till close");
}

TEST_F(ExchangeStateTest, DroppedWriterAnswers500) {
  state_->SetHead(false, false, true, false, {});
  { ResponseWriter w(state_); }
  std::string out = Output();
  EXPECT_EQ(out.rfind("HTTP/1.1 500 ", 0), 0u);
  auto p = state_->Poll(nullptr);
  EXPECT_TRUE(p.finished);
  EXPECT_TRUE(p.close);
}

TEST_F(ExchangeStateTest, FailureReachesBothStreamsAndWakesPollers) {
  state_->SetHead(true, false, true, false, {});
  RequestBody body(state_);
  ResponseWriter w(state_);
  int body_fd = *body.ReadyFd();
  EXPECT_FALSE(Readable(body_fd));
  state_->Fail(504, "late\n", "timed out");
  EXPECT_TRUE(Readable(body_fd));
  EXPECT_TRUE(Readable(*w.ReadyFd()));
  auto r = body.TryRead(1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "timed out");
  EXPECT_FALSE(w.Start(200, {}));
  EXPECT_EQ(Output().rfind("HTTP/1.1 504 Gateway Timeout\r\n", 0), 0u);
}

TEST_F(ExchangeStateTest, DetachedStateRefusesWork) {
  state_->SetHead(true, false, true, false, {});
  RequestBody body(state_);
  ResponseWriter w(state_);
  state_->Detach();
  EXPECT_FALSE(body.TryRead(1));
  EXPECT_FALSE(w.Start(200, {}));
  w.Abort();
  EXPECT_EQ(owner_.wakes, 0);
}

TEST_F(ExchangeStateTest, DeferredResponseWakesOnceWhenTheExchangeEnds) {
  state_->SetHead(false, false, true, false, {});
  {
    Exchange exchange(state_);
    exchange.DeferWakes();
    ResponseWriter& w = exchange.response();
    ASSERT_TRUE(w.Start(200, {{"Content-Length", "2"}}));
    ASSERT_TRUE(w.Write("ok"));
    ASSERT_TRUE(w.Finish());
    EXPECT_EQ(owner_.wakes, 0);
    EXPECT_FALSE(state_->Reusable());
  }
  EXPECT_EQ(owner_.wakes, 1);
  EXPECT_TRUE(state_->Reusable());
  EXPECT_EQ(Body(Output()), "ok");
}

TEST_F(ExchangeStateTest, DeferredWakeGoesOutBeforeTheHandlerWaits) {
  state_->SetHead(true, false, true, false, {});
  Exchange exchange(state_);
  exchange.DeferWakes();
  ResponseWriter& w = exchange.response();
  ASSERT_TRUE(w.Start(200, {}));
  EXPECT_FALSE(w.Ready()) << "the head fills the 16-byte buffer";
  EXPECT_EQ(owner_.wakes, 0);
  ASSERT_TRUE(w.ReadyFd());  // about to wait for room: the head goes first
  EXPECT_EQ(owner_.wakes, 1);
  EXPECT_EQ(Output().rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_TRUE(w.Ready());

  ASSERT_TRUE(w.Write("ab"));
  EXPECT_EQ(owner_.wakes, 1);
  exchange.FlushWakes();
  EXPECT_EQ(owner_.wakes, 2);
  EXPECT_EQ(Output(), "2\r\nab\r\n");

  ASSERT_TRUE(w.Write("cd"));
  EXPECT_FALSE(exchange.body().Ready());
  ASSERT_TRUE(exchange.body().ReadyFd());  // about to wait for the body
  EXPECT_EQ(owner_.wakes, 3);
  EXPECT_EQ(Output(), "2\r\ncd\r\n");
}

TEST_F(ExchangeStateTest, ReadsWakeTheConnectionEvenWhenDeferring) {
  state_->SetHead(true, false, true, false, {});
  Exchange exchange(state_);
  exchange.DeferWakes();
  EXPECT_FALSE(state_->AppendBody("1234567"));
  EXPECT_TRUE(state_->AppendBody("89"));
  EXPECT_EQ(exchange.body().TryRead(6)->bytes, "123456");
  EXPECT_EQ(owner_.wakes, 1) << "resuming the socket must not wait for the handler";
}

TEST_F(ExchangeStateTest, ABodyKeptAfterTheExchangeBlocksReuseButNotTheResponse) {
  state_->SetHead(false, false, true, false, {});
  std::optional<RequestBody> kept;
  {
    Exchange exchange(state_);
    exchange.DeferWakes();
    kept = exchange.body();
    ASSERT_TRUE(exchange.response().Start(200, {{"Content-Length", "0"}}));
    ASSERT_TRUE(exchange.response().Finish());
  }
  EXPECT_EQ(owner_.wakes, 1);
  EXPECT_FALSE(state_->Reusable());
  kept.reset();
  EXPECT_TRUE(state_->Reusable());
}

}  // namespace
}  // namespace wcloud::ingress
