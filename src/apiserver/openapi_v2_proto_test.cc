#include "apiserver/openapi_v2_proto.h"

#include <gtest/gtest.h>

#include "apiserver/openapi_v2.h"

namespace wcloud::apiserver {
namespace {

// A minimal protobuf wire-format reader: the values of one field number of a message.
struct WireField {
  uint32_t number = 0;
  uint64_t varint = 0;
  std::string bytes;  // length-delimited values
};

uint64_t ReadVarint(std::string_view data, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; pos < data.size(); shift += 7) {
    auto b = static_cast<uint8_t>(data[pos++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  ADD_FAILURE() << "truncated varint";
  return v;
}

std::vector<WireField> Parse(std::string_view data) {
  std::vector<WireField> fields;
  size_t pos = 0;
  while (pos < data.size()) {
    uint64_t key = ReadVarint(data, pos);
    WireField f;
    f.number = static_cast<uint32_t>(key >> 3);
    switch (key & 7) {
      case 0:
        f.varint = ReadVarint(data, pos);
        break;
      case 1:
        f.bytes = std::string(data.substr(pos, 8));
        pos += 8;
        break;
      case 2: {
        uint64_t len = ReadVarint(data, pos);
        if (len > data.size() - pos) {
          ADD_FAILURE() << "length past the end";
          return fields;
        }
        f.bytes = std::string(data.substr(pos, len));
        pos += len;
        break;
      }
      default:
        ADD_FAILURE() << "unexpected wire type " << (key & 7);
        return fields;
    }
    fields.push_back(std::move(f));
  }
  return fields;
}

std::vector<std::string> All(std::string_view message, uint32_t number) {
  std::vector<std::string> out;
  for (auto& f : Parse(message)) {
    if (f.number == number) out.push_back(std::move(f.bytes));
  }
  return out;
}

std::string One(std::string_view message, uint32_t number) {
  auto all = All(message, number);
  EXPECT_EQ(all.size(), 1u) << "field " << number;
  return all.empty() ? "" : all[0];
}

// The value (field 2) of the Named* entry (name = 1) called `name` among `entries`.
std::string NamedValue(const std::vector<std::string>& entries, const std::string& name) {
  for (const auto& e : entries) {
    if (One(e, 1) == name) return One(e, 2);
  }
  ADD_FAILURE() << "no entry named " << name;
  return "";
}

TEST(OpenApiV2Proto, KnownBytes) {
  auto doc = EncodeOpenApiV2Protobuf(Json::parse(R"({"swagger": "2.0"})"));
  ASSERT_TRUE(doc) << doc.error().message();
  EXPECT_EQ(*doc, std::string("\x0a\x03"
                              "2.0"));

  // Document.definitions (9) > NamedSchema (1: name, 2: Schema) > Schema.type (22, TypeItem
  // with value = 1) and Schema.vendor_extension (31, NamedAny > Any.yaml = 2).
  auto defs = EncodeOpenApiV2Protobuf(
      Json::parse(R"({"definitions": {"A": {"type": "string", "x-k": 1}}})"));
  ASSERT_TRUE(defs) << defs.error().message();
  const std::string type_item = std::string("\x0a\x06") + "string";
  const std::string any = std::string("\x12\x01") + "1";
  const std::string named_any = std::string("\x0a\x03") + "x-k" + "\x12" + char(any.size()) + any;
  const std::string schema = std::string("\xb2\x01") + char(type_item.size()) + type_item +
                             "\xfa\x01" + char(named_any.size()) + named_any;
  const std::string named_schema =
      std::string("\x0a\x01") + "A" + "\x12" + char(schema.size()) + schema;
  const std::string definitions = std::string("\x0a") + char(named_schema.size()) + named_schema;
  EXPECT_EQ(*defs, std::string("\x4a") + char(definitions.size()) + definitions);
}

TEST(OpenApiV2Proto, MembersWithoutAFieldAreErrorsNamingThem) {
  auto r = EncodeOpenApiV2Protobuf(
      Json::parse(R"({"definitions": {"A": {"properties": {"b": {"oneOf": []}}}}})"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("$.definitions.A.properties.b.oneOf"), std::string::npos)
      << r.error().message();
}

TEST(OpenApiV2Proto, TheServedDocumentDecodesBackToItsJson) {
  Json json = OpenApiV2Document();
  auto bytes = EncodeOpenApiV2Protobuf(json);
  ASSERT_TRUE(bytes) << bytes.error().message();
  EXPECT_EQ(One(*bytes, 1), "2.0");

  // The Workload definition: an object with spec and status, found by its
  // x-kubernetes-group-version-kind as kubectl finds it.
  const std::string name = "io.wcloud.runtime.wasmcloud.dev.v1alpha1.Workload";
  std::string workload = NamedValue(All(One(*bytes, 9), 1), name);
  EXPECT_EQ(One(One(workload, 22), 1), "object");
  auto properties = All(One(workload, 25), 1);
  std::vector<std::string> property_names;
  for (const auto& p : properties) property_names.push_back(One(p, 1));
  EXPECT_EQ(property_names,
            (std::vector<std::string>{"apiVersion", "kind", "metadata", "spec", "status"}));
  Json gvk = Json::parse(One(NamedValue(All(workload, 31), "x-kubernetes-group-version-kind"), 2));
  EXPECT_EQ(gvk, Json::parse(R"([{"group": "runtime.wasmcloud.dev", "version": "v1alpha1",
                                  "kind": "Workload"}])"));
  // Every definition of the JSON document is there.
  EXPECT_EQ(All(One(*bytes, 9), 1).size(), json["definitions"].size());

  // The PATCH of one workload: its kind, the patch types and the fieldValidation parameter,
  // which kubectl's v2 fallback checks before it leaves validation to the server.
  std::string item =
      NamedValue(All(One(*bytes, 8), 2),
                 "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/{namespace}/workloads/{name}");
  std::string patch = One(item, 8);
  Json op_gvk = Json::parse(One(NamedValue(All(patch, 13), "x-kubernetes-group-version-kind"), 2));
  EXPECT_EQ(op_gvk["kind"], "Workload");
  auto consumes = All(patch, 7);
  EXPECT_NE(std::find(consumes.begin(), consumes.end(), "application/merge-patch+json"),
            consumes.end());
  std::vector<std::string> query;
  for (const auto& p : All(patch, 8)) {  // ParametersItem > Parameter > NonBodyParameter > query
    auto non_body = All(One(p, 1), 2);
    if (non_body.empty()) continue;
    for (const auto& q : All(non_body[0], 3)) query.push_back(One(q, 4));
  }
  EXPECT_NE(std::find(query.begin(), query.end(), "fieldValidation"), query.end());
  // Path parameters live on the path item: name and namespace.
  EXPECT_EQ(All(item, 9).size(), 2u);
}

TEST(OpenApiV2Proto, CoreKindsAreServedWithoutClaimingTheirSchemas) {
  Json json = OpenApiV2Document();
  const Json& cm = json["definitions"]["io.wcloud.core.v1.ConfigMap"];
  EXPECT_FALSE(cm.contains("x-kubernetes-group-version-kind")) << cm.dump();
  const Json& patch = json["paths"]["/api/v1/namespaces/{namespace}/configmaps/{name}"]["patch"];
  EXPECT_EQ(patch["x-kubernetes-group-version-kind"],
            Json::parse(R"({"group": "", "version": "v1", "kind": "ConfigMap"})"));
  EXPECT_NE(patch["consumes"].dump().find("strategic-merge-patch"), std::string::npos);
  const Json& ww = json["paths"]
                       ["/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/{namespace}/"
                        "workloads/{name}"]["patch"];
  EXPECT_EQ(ww["consumes"].dump().find("strategic-merge-patch"), std::string::npos)
      << "custom resources take no strategic merge patches";
}

std::string HeaderOf(const HttpResponse& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return "";
}

TEST(OpenApiV2Serve, NegotiatesTheEncodingAndAnswersIfNoneMatch) {
  HttpRequest req;
  req.method = "GET";
  req.path = "/openapi/v2";
  req.headers["accept"] = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf";
  HttpResponse proto = ServeOpenApiV2(req);
  EXPECT_EQ(proto.status, 200);
  EXPECT_EQ(HeaderOf(proto, "Content-Type"),
            "application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
  EXPECT_EQ(proto.body, *EncodeOpenApiV2Protobuf(OpenApiV2Document()));
  const std::string etag = HeaderOf(proto, "ETag");
  ASSERT_FALSE(etag.empty());

  req.headers["if-none-match"] = etag;
  HttpResponse unchanged = ServeOpenApiV2(req);
  EXPECT_EQ(unchanged.status, 304);
  EXPECT_EQ(unchanged.body, "");

  req.headers["accept"] = "application/json";
  HttpResponse json = ServeOpenApiV2(req);
  EXPECT_EQ(json.status, 200) << "the JSON body has its own ETag";
  EXPECT_NE(HeaderOf(json, "ETag"), etag);
  EXPECT_EQ(Json::parse(json.body), OpenApiV2Document());

  req.headers.erase("if-none-match");
  req.headers["accept"] = "text/html";
  EXPECT_EQ(ServeOpenApiV2(req).status, 406);
}

}  // namespace
}  // namespace wcloud::apiserver
