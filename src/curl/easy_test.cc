#include "curl/easy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace wcloud::curl {
namespace {

std::vector<std::string> Lines(const HeaderList& list) {
  std::vector<std::string> out;
  for (curl_slist* l = list.get(); l != nullptr; l = l->next) out.emplace_back(l->data);
  return out;
}

TEST(HeaderList, KeepsLinesInOrderAndMovesOwnership) {
  HeaderList list({"Accept: application/json", "X-A: 1"});
  ASSERT_TRUE(list.Append("Expect:"));
  EXPECT_EQ(Lines(list),
            (std::vector<std::string>{"Accept: application/json", "X-A: 1", "Expect:"}));
  HeaderList moved(std::move(list));
  EXPECT_EQ(list.get(), nullptr);  // NOLINT(bugprone-use-after-move): the moved-from state
  EXPECT_EQ(Lines(moved).size(), 3u);
  HeaderList assigned;
  assigned = std::move(moved);
  EXPECT_EQ(Lines(assigned).back(), "Expect:");
}

TEST(Escape, PercentEncodesQueryValues) {
  Easy easy = NewEasy();
  ASSERT_NE(easy, nullptr);
  EXPECT_EQ(Escape(easy.get(), "repository:a/b:pull,push"), "repository%3Aa%2Fb%3Apull%2Cpush");
  EXPECT_EQ(Escape(easy.get(), ""), "");
}

// SetCommon allows only http and https: a file:// URL (which a redirect or a user's URL could
// name) is refused by libcurl instead of read.
TEST(SetCommon, RefusesOtherProtocols) {
  Easy easy = NewEasy();
  ASSERT_NE(easy, nullptr);
  SetCommon(easy.get(), "file:///etc/hostname", std::chrono::seconds(1));
  BodySink sink(1024);
  CollectBody(easy.get(), sink);
  CURLcode rc = curl_easy_perform(easy.get());
  EXPECT_EQ(rc, CURLE_UNSUPPORTED_PROTOCOL);
  EXPECT_TRUE(sink.data.empty());
  Error e = TransferError("GET file:///etc/hostname", rc, &sink);
  EXPECT_NE(e.message().find("GET file:///etc/hostname: "), std::string::npos) << e.message();
}

TEST(TransferError, NamesTheBodyLimitWhenTheSinkStoppedTheTransfer) {
  BodySink sink(16);
  sink.too_large = true;
  EXPECT_EQ(TransferError("GET http://x/", CURLE_WRITE_ERROR, &sink).message(),
            "GET http://x/: response larger than 16 bytes");
}

}  // namespace
}  // namespace wcloud::curl
