#include "wasi/http/http_error.h"

#include <gtest/gtest.h>

namespace wcloud::wasi::http {
namespace {

using component::Value;

TEST(HttpErrorTest, CasesWithPayloadsGetEmptyOnes) {
  EXPECT_EQ(ErrorCode::Of(ErrorKind::kHttpRequestDenied).ToValue(), Value::Case(15));
  EXPECT_EQ(ErrorCode::Of(ErrorKind::kDnsError).ToValue(),
            Value::Case(1, Value::Aggregate({Value::None(), Value::None()})));
  EXPECT_EQ(ErrorCode::Of(ErrorKind::kHttpResponseBodySize).ToValue(),
            Value::Case(28, Value::None()));
  EXPECT_EQ(ErrorCode::Internal("boom").ToValue(),
            Value::Case(38, Value::Some(Value::String("boom"))));
  EXPECT_EQ(ErrorCode::BodySize(ErrorKind::kHttpRequestBodySize, 7).ToValue(),
            Value::Case(17, Value::Some(Value::Unsigned(7))));
}

TEST(HttpErrorTest, GuestValuesRoundTripAndOutOfRangeIsAnError) {
  const Value tls = Value::Case(
      14, Value::Aggregate({Value::Some(Value::Unsigned(42)), Value::Some(Value::String("bad"))}));
  auto code = ErrorCode::FromValue(tls);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(code->kind(), ErrorKind::kTlsAlertReceived);
  EXPECT_EQ(code->ToValue(), tls);
  EXPECT_FALSE(ErrorCode::FromValue(Value::Case(39)).has_value());
}

TEST(HttpErrorTest, DescribedMessagesMapBack) {
  for (uint32_t i = 0; i < kErrorKindCount; ++i) {
    const auto kind = static_cast<ErrorKind>(i);
    auto back = ErrorCodeFromMessage(ErrorCode::Of(kind).Describe() + "; detail");
    ASSERT_TRUE(back.has_value()) << ErrorKindName(kind);
    EXPECT_EQ(back->kind(), kind);
  }
  EXPECT_EQ(ErrorCode::BodySize(ErrorKind::kHttpResponseBodySize, 5).Describe(),
            "HTTP-response-body-size: 5");
  auto internal = ErrorCodeFromMessage("internal-error: it broke");
  ASSERT_TRUE(internal.has_value());
  EXPECT_EQ(internal->ToValue(), ErrorCode::Internal("it broke").ToValue());
  EXPECT_FALSE(ErrorCodeFromMessage("No such file or directory").has_value());
}

}  // namespace
}  // namespace wcloud::wasi::http
