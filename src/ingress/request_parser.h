// The HTTP/1.1 request parser: Beast's incremental basic_parser, with our own sink so header
// fields keep their order and spelling and body bytes stream out as they arrive (no message
// object, no whole-body buffer). One parser per request, as Beast requires.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string_view>

#include "ingress/exchange.h"

namespace wcloud::ingress {

class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  // Receives the body as it is parsed.
  class BodySink {
   public:
    virtual ~BodySink() = default;
    virtual void OnBody(std::string_view bytes) = 0;
  };

  // Fills `request` (method, target as sent, version, headers) and `trailers`.
  RequestParser(Request& request, HeaderList& trailers, BodySink& sink, uint32_t max_header_bytes,
                uint64_t max_body_bytes);

  // Facts gathered from the head that Beast does not keep: valid once is_header_done().
  bool transfer_encoding_seen() const { return transfer_encoding_seen_; }
  bool expect_continue() const { return expect_continue_; }
  bool expect_other() const { return expect_other_; }

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view method,
                       boost::beast::string_view target, int version,
                       boost::beast::error_code& ec) override;
  void on_response_impl(int, boost::beast::string_view, int, boost::beast::error_code&) override {}
  void on_field_impl(boost::beast::http::field field, boost::beast::string_view name,
                     boost::beast::string_view value, boost::beast::error_code& ec) override;
  void on_header_impl(boost::beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::beast::error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code&) override;
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::beast::error_code&) override;
  void on_finish_impl(boost::beast::error_code&) override {}

  Request& request_;
  HeaderList& trailers_;
  BodySink& sink_;
  bool transfer_encoding_seen_ = false;
  bool expect_continue_ = false;
  bool expect_other_ = false;
};

}  // namespace wcloud::ingress
