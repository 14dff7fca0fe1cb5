#include "apiserver/protobuf_body.h"

#include <gtest/gtest.h>

namespace wcloud::apiserver {
namespace {

// Minimal protobuf writer: enough to build what kubectl sends.
std::string Varint(uint64_t v) {
  std::string out;
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    out.push_back(static_cast<char>(v ? b | 0x80 : b));
  } while (v);
  return out;
}
std::string Bytes(uint32_t field, const std::string& data) {
  return Varint(field << 3 | 2) + Varint(data.size()) + data;
}
std::string Entry(const std::string& k, const std::string& v) { return Bytes(1, k) + Bytes(2, v); }

std::string ConfigMapBody() {
  std::string meta =
      Bytes(1, "my-configmap") + Bytes(3, "default") + Bytes(11, Entry("app", "web"));
  std::string cm = Bytes(1, meta) + Bytes(2, Entry("LOG_LEVEL", "debug")) +
                   Bytes(3, Entry("blob", std::string("\0\1", 2)));
  std::string type_meta = Bytes(1, "v1") + Bytes(2, "ConfigMap");
  return std::string("k8s\0", 4) + Bytes(1, type_meta) + Bytes(2, cm);
}

TEST(ProtobufBodyTest, DecodesAConfigMap) {
  auto j = DecodeProtobufBody(ConfigMapBody());
  ASSERT_TRUE(j) << j.error().message();
  EXPECT_EQ((*j)["kind"], "ConfigMap");
  EXPECT_EQ((*j)["metadata"]["name"], "my-configmap");
  EXPECT_EQ((*j)["metadata"]["labels"]["app"], "web");
  EXPECT_EQ((*j)["data"]["LOG_LEVEL"], "debug");
  EXPECT_EQ((*j)["binaryData"]["blob"], "AAE=");
}

TEST(ProtobufBodyTest, MalformedBodiesAreErrors) {
  std::string body = ConfigMapBody();
  for (size_t cut = 0; cut < body.size(); ++cut) {
    auto r = DecodeProtobufBody(body.substr(0, cut));
    (void)r;  // must return, error or not, for every truncation
  }
  EXPECT_FALSE(DecodeProtobufBody("not protobuf"));
  EXPECT_FALSE(
      DecodeProtobufBody(std::string("k8s\0\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 15)));
  std::string pod = std::string("k8s\0", 4) + Bytes(1, Bytes(1, "v1") + Bytes(2, "Pod"));
  auto unsupported = DecodeProtobufBody(pod);
  ASSERT_FALSE(unsupported);
  EXPECT_NE(unsupported.error().message().find("Pod"), std::string::npos);
}

}  // namespace
}  // namespace wcloud::apiserver
