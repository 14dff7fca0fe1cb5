#include "wasi/http/body_pipe.h"

#include <gtest/gtest.h>

#include <thread>

#include "wasi/http/outgoing_body.h"

namespace wcloud::wasi::http {
namespace {

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(BodyPipeTest, BoundedQueueWithReadinessBothWays) {
  auto pipe = *BodyPipe::Create(8);
  auto space = pipe->SubscribeSpace();
  auto data = pipe->SubscribeData();
  EXPECT_TRUE(space->Ready());
  EXPECT_FALSE(data->Ready());
  EXPECT_EQ(pipe->Space().value(), 8u);
  ASSERT_TRUE(pipe->Write(Bytes("12345678")).has_value());
  EXPECT_EQ(pipe->Space().value(), 0u);
  EXPECT_FALSE(space->Ready());
  EXPECT_TRUE(data->Ready());
  auto r = pipe->Read(3);
  EXPECT_EQ(r.bytes, Bytes("123"));
  EXPECT_TRUE(space->Ready());
  pipe->End({{"x-t", "1"}});
  EXPECT_EQ(pipe->Read(100).bytes, Bytes("45678"));
  auto end = pipe->Read(100);
  EXPECT_TRUE(end.ended);
  EXPECT_EQ(pipe->Trailers(), (FieldList{{"x-t", "1"}}));
}

TEST(BodyPipeTest, AWriterOnAnotherThreadWakesABlockedReader) {
  auto pipe = *BodyPipe::Create(1024);
  std::thread writer([pipe] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    (void)pipe->Write(Bytes("late"));
  });
  PipeInputStream in(pipe);
  auto got = in.BlockingRead(100);
  writer.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got.value(), Bytes("late"));
}

// The write-side blocking forms wait only when the stream has no room, then go on where they
// stopped.
TEST(BodyPipeTest, BlockingWriteAndFlushWaitsForARemoteReader) {
  auto pipe = *BodyPipe::Create(4);
  std::string received;
  std::thread reader([pipe, &received] {
    while (received.size() < 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      auto r = pipe->Read(3);
      received.append(r.bytes.begin(), r.bytes.end());
    }
  });
  PipeOutputStream out(pipe);
  auto wrote = out.BlockingWriteAndFlush(Bytes("0123456789"));
  reader.join();
  ASSERT_TRUE(wrote.has_value());
  EXPECT_EQ(received, "0123456789");
  pipe->CloseConsumer();
  EXPECT_FALSE(out.BlockingWriteAndFlush(Bytes("x")).has_value());
}

TEST(BodyPipeTest, OfferPausesAndReadResumesTheProducer) {
  auto pipe = *BodyPipe::Create(4);
  int resumed = 0;
  pipe->SetResumeProducer([&] { ++resumed; });
  EXPECT_TRUE(pipe->Offer(Bytes("abc")));
  EXPECT_FALSE(pipe->Offer(Bytes("de")));
  EXPECT_EQ(resumed, 0);
  EXPECT_EQ(pipe->Read(10).bytes, Bytes("abc"));
  EXPECT_EQ(resumed, 1);
  EXPECT_TRUE(pipe->Offer(Bytes("de")));
}

TEST(BodyPipeTest, FailureReachesTheReaderAsAnHttpStreamError) {
  auto pipe = *BodyPipe::Create(16);
  PipeInputStream in(pipe);
  (void)pipe->Write(Bytes("ab"));
  pipe->Fail(ErrorCode::Of(ErrorKind::kHttpResponseIncomplete));
  EXPECT_EQ(in.Read(10).value(), Bytes("ab"));
  auto failed = in.Read(10);
  ASSERT_FALSE(failed.has_value());
  EXPECT_EQ(failed.error().kind, StreamError::Kind::kFailed);
  EXPECT_EQ(ErrorCodeFromMessage(failed.error().message)->kind(),
            ErrorKind::kHttpResponseIncomplete);
}

TEST(BodyPipeTest, DroppingTheReaderClosesTheWriter) {
  auto pipe = *BodyPipe::Create(16);
  { PipeInputStream in(pipe); }
  EXPECT_TRUE(pipe->ConsumerClosed());
  EXPECT_FALSE(pipe->Write(Bytes("x")).has_value());
}

// A destination that records what reaches it.
class RecordingDestination : public BodyDestination {
 public:
  RecordingDestination() : pipe_(*BodyPipe::Create(1 << 20)), stream_(pipe_) {}
  OutputStream& stream() override { return stream_; }
  FinishResult Finish(const FieldList& trailers) override {
    trailers_ = trailers;
    finished_ = true;
    return std::monostate{};
  }
  void Fail(const ErrorCode& error) override { failed_ = error.kind(); }
  std::string contents() {
    auto r = pipe_->Read(1 << 20);
    return std::string(r.bytes.begin(), r.bytes.end());
  }
  bool finished_ = false;
  FieldList trailers_;
  std::optional<ErrorKind> failed_;

 private:
  std::shared_ptr<BodyPipe> pipe_;
  PipeOutputStream stream_;
};

TEST(OutgoingBodyTest, BytesAndFinishBeforeBindAreHandedOver) {
  auto body = std::make_shared<OutgoingBody>(std::nullopt, false);
  auto stream = body->NewStream();
  ASSERT_TRUE(stream->BlockingWriteAndFlush(Bytes("early ")).has_value());
  ASSERT_TRUE(body->Finish({{"x-t", "v"}}).has_value());
  auto dest = std::make_shared<RecordingDestination>();
  body->Bind(dest);
  EXPECT_EQ(dest->contents(), "early ");
  EXPECT_TRUE(dest->finished_);
  EXPECT_EQ(dest->trailers_, (FieldList{{"x-t", "v"}}));
}

TEST(OutgoingBodyTest, UnboundBodyHoldsABoundedAmount) {
  auto body = std::make_shared<OutgoingBody>(std::nullopt, false);
  auto stream = body->NewStream();
  EXPECT_EQ(stream->CheckWrite().value(), OutgoingBody::kUnboundLimit);
  std::vector<uint8_t> big(OutgoingBody::kUnboundLimit, 'x');
  ASSERT_TRUE(stream->Write(big).has_value());
  EXPECT_EQ(stream->CheckWrite().value(), 0u);
  // Nothing could ever make room: waiting is an error, not a hang.
  EXPECT_FALSE(stream->Subscribe()->Ready());
  EXPECT_FALSE(stream->BlockingFlush().has_value());
}

TEST(OutgoingBodyTest, ContentLengthIsEnforcedBothWays) {
  auto longer = std::make_shared<OutgoingBody>(3, false);
  auto dest = std::make_shared<RecordingDestination>();
  longer->Bind(dest);
  auto s = longer->NewStream();
  auto wrote = s->Write(Bytes("abcd"));
  ASSERT_FALSE(wrote.has_value());
  EXPECT_EQ(ErrorCodeFromMessage(wrote.error().message)->kind(), ErrorKind::kHttpResponseBodySize);
  EXPECT_EQ(dest->failed_, ErrorKind::kHttpResponseBodySize);

  auto shorter = std::make_shared<OutgoingBody>(3, true);
  auto dest2 = std::make_shared<RecordingDestination>();
  shorter->Bind(dest2);
  ASSERT_TRUE(shorter->NewStream()->Write(Bytes("ab")).has_value());
  auto finished = shorter->Finish({});
  ASSERT_FALSE(finished.has_value());
  EXPECT_EQ(finished.error().ToValue(),
            ErrorCode::BodySize(ErrorKind::kHttpRequestBodySize, 2).ToValue());
  EXPECT_EQ(dest2->failed_, ErrorKind::kHttpRequestBodySize);
  EXPECT_FALSE(dest2->finished_);
}

TEST(OutgoingBodyTest, AbandonFailsTheDestination) {
  auto body = std::make_shared<OutgoingBody>(std::nullopt, false);
  auto dest = std::make_shared<RecordingDestination>();
  body->Bind(dest);
  body->Abandon();
  EXPECT_EQ(dest->failed_, ErrorKind::kInternalError);
  EXPECT_FALSE(body->NewStream()->CheckWrite().has_value());
}

}  // namespace
}  // namespace wcloud::wasi::http
