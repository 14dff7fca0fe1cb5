// The outgoing client on its own against the loopback server: timeouts, cancellation and a large
// response streamed through a small pipe.
#include "wasi/http/http_client.h"

#include <gtest/gtest.h>

#include "loopback_server.h"

namespace wcloud::wasi::http {
namespace {

constexpr uint64_t kMs = 1'000'000;

Expected<ClientResponse, ErrorCode> Await(HttpClient::Pending& pending) {
  auto pollable = pending.future().Subscribe();
  EXPECT_TRUE(Block(*pollable).has_value());
  auto result = pending.future().Take();
  EXPECT_TRUE(result.has_value());
  return std::move(*result);
}

ClientRequest Get(const testing::LoopbackServer& server, const std::string& path) {
  ClientRequest r;
  r.method = "GET";
  r.url = "http://" + server.authority() + path;
  return r;
}

TEST(HttpClientTest, FirstByteTimeoutFailsTheResponse) {
  testing::LoopbackServer server;
  auto client = *HttpClient::Create();
  ClientRequest r = Get(server, "/delay-head");
  r.timeouts.first_byte_ns = 200 * kMs;
  auto pending = client->Send(std::move(r));
  ASSERT_TRUE(pending.has_value());
  auto result = Await(**pending);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().kind(), ErrorKind::kConnectionReadTimeout);
}

TEST(HttpClientTest, BetweenBytesTimeoutFailsTheBody) {
  testing::LoopbackServer server;
  auto client = *HttpClient::Create();
  ClientRequest r = Get(server, "/slow");
  r.timeouts.between_bytes_ns = 200 * kMs;
  auto pending = client->Send(std::move(r));
  ASSERT_TRUE(pending.has_value());
  auto result = Await(**pending);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result.value().status, 200);
  PipeInputStream body(result.value().body);
  auto read = body.BlockingRead(100);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(ErrorCodeFromMessage(read.error().message)->kind(), ErrorKind::kConnectionReadTimeout);
}

TEST(HttpClientTest, DroppingAPendingRequestCancelsIt) {
  testing::LoopbackServer server;
  auto client = *HttpClient::Create();
  {
    auto pending = client->Send(Get(server, "/delay-head"));
    ASSERT_TRUE(pending.has_value());
  }
  // The client still works afterwards.
  auto pending = client->Send(Get(server, "/count"));
  ASSERT_TRUE(pending.has_value());
  auto result = Await(**pending);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result.value().status, 200);
}

TEST(HttpClientTest, ALargeResponseStreamsThroughASmallPipe) {
  testing::LoopbackServer server;
  HttpClient::Options options;
  options.body_buffer_bytes = 16 * 1024;
  auto client = *HttpClient::Create(options);
  auto pending = client->Send(Get(server, "/big"));
  ASSERT_TRUE(pending.has_value());
  auto result = Await(**pending);
  ASSERT_TRUE(result.has_value());
  auto pipe = result.value().body;
  PipeInputStream body(pipe);
  uint64_t total = 0;
  bool all_z = true;
  while (true) {
    auto chunk = body.BlockingRead(1 << 20);
    if (!chunk) {
      EXPECT_EQ(chunk.error().kind, StreamError::Kind::kClosed) << chunk.error().message;
      break;
    }
    // The client holds at most the pipe's capacity plus one curl write (16 KiB).
    EXPECT_LE(chunk.value().size(), 2 * options.body_buffer_bytes);
    for (uint8_t b : chunk.value()) all_z = all_z && b == 'z';
    total += chunk.value().size();
  }
  EXPECT_EQ(total, 4u << 20);
  EXPECT_TRUE(all_z);
}

}  // namespace
}  // namespace wcloud::wasi::http
