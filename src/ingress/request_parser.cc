#include "ingress/request_parser.h"

namespace wcloud::ingress {

namespace http = boost::beast::http;

RequestParser::RequestParser(Request& request, HeaderList& trailers, BodySink& sink,
                             uint32_t max_header_bytes, uint64_t max_body_bytes)
    : request_(request), trailers_(trailers), sink_(sink) {
  header_limit(max_header_bytes);
  body_limit(max_body_bytes);
}

void RequestParser::on_request_impl(http::verb, boost::beast::string_view method,
                                    boost::beast::string_view target, int version,
                                    boost::beast::error_code&) {
  request_.method.assign(method);
  request_.target.assign(target);
  request_.version_minor = version % 10;
}

void RequestParser::on_field_impl(http::field field, boost::beast::string_view name,
                                  boost::beast::string_view value, boost::beast::error_code&) {
  // Fields after the head are the trailers of a chunked body.
  if (is_header_done()) {
    trailers_.Add(name, value);
    return;
  }
  if (field == http::field::transfer_encoding) transfer_encoding_seen_ = true;
  if (field == http::field::expect) {
    if (EqualsIgnoreCase(value, "100-continue")) {
      expect_continue_ = true;
    } else {
      expect_other_ = true;
    }
  }
  request_.headers.Add(name, value);
}

std::size_t RequestParser::on_body_impl(boost::beast::string_view body, boost::beast::error_code&) {
  sink_.OnBody(body);
  return body.size();
}

std::size_t RequestParser::on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                              boost::beast::error_code&) {
  sink_.OnBody(body);
  return body.size();
}

}  // namespace wcloud::ingress
