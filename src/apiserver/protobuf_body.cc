#include "apiserver/protobuf_body.h"

#include <functional>
#include <map>

#include "util/base64.h"
#include "util/leb128.h"
#include "util/timestamp.h"
#include "util/utf8.h"

namespace wcloud::apiserver {
namespace {

// One field of a protobuf message on the wire.
struct WireField {
  uint32_t number = 0;
  uint32_t type = 0;  // 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32
  uint64_t varint = 0;
  std::string_view bytes;
};

class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  // Next field, or nullopt at the end; sets error() on malformed input.
  std::optional<WireField> Next() {
    if (pos_ >= data_.size() || !error_.empty()) return std::nullopt;
    auto key = Varint();
    if (!key) return std::nullopt;
    WireField f;
    f.number = static_cast<uint32_t>(*key >> 3);
    f.type = static_cast<uint32_t>(*key & 7);
    switch (f.type) {
      case 0: {
        auto v = Varint();
        if (!v) return std::nullopt;
        f.varint = *v;
        break;
      }
      case 1:
      case 5: {
        size_t n = f.type == 1 ? 8 : 4;
        if (data_.size() - pos_ < n) return Fail("truncated fixed field");
        pos_ += n;
        break;
      }
      case 2: {
        auto len = Varint();
        if (!len) return std::nullopt;
        if (*len > data_.size() - pos_) return Fail("length past the end of the message");
        f.bytes = data_.substr(pos_, *len);
        pos_ += *len;
        break;
      }
      default:
        return Fail("unsupported wire type " + std::to_string(f.type));
    }
    return f;
  }
  const std::string& error() const { return error_; }

 private:
  std::optional<uint64_t> Varint() {
    const auto* at = reinterpret_cast<const uint8_t*>(data_.data());
    const LebRead read = ReadLeb128(at + pos_, at + data_.size(), 64);
    pos_ += read.length;
    if (read.ok()) return read.value;
    if (read.status == LebStatus::kTruncated) return Fail("truncated varint");
    if (read.status == LebStatus::kTooLong) return Fail("varint too long");
    return Fail("varint overflows 64 bits");
  }
  std::nullopt_t Fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return std::nullopt;
  }

  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

using Decoder = std::function<Status(std::string_view, Json&)>;

// Walks a message, handing each field to `on_field`.
Status Walk(std::string_view message, const std::function<Status(const WireField&)>& on_field) {
  WireReader r(message);
  while (auto f = r.Next()) WCLOUD_TRY_STATUS(on_field(*f));
  if (!r.error().empty()) return Error("protobuf: " + r.error());
  return Ok();
}

// A proto3 string field: UTF-8, as Go's protobuf insists, since it becomes a JSON string.
Result<std::string> Utf8(std::string_view bytes, const std::string& field) {
  if (auto bad = FindInvalidUtf8(bytes)) {
    return Error(field + ": invalid UTF-8 at byte " + std::to_string(*bad) + " of the string");
  }
  return std::string(bytes);
}

// map<string, string|bytes> entries of `field`: {1: key, 2: value}.
Status MapEntry(std::string_view entry, Json& map, bool bytes_value, const std::string& field) {
  std::string key, value;
  WCLOUD_TRY_STATUS(Walk(entry, [&](const WireField& f) -> Status {
    if (f.number == 1) {
      WCLOUD_ASSIGN_OR_RETURN(key, Utf8(f.bytes, field + " key"));
    }
    if (f.number == 2) {
      if (bytes_value) {
        value = Base64Encode(std::string(f.bytes));
      } else {
        WCLOUD_ASSIGN_OR_RETURN(value, Utf8(f.bytes, field + "[" + key + "]"));
      }
    }
    return Ok();
  }));
  if (!map.is_null() && !map.is_object()) return Error(field + ": not a map");
  map[key] = value;
  return Ok();
}

Status DecodeMeta(std::string_view data, Json& meta) {
  static const std::map<uint32_t, const char*> kStrings = {
      {1, "name"}, {2, "generateName"}, {3, "namespace"}, {5, "uid"}, {6, "resourceVersion"}};
  return Walk(data, [&](const WireField& f) -> Status {
    if (auto it = kStrings.find(f.number); it != kStrings.end() && f.type == 2) {
      WCLOUD_ASSIGN_OR_RETURN(meta[it->second],
                              Utf8(f.bytes, std::string("metadata.") + it->second));
    } else if (f.number == 7 && f.type == 0) {
      meta["generation"] = static_cast<int64_t>(f.varint);
    } else if (f.number == 11 && f.type == 2) {
      return MapEntry(f.bytes, meta["labels"], false, "metadata.labels");
    } else if (f.number == 12 && f.type == 2) {
      return MapEntry(f.bytes, meta["annotations"], false, "metadata.annotations");
    } else if (f.number == 14 && f.type == 2) {
      WCLOUD_ASSIGN_OR_RETURN(auto finalizer, Utf8(f.bytes, "metadata.finalizers"));
      meta["finalizers"].push_back(std::move(finalizer));
    } else if (f.number == 13 && f.type == 2) {
      Json ref = Json::object();
      WCLOUD_TRY_STATUS(Walk(f.bytes, [&](const WireField& g) -> Status {
        static const std::map<uint32_t, const char*> kRefStrings = {
            {1, "kind"}, {3, "name"}, {4, "uid"}, {5, "apiVersion"}};
        if (auto it = kRefStrings.find(g.number); it != kRefStrings.end()) {
          WCLOUD_ASSIGN_OR_RETURN(
              ref[it->second],
              Utf8(g.bytes, std::string("metadata.ownerReferences.") + it->second));
        }
        if (g.number == 6) ref["controller"] = g.varint != 0;
        if (g.number == 7) ref["blockOwnerDeletion"] = g.varint != 0;
        return Ok();
      }));
      meta["ownerReferences"].push_back(ref);
    }
    // creationTimestamp and the rest are the server's to set.
    return Ok();
  });
}

Status DecodeObject(const std::string& kind, std::string_view raw, Json& out) {
  Json meta = Json::object();
  auto common = [&](const WireField& f) -> Status {
    if (f.number == 1 && f.type == 2) return DecodeMeta(f.bytes, meta);
    return Ok();
  };
  if (kind == "ConfigMap") {
    WCLOUD_TRY_STATUS(Walk(raw, [&](const WireField& f) -> Status {
      if (f.number == 2 && f.type == 2) return MapEntry(f.bytes, out["data"], false, "data");
      if (f.number == 3 && f.type == 2) {
        return MapEntry(f.bytes, out["binaryData"], true, "binaryData");
      }
      if (f.number == 4 && f.type == 0) out["immutable"] = f.varint != 0;
      return common(f);
    }));
  } else if (kind == "Secret") {
    WCLOUD_TRY_STATUS(Walk(raw, [&](const WireField& f) -> Status {
      if (f.number == 2 && f.type == 2) return MapEntry(f.bytes, out["data"], true, "data");
      if (f.number == 3 && f.type == 2) {
        WCLOUD_ASSIGN_OR_RETURN(out["type"], Utf8(f.bytes, "type"));
      }
      if (f.number == 4 && f.type == 2) {
        return MapEntry(f.bytes, out["stringData"], false, "stringData");
      }
      if (f.number == 5 && f.type == 0) out["immutable"] = f.varint != 0;
      return common(f);
    }));
  } else if (kind == "Namespace") {
    WCLOUD_TRY_STATUS(Walk(raw, common));
  } else {
    return Error("protobuf bodies are accepted for ConfigMap, Secret and Namespace, not " + kind +
                 "; send JSON");
  }
  out["metadata"] = meta;
  return Ok();
}

}  // namespace

Result<Json> DecodeProtobufBody(std::string_view body) {
  constexpr std::string_view kMagic("k8s\0", 4);
  if (body.substr(0, 4) != kMagic) return Error("protobuf body without the k8s envelope");
  std::string api_version, kind;
  std::string_view raw;
  WCLOUD_TRY_STATUS(Walk(body.substr(4), [&](const WireField& f) -> Status {
    if (f.number == 1 && f.type == 2) {
      return Walk(f.bytes, [&](const WireField& t) -> Status {
        if (t.number == 1) {
          WCLOUD_ASSIGN_OR_RETURN(api_version, Utf8(t.bytes, "apiVersion"));
        }
        if (t.number == 2) {
          WCLOUD_ASSIGN_OR_RETURN(kind, Utf8(t.bytes, "kind"));
        }
        return Ok();
      });
    }
    if (f.number == 2 && f.type == 2) raw = f.bytes;
    return Ok();
  }));
  Json out = {{"apiVersion", api_version.empty() ? "v1" : api_version}, {"kind", kind}};
  WCLOUD_TRY_STATUS(DecodeObject(kind, raw, out));
  return out;
}

}  // namespace wcloud::apiserver
