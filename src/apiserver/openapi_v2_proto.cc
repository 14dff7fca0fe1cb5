#include "apiserver/openapi_v2_proto.h"

#include <bit>
#include <cstdint>

namespace wcloud::apiserver {
namespace {

// Protobuf wire format: a key (field number << 3 | wire type), then a varint, 8 little-endian
// bytes (double) or a length and bytes (strings and messages).
class ProtoWriter {
 public:
  void Varint(uint32_t field, uint64_t v) {
    Key(field, 0);
    Raw(v);
  }
  void Bool(uint32_t field, bool v) { Varint(field, v ? 1 : 0); }
  void Double(uint32_t field, double v) {
    Key(field, 1);
    auto bits = std::bit_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  }
  void Bytes(uint32_t field, const std::string& bytes) {
    Key(field, 2);
    Raw(bytes.size());
    out_ += bytes;
  }
  std::string Take() { return std::move(out_); }

 private:
  void Key(uint32_t field, uint32_t wire_type) { Raw((uint64_t{field} << 3) | wire_type); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  std::string out_;
};

bool IsExtension(const std::string& key) { return key.rfind("x-", 0) == 0; }

// Maps each member of a JSON object onto the fields of one message. Members the message has no
// field for are recorded as the encoding's error (the first one wins).
class Encoder {
 public:
  const std::string& error() const { return error_; }

  std::string Document(const Json& j) {
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      const std::string at = "$." + k;
      if (k == "swagger") {
        String(w, 1, v, at);
      } else if (k == "info") {
        w.Bytes(2, Info(v, at));
      } else if (k == "host") {
        String(w, 3, v, at);
      } else if (k == "basePath") {
        String(w, 4, v, at);
      } else if (k == "schemes") {
        Strings(w, 5, v, at);
      } else if (k == "consumes") {
        Strings(w, 6, v, at);
      } else if (k == "produces") {
        Strings(w, 7, v, at);
      } else if (k == "paths") {
        w.Bytes(8, Paths(v, at));
      } else if (k == "definitions") {
        ProtoWriter defs;  // Definitions: repeated NamedSchema additional_properties = 1
        if (!IsObject(v, at)) continue;
        for (auto d = v.begin(); d != v.end(); ++d) {
          defs.Bytes(1, Named(d.key(), Schema(d.value(), at + "." + d.key())));
        }
        w.Bytes(9, defs.Take());
      } else {
        Other(w, 16, k, v, at);
      }
    }
    return w.Take();
  }

 private:
  // NamedAny, NamedSchema, NamedPathItem, ...: name = 1, value = 2.
  static std::string Named(const std::string& name, const std::string& value) {
    ProtoWriter w;
    w.Bytes(1, name);
    w.Bytes(2, value);
    return w.Take();
  }
  // Any: yaml = 2, the value as text (JSON is YAML), which clients parse with a YAML decoder.
  static std::string Any(const Json& v) {
    ProtoWriter w;
    w.Bytes(2, v.dump());
    return w.Take();
  }

  void Fail(const std::string& why) {
    if (error_.empty()) error_ = why;
  }
  // Iterating members needs an object: false (and the error) for anything else.
  bool IsObject(const Json& j, const std::string& at) {
    if (!j.is_object()) Fail(at + ": expected an object");
    return j.is_object();
  }
  // A vendor extension (x-...) into `field` (repeated NamedAny); anything else is unmapped.
  void Other(ProtoWriter& w, uint32_t field, const std::string& key, const Json& v,
             const std::string& at) {
    if (IsExtension(key)) {
      w.Bytes(field, Named(key, Any(v)));
    } else {
      Fail(at + ": no field for it in the protobuf encoding");
    }
  }
  void String(ProtoWriter& w, uint32_t field, const Json& v, const std::string& at) {
    if (!v.is_string()) return Fail(at + ": expected a string");
    w.Bytes(field, v.get<std::string>());
  }
  void Strings(ProtoWriter& w, uint32_t field, const Json& v, const std::string& at) {
    if (!v.is_array()) return Fail(at + ": expected a list of strings");
    for (size_t i = 0; i < v.size(); ++i)
      String(w, field, v[i], at + "[" + std::to_string(i) + "]");
  }
  void Bool(ProtoWriter& w, uint32_t field, const Json& v, const std::string& at) {
    if (!v.is_boolean()) return Fail(at + ": expected a boolean");
    w.Bool(field, v.get<bool>());
  }
  void Int(ProtoWriter& w, uint32_t field, const Json& v, const std::string& at) {
    if (!v.is_number_integer()) return Fail(at + ": expected an integer");
    w.Varint(field, static_cast<uint64_t>(v.get<int64_t>()));
  }
  void Number(ProtoWriter& w, uint32_t field, const Json& v, const std::string& at) {
    if (!v.is_number()) return Fail(at + ": expected a number");
    w.Double(field, v.get<double>());
  }

  std::string Info(const Json& j, const std::string& path) {
    if (!IsObject(j, path)) return "";
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string at = path + "." + it.key();
      if (it.key() == "title") {
        String(w, 1, it.value(), at);
      } else if (it.key() == "version") {
        String(w, 2, it.value(), at);
      } else if (it.key() == "description") {
        String(w, 3, it.value(), at);
      } else {
        Other(w, 7, it.key(), it.value(), at);
      }
    }
    return w.Take();
  }

  std::string Paths(const Json& j, const std::string& path) {
    if (!IsObject(j, path)) return "";
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string at = path + "." + it.key();
      if (IsExtension(it.key())) {
        Other(w, 1, it.key(), it.value(), at);
      } else {
        w.Bytes(2, Named(it.key(), PathItem(it.value(), at)));
      }
    }
    return w.Take();
  }

  std::string PathItem(const Json& j, const std::string& path) {
    if (!IsObject(j, path)) return "";
    static const std::pair<const char*, uint32_t> kOperations[] = {
        {"get", 2},     {"put", 3},  {"post", 4}, {"delete", 5},
        {"options", 6}, {"head", 7}, {"patch", 8}};
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const std::string at = path + "." + k;
      uint32_t op = 0;
      for (const auto& [name, field] : kOperations) {
        if (k == name) op = field;
      }
      if (op != 0) {
        w.Bytes(op, Operation(it.value(), at));
      } else if (k == "$ref") {
        String(w, 1, it.value(), at);
      } else if (k == "parameters") {
        Parameters(w, 9, it.value(), at);
      } else {
        Other(w, 10, k, it.value(), at);
      }
    }
    return w.Take();
  }

  std::string Operation(const Json& j, const std::string& path) {
    if (!IsObject(j, path)) return "";
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      const std::string at = path + "." + k;
      if (k == "tags") {
        Strings(w, 1, v, at);
      } else if (k == "summary") {
        String(w, 2, v, at);
      } else if (k == "description") {
        String(w, 3, v, at);
      } else if (k == "operationId") {
        String(w, 5, v, at);
      } else if (k == "produces") {
        Strings(w, 6, v, at);
      } else if (k == "consumes") {
        Strings(w, 7, v, at);
      } else if (k == "parameters") {
        Parameters(w, 8, v, at);
      } else if (k == "responses") {
        w.Bytes(9, Responses(v, at));
      } else if (k == "schemes") {
        Strings(w, 10, v, at);
      } else if (k == "deprecated") {
        Bool(w, 11, v, at);
      } else {
        Other(w, 13, k, v, at);
      }
    }
    return w.Take();
  }

  // repeated ParametersItem: parameter = 1 (Parameter), or json_reference = 2 for a $ref.
  void Parameters(ProtoWriter& w, uint32_t field, const Json& list, const std::string& path) {
    if (!list.is_array()) return Fail(path + ": expected a list");
    for (size_t i = 0; i < list.size(); ++i) {
      const Json& p = list[i];
      const std::string at = path + "[" + std::to_string(i) + "]";
      if (!IsObject(p, at)) continue;
      ProtoWriter item;
      if (p.contains("$ref")) {
        ProtoWriter ref;  // JsonReference: _ref = 1
        String(ref, 1, p["$ref"], at + ".$ref");
        item.Bytes(2, ref.Take());
      } else {
        item.Bytes(1, Parameter(p, at));
      }
      w.Bytes(field, item.Take());
    }
  }

  // Parameter: body_parameter = 1, or non_body_parameter = 2 whose oneof holds the query (3) or
  // path (4) sub-schema. The field numbers of the shared members differ per sub-schema.
  std::string Parameter(const Json& j, const std::string& path) {
    if (!IsObject(j, path)) return "";
    auto in_member = j.find("in");
    const std::string in =
        in_member != j.end() && in_member->is_string() ? in_member->get<std::string>() : "";
    struct Fields {
      uint32_t required, in, description, name, type, format, unique_items, extension;
      uint32_t schema;  // body only
    };
    Fields f{};
    uint32_t oneof = 0;
    if (in == "body") {
      f = {4, 3, 1, 2, 0, 0, 0, 6, 5};
    } else if (in == "query") {
      f = {1, 2, 3, 4, 6, 7, 20, 23, 0};
      oneof = 3;
    } else if (in == "path") {
      f = {1, 2, 3, 4, 5, 6, 19, 22, 0};
      oneof = 4;
    } else {
      Fail(path + ".in: \"" + in + "\" parameters have no encoding here");
      return "";
    }
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      const std::string at = path + "." + k;
      if (k == "required") {
        Bool(w, f.required, v, at);
      } else if (k == "in") {
        String(w, f.in, v, at);
      } else if (k == "description") {
        String(w, f.description, v, at);
      } else if (k == "name") {
        String(w, f.name, v, at);
      } else if (k == "type" && f.type) {
        String(w, f.type, v, at);
      } else if (k == "format" && f.format) {
        String(w, f.format, v, at);
      } else if (k == "uniqueItems" && f.unique_items) {
        Bool(w, f.unique_items, v, at);
      } else if (k == "schema" && f.schema) {
        w.Bytes(f.schema, Schema(v, at));
      } else {
        Other(w, f.extension, k, v, at);
      }
    }
    ProtoWriter parameter;
    if (oneof == 0) {
      parameter.Bytes(1, w.Take());
    } else {
      ProtoWriter non_body;
      non_body.Bytes(oneof, w.Take());
      parameter.Bytes(2, non_body.Take());
    }
    return parameter.Take();
  }

  // Responses: response_code = 1 (NamedResponseValue of ResponseValue{response = 1}).
  std::string Responses(const Json& j, const std::string& path) {
    if (!IsObject(j, path)) return "";
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string at = path + "." + it.key();
      if (IsExtension(it.key())) {
        Other(w, 2, it.key(), it.value(), at);
        continue;
      }
      ProtoWriter response;
      if (!IsObject(it.value(), at)) continue;
      for (auto r = it.value().begin(); r != it.value().end(); ++r) {
        if (r.key() == "description") {
          String(response, 1, r.value(), at + ".description");
        } else if (r.key() == "schema") {
          ProtoWriter item;  // SchemaItem: schema = 1
          item.Bytes(1, Schema(r.value(), at + ".schema"));
          response.Bytes(2, item.Take());
        } else {
          Other(response, 5, r.key(), r.value(), at + "." + r.key());
        }
      }
      ProtoWriter value;
      value.Bytes(1, response.Take());
      w.Bytes(1, Named(it.key(), value.Take()));
    }
    return w.Take();
  }

  std::string Schema(const Json& j, const std::string& path) {
    if (!IsObject(j, path)) return "";
    ProtoWriter w;
    for (auto it = j.begin(); it != j.end(); ++it) {
      const std::string& k = it.key();
      const Json& v = it.value();
      const std::string at = path + "." + k;
      if (k == "$ref") {
        String(w, 1, v, at);
      } else if (k == "format") {
        String(w, 2, v, at);
      } else if (k == "title") {
        String(w, 3, v, at);
      } else if (k == "description") {
        String(w, 4, v, at);
      } else if (k == "default") {
        w.Bytes(5, Any(v));
      } else if (k == "multipleOf") {
        Number(w, 6, v, at);
      } else if (k == "maximum") {
        Number(w, 7, v, at);
      } else if (k == "exclusiveMaximum") {
        Bool(w, 8, v, at);
      } else if (k == "minimum") {
        Number(w, 9, v, at);
      } else if (k == "exclusiveMinimum") {
        Bool(w, 10, v, at);
      } else if (k == "maxLength") {
        Int(w, 11, v, at);
      } else if (k == "minLength") {
        Int(w, 12, v, at);
      } else if (k == "pattern") {
        String(w, 13, v, at);
      } else if (k == "maxItems") {
        Int(w, 14, v, at);
      } else if (k == "minItems") {
        Int(w, 15, v, at);
      } else if (k == "uniqueItems") {
        Bool(w, 16, v, at);
      } else if (k == "maxProperties") {
        Int(w, 17, v, at);
      } else if (k == "minProperties") {
        Int(w, 18, v, at);
      } else if (k == "required") {
        Strings(w, 19, v, at);
      } else if (k == "enum") {
        if (!v.is_array()) Fail(at + ": expected a list");
        for (const auto& e : v) w.Bytes(20, Any(e));
      } else if (k == "additionalProperties") {
        ProtoWriter item;  // AdditionalPropertiesItem: schema = 1 | boolean = 2
        if (v.is_boolean()) {
          item.Bool(2, v.get<bool>());
        } else {
          item.Bytes(1, Schema(v, at));
        }
        w.Bytes(21, item.Take());
      } else if (k == "type") {
        ProtoWriter type;  // TypeItem: repeated string value = 1
        if (v.is_array()) {
          Strings(type, 1, v, at);
        } else {
          String(type, 1, v, at);
        }
        w.Bytes(22, type.Take());
      } else if (k == "items") {
        ProtoWriter items;  // ItemsItem: repeated Schema schema = 1
        if (v.is_array()) {
          for (size_t i = 0; i < v.size(); ++i) {
            items.Bytes(1, Schema(v[i], at + "[" + std::to_string(i) + "]"));
          }
        } else {
          items.Bytes(1, Schema(v, at));
        }
        w.Bytes(23, items.Take());
      } else if (k == "allOf") {
        if (!v.is_array()) Fail(at + ": expected a list");
        for (size_t i = 0; i < v.size(); ++i) {
          w.Bytes(24, Schema(v[i], at + "[" + std::to_string(i) + "]"));
        }
      } else if (k == "properties") {
        ProtoWriter properties;  // Properties: repeated NamedSchema additional_properties = 1
        if (!IsObject(v, at)) continue;
        for (auto p = v.begin(); p != v.end(); ++p) {
          properties.Bytes(1, Named(p.key(), Schema(p.value(), at + "." + p.key())));
        }
        w.Bytes(25, properties.Take());
      } else if (k == "readOnly") {
        Bool(w, 27, v, at);
      } else if (k == "example") {
        w.Bytes(30, Any(v));
      } else {
        Other(w, 31, k, v, at);
      }
    }
    return w.Take();
  }

  std::string error_;
};

}  // namespace

Result<std::string> EncodeOpenApiV2Protobuf(const Json& document) {
  if (!document.is_object()) return Error("the OpenAPI v2 document is not an object");
  Encoder encoder;
  std::string bytes = encoder.Document(document);
  if (!encoder.error().empty()) {
    return Error("OpenAPI v2 protobuf: " + encoder.error(), ErrorCode::kInternal);
  }
  return bytes;
}

}  // namespace wcloud::apiserver
