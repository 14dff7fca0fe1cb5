// The ingress server against curl, an independent HTTP/1.1 client: bodies both ways with both
// framings, 100-continue, connection reuse, trailers and the size limits.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "ingress/ingress_server.h"
#include "support/subprocess.h"

namespace wcloud::ingress {
namespace {

using namespace std::chrono_literals;
using testing::RunCommand;
using testing::TempDir;

class Workers {
 public:
  ~Workers() {
    std::lock_guard lock(mu_);
    for (auto& t : threads_) t.join();
  }
  template <typename F>
  void Run(F f) {
    std::lock_guard lock(mu_);
    threads_.emplace_back(std::move(f));
  }

 private:
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

void Respond(Exchange& ex, int status, std::string_view body, HeaderList headers = {}) {
  headers.Add("Content-Length", std::to_string(body.size()));
  if (ex.response().Start(status, headers) && ex.response().Write(body)) {
    (void)ex.response().Finish();
  }
}

// Checksum-like summary so large bodies compare cheaply: size and a rolling sum.
std::string Summary(std::string_view bytes) {
  uint64_t h = 0;
  for (unsigned char c : bytes) h = h * 131 + c;
  return std::to_string(bytes.size()) + ":" + std::to_string(h);
}

class IngressCurlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IngressOptions options;
    options.threads = 2;
    options.max_header_bytes = 16 << 10;
    options.max_body_bytes = 8 << 20;
    options.body_buffer_bytes = 64 << 10;
    auto server = IngressServer::Start(options, [this](Exchange ex) { Handle(std::move(ex)); });
    ASSERT_TRUE(server) << server.error().message();
    server_ = std::move(*server);
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }
  void TearDown() override {
    if (server_) server_->Stop(1s);
  }

  void Handle(Exchange ex) {
    {
      std::lock_guard lock(mu_);
      remotes_.insert(ex.request().remote);
    }
    const std::string& target = ex.request().target;
    if (target == "/hello") return Respond(ex, 200, "hello world!\n", {{"X-Kind", "inline"}});
    workers_.Run([this, ex = std::move(ex)]() mutable { HandleOnWorker(ex); });
  }

  void HandleOnWorker(Exchange& ex) {
    const std::string target = ex.request().target;
    if (target == "/stream") {
      auto& w = ex.response();
      if (!w.Start(200, {{"Trailer", "X-Checksum"}})) return;
      std::string all;
      for (int i = 0; i < 100; ++i) {
        std::string piece = "line " + std::to_string(i) + "\n";
        all += piece;
        if (!w.BlockingWrite(piece, std::chrono::steady_clock::now() + 5s)) return;
      }
      (void)w.Finish({{"X-Checksum", Summary(all)}});
      return;
    }
    // Everything else: read the body in small bites, slowly enough to exercise backpressure,
    // and answer with its summary.
    std::string body;
    auto deadline = std::chrono::steady_clock::now() + 20s;
    for (;;) {
      auto r = ex.body().Read(4096, deadline);
      if (!r) return;  // the server answered (413) or the client left
      if (r->kind == BodyReadKind::kEnd) break;
      if (r->kind == BodyReadKind::kWouldBlock) return Respond(ex, 500, "timeout");
      body += r->bytes;
    }
    std::string framing =
        ex.request().headers.Find("transfer-encoding").has_value() ? "chunked" : "length";
    Respond(ex, 200, ex.request().method + " " + framing + " " + Summary(body));
  }

  std::string WriteFile(const std::string& name, const std::string& bytes) {
    auto path = (dir_.path() / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  static std::string Payload(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
    return s;
  }

  TempDir dir_;
  Workers workers_;  // joined after the server stopped
  std::unique_ptr<IngressServer> server_;
  std::string base_;
  std::mutex mu_;
  std::set<std::string> remotes_;
};

TEST_F(IngressCurlTest, Get) {
  auto r = RunCommand({"curl", "-sS", "-i", base_ + "/hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("X-Kind: inline\r\n"), std::string::npos);
  EXPECT_NE(r.out.find("\r\n\r\nhello world!\n"), std::string::npos);
}

TEST_F(IngressCurlTest, PostWithContentLengthAndChunked) {
  std::string payload = Payload(3 << 20);
  std::string file = WriteFile("body", payload);
  auto r = RunCommand({"curl", "-sS", "--data-binary", "@" + file, base_ + "/echo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "POST length " + Summary(payload));
  r = RunCommand({"curl", "-sS", "-X", "PUT", "-H", "Transfer-Encoding: chunked", "--data-binary",
                  "@" + file, base_ + "/echo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "PUT chunked " + Summary(payload));
}

TEST_F(IngressCurlTest, ExpectContinue) {
  std::string payload = Payload(100000);
  std::string file = WriteFile("body", payload);
  // A long expect timeout: curl must get the 100 from us, not send on its own after a second.
  auto r = RunCommand({"curl", "-sS", "-v", "--expect100-timeout", "30", "-H",
                       "Expect: 100-continue", "--data-binary", "@" + file, base_ + "/echo"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("< HTTP/1.1 100 Continue"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "POST length " + Summary(payload));
}

TEST_F(IngressCurlTest, KeepAliveReusesTheConnection) {
  auto r = RunCommand({"curl", "-sS", "-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null", "-w",
                       "%{num_connects} ", base_ + "/hello", base_ + "/echo", base_ + "/hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "1 0 0 ");
  std::lock_guard lock(mu_);
  EXPECT_EQ(remotes_.size(), 1u);
}

TEST_F(IngressCurlTest, ChunkedResponseWithTrailers) {
  auto raw = RunCommand({"curl", "-sS", "--raw", base_ + "/stream"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  std::string body;
  for (int i = 0; i < 100; ++i) body += "line " + std::to_string(i) + "\n";
  EXPECT_NE(raw.out.find("\r\n0\r\nX-Checksum: " + Summary(body) + "\r\n\r\n"), std::string::npos)
      << raw.out.substr(raw.out.size() > 200 ? raw.out.size() - 200 : 0);
  auto decoded = RunCommand({"curl", "-sS", base_ + "/stream"});
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  EXPECT_EQ(decoded.out, body);
}

TEST_F(IngressCurlTest, HeadRequest) {
  auto r = RunCommand({"curl", "-sS", "-I", base_ + "/hello"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Content-Length: 13\r\n"), std::string::npos) << r.out;
}

TEST_F(IngressCurlTest, Limits) {
  auto r = RunCommand({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                       "X-Big: " + std::string(20 << 10, 'x'), base_ + "/hello"});
  EXPECT_EQ(r.out, "431") << r.err;
  std::string file = WriteFile("big", Payload(9 << 20));
  r = RunCommand({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--data-binary",
                  "@" + file, base_ + "/echo"});
  EXPECT_EQ(r.out, "413") << r.err;
  r = RunCommand({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-H",
                  "Transfer-Encoding: chunked", "--data-binary", "@" + file, base_ + "/echo"});
  EXPECT_EQ(r.out, "413") << r.err;
}

}  // namespace
}  // namespace wcloud::ingress
