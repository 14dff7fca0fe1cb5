#include "ingress/request_parser.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>

namespace wcloud::ingress {
namespace {

namespace http = boost::beast::http;

struct Collect : RequestParser::BodySink {
  void OnBody(std::string_view bytes) override { body.append(bytes); }
  std::string body;
};

// Feeds `input` in pieces of `step` bytes, as reads from a socket would; returns the error.
boost::system::error_code Feed(RequestParser& p, std::string_view input, size_t step) {
  std::string pending;
  size_t at = 0;
  boost::system::error_code ec;
  while (!p.is_done()) {
    if (at < input.size()) {
      size_t n = std::min(step, input.size() - at);
      pending.append(input.substr(at, n));
      at += n;
    } else if (ec == http::error::need_more) {
      return ec;
    }
    p.eager(p.is_header_done());
    size_t used = p.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec && ec != http::error::need_more) return ec;
  }
  return {};
}

TEST(RequestParserTest, HeadFieldsInOrderWithSpelling) {
  Request r;
  HeaderList trailers;
  Collect sink;
  RequestParser p(r, trailers, sink, 8192, 1 << 20);
  auto ec = Feed(p,
                 "POST /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nX-Dup: 1\r\nx-dup: 2\r\n"
                 "Content-Length: 5\r\n\r\nhello",
                 3);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/a/b?c=d");
  EXPECT_EQ(r.version_minor, 1);
  ASSERT_EQ(r.headers.size(), 4u);
  EXPECT_EQ(r.headers[1].name, "X-Dup");
  EXPECT_EQ(r.headers[2].name, "x-dup");
  EXPECT_EQ(sink.body, "hello");
}

TEST(RequestParserTest, ChunkedBodyWithTrailers) {
  Request r;
  HeaderList trailers;
  Collect sink;
  RequestParser p(r, trailers, sink, 8192, 1 << 20);
  auto ec = Feed(p,
                 "PUT /x HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: abc\r\n\r\n",
                 7);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.chunked());
  EXPECT_TRUE(p.transfer_encoding_seen());
  EXPECT_EQ(sink.body, "hello world");
  ASSERT_EQ(trailers.size(), 1u);
  EXPECT_EQ(trailers[0].name, "X-Sum");
  EXPECT_EQ(r.headers.size(), 2u);
}

TEST(RequestParserTest, ExpectAndUnknownTransferCoding) {
  Request r;
  HeaderList trailers;
  Collect sink;
  RequestParser p(r, trailers, sink, 8192, 1 << 20);
  auto ec = Feed(p,
                 "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\n"
                 "Transfer-Encoding: gzip\r\n\r\n",
                 100);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_TRUE(p.expect_continue());
  EXPECT_FALSE(p.expect_other());
  EXPECT_TRUE(p.transfer_encoding_seen());
  EXPECT_FALSE(p.chunked());  // the server refuses this framing
}

TEST(RequestParserTest, Limits) {
  {
    Request r;
    HeaderList t;
    Collect s;
    RequestParser p(r, t, s, 64, 1 << 20);
    auto ec = Feed(p, "GET / HTTP/1.1\r\nX-Long: " + std::string(200, 'a') + "\r\n\r\n", 1000);
    EXPECT_EQ(ec, http::error::header_limit);
  }
  {
    Request r;
    HeaderList t;
    Collect s;
    RequestParser p(r, t, s, 8192, 10);
    auto ec = Feed(p, "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", 1000);
    EXPECT_EQ(ec, http::error::body_limit);
  }
  {
    Request r;
    HeaderList t;
    Collect s;
    RequestParser p(r, t, s, 8192, 10);
    auto ec = Feed(p, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n",
                   1000);
    EXPECT_EQ(ec, http::error::body_limit);
  }
}

TEST(RequestParserTest, MalformedInputIsAnError) {
  for (std::string bad :
       {"GARBAGE\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    Request r;
    HeaderList t;
    Collect s;
    RequestParser p(r, t, s, 8192, 1 << 20);
    auto ec = Feed(p, bad, 1000);
    EXPECT_TRUE(ec && ec != http::error::need_more) << bad;
  }
}

}  // namespace
}  // namespace wcloud::ingress
