#include "nats/nkey.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

namespace wcloud::nats {
namespace {

constexpr uint8_t kSeedPrefix = 18 << 3;      // 'S'
constexpr uint8_t kCurveKeyPrefix = 23 << 3;  // 'X': X25519 keys, as NATS xkeys write them
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Wipes a buffer that may hold seed bytes when it goes out of scope (a moved-from one is empty).
// Heap buffers only: stack copies of keys are not chased.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::vector<uint8_t>& buffer) : buffer_(buffer) {}
  ~WipeOnExit() { OPENSSL_cleanse(buffer_.data(), buffer_.size()); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::vector<uint8_t>& buffer_;
};

// CRC-16/XMODEM, as the NKeys format defines.
uint16_t Crc16(const std::vector<uint8_t>& data) {
  uint16_t crc = 0;
  for (uint8_t byte : data) {
    crc ^= static_cast<uint16_t>(byte) << 8;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

std::string Base32Encode(const std::vector<uint8_t>& data) {
  std::string out;
  out.reserve((data.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kBase32[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kBase32[(buffer << (5 - bits)) & 31]);
  return out;
}

// Canonical encodings only (as Base32Encode writes them), so a key has exactly one spelling.
Result<std::vector<uint8_t>> Base32Decode(std::string_view text) {
  std::vector<uint8_t> out;
  out.reserve(text.size() * 5 / 8);  // no reallocation leaves copies of a seed behind
  WipeOnExit wipe(out);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    size_t v = kBase32.find(text[i]);
    if (v == std::string_view::npos) {  // not echoed: the text may be a seed
      return Error("invalid base32 character at offset " + std::to_string(i));
    }
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  if (bits >= 5) return Error("invalid base32 length");
  if ((buffer & ((1u << bits) - 1)) != 0) return Error("non-canonical base32 (trailing bits set)");
  return out;
}

// `raw` is wiped before it goes, as it may hold a seed.
std::string EncodeWithCrc(std::vector<uint8_t> raw) {
  uint16_t crc = Crc16(raw);
  raw.push_back(static_cast<uint8_t>(crc & 0xff));  // little-endian
  raw.push_back(static_cast<uint8_t>(crc >> 8));
  std::string out = Base32Encode(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return out;
}

Result<std::vector<uint8_t>> DecodeWithCrc(std::string_view text) {
  WCLOUD_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, Base32Decode(text));
  WipeOnExit wipe(raw);
  if (raw.size() < 3) return Error("too short");
  uint16_t want = static_cast<uint16_t>(raw[raw.size() - 2] | (raw[raw.size() - 1] << 8));
  OPENSSL_cleanse(raw.data() + raw.size() - 2, 2);
  raw.resize(raw.size() - 2);
  if (Crc16(raw) != want) return Error("checksum mismatch");
  return raw;
}

// A public key: its type byte, then the 32 key bytes.
std::string EncodePublic(uint8_t type, const std::array<uint8_t, 32>& key) {
  std::vector<uint8_t> raw;
  raw.reserve(1 + key.size() + 2);
  raw.push_back(type);
  raw.insert(raw.end(), key.begin(), key.end());
  return EncodeWithCrc(std::move(raw));
}

Result<std::array<uint8_t, 32>> DecodePublic(std::string_view text, uint8_t type) {
  WCLOUD_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, DecodeWithCrc(text));
  if (raw.size() != 33) return Error("wrong length for a public nkey");
  if (raw[0] != type) return Error("wrong key type prefix");
  std::array<uint8_t, 32> key{};
  std::copy(raw.begin() + 1, raw.end(), key.begin());
  return key;
}

// A seed: 'S' and the key type in the first two bytes' leading bits, then the 32 private key
// bytes (an Ed25519 seed, or an X25519 private key for curve keys).
std::string EncodeSeed(uint8_t type, const std::array<uint8_t, 32>& key) {
  std::vector<uint8_t> raw;
  raw.reserve(2 + key.size() + 2);  // EncodeWithCrc's CRC fits: no copy is left unwiped
  raw.push_back(static_cast<uint8_t>(kSeedPrefix | (type >> 5)));
  raw.push_back(static_cast<uint8_t>((type & 31) << 3));
  raw.insert(raw.end(), key.begin(), key.end());
  return EncodeWithCrc(std::move(raw));
}

struct DecodedSeed {
  uint8_t type;
  std::array<uint8_t, 32> key;
};

Result<DecodedSeed> DecodeSeed(std::string_view text) {
  WCLOUD_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, DecodeWithCrc(text));
  WipeOnExit wipe(raw);
  if (raw.size() != 34) return Error("wrong length");
  uint8_t b0 = raw[0], b1 = raw[1];
  if ((b0 & 0xf8) != kSeedPrefix) return Error("does not start with S");
  DecodedSeed seed{static_cast<uint8_t>(((b0 & 7) << 5) | ((b1 & 0xf8) >> 3)), {}};
  std::copy(raw.begin() + 2, raw.end(), seed.key.begin());
  return seed;
}

using PKey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

Result<std::array<uint8_t, 32>> PublicFromSeed(const std::array<uint8_t, 32>& seed) {
  PKey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()),
           &EVP_PKEY_free);
  if (!key) return Error("ed25519: cannot load private key");
  std::array<uint8_t, 32> pub{};
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != pub.size()) {
    return Error("ed25519: cannot derive public key");
  }
  return pub;
}

bool KnownType(uint8_t t) {
  return t == static_cast<uint8_t>(NKeyType::kServer) ||
         t == static_cast<uint8_t>(NKeyType::kUser) ||
         t == static_cast<uint8_t>(NKeyType::kAccount) ||
         t == static_cast<uint8_t>(NKeyType::kOperator);
}

}  // namespace

Result<NKeyPair> NKeyPair::Generate(NKeyType type) {
  std::array<uint8_t, 32> seed{};
  if (RAND_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return Error("nkey: the system random generator failed");
  }
  WCLOUD_ASSIGN_OR_RETURN(auto pub, PublicFromSeed(seed));
  return NKeyPair(type, seed, pub);
}

Result<NKeyPair> NKeyPair::FromSeed(std::string_view text) {
  auto seed = DecodeSeed(text);
  if (!seed) return seed.error().Wrap("nkey seed");
  if (!KnownType(seed->type)) return Error("nkey seed: unknown key type");
  WCLOUD_ASSIGN_OR_RETURN(auto pub, PublicFromSeed(seed->key));
  return NKeyPair(static_cast<NKeyType>(seed->type), seed->key, pub);
}

Result<NKeyPair> NKeyPair::LoadOrCreate(const std::filesystem::path& path, NKeyType type) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
      text.pop_back();
    }
    auto pair = FromSeed(text);
    if (!pair) return pair.error().Wrap(path.string());
    if (pair->type() != type) return Error(path.string() + ": nkey seed is of another key type");
    return pair;
  }
  WCLOUD_ASSIGN_OR_RETURN(NKeyPair pair, Generate(type));
  std::filesystem::create_directories(path.parent_path(), ec);
  // Written to a temporary file and renamed, so a crash never leaves a half-written identity.
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return Error(tmp.string() + ": cannot create");
  std::string seed = pair.Seed() + "\n";
  bool ok =
      write(fd, seed.data(), seed.size()) == static_cast<ssize_t>(seed.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    return Error(path.string() + ": cannot write nkey seed");
  }
  return pair;
}

std::string NKeyPair::PublicKey() const {
  return EncodePublic(static_cast<uint8_t>(type_), public_key_);
}

std::string NKeyPair::Seed() const { return EncodeSeed(static_cast<uint8_t>(type_), seed_); }

std::array<uint8_t, 64> NKeyPair::Sign(std::string_view message) const {
  std::array<uint8_t, 64> sig{};
  PKey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()),
           &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  size_t len = sig.size();
  [[maybe_unused]] bool ok =
      key && ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
      EVP_DigestSign(ctx.get(), sig.data(), &len,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
  assert(ok && len == sig.size());
  return sig;
}

Status ValidatePublicNKey(std::string_view public_key, NKeyType type) {
  auto key = DecodePublic(public_key, static_cast<uint8_t>(type));
  if (!key) return key.error();
  return Ok();
}

bool VerifyNKeySignature(std::string_view public_key, NKeyType type, std::string_view message,
                         std::string_view signature) {
  auto raw = DecodePublic(public_key, static_cast<uint8_t>(type));
  if (!raw) return false;
  PKey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw->data(), raw->size()),
           &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string EncodeCurvePublicKey(const std::array<uint8_t, 32>& key) {
  return EncodePublic(kCurveKeyPrefix, key);
}

Result<std::array<uint8_t, 32>> DecodeCurvePublicKey(std::string_view text) {
  auto key = DecodePublic(text, kCurveKeyPrefix);
  if (!key) return key.error().Wrap("curve public key");
  return key;
}

std::string EncodeCurveSeed(const std::array<uint8_t, 32>& private_key) {
  return EncodeSeed(kCurveKeyPrefix, private_key);
}

Result<std::array<uint8_t, 32>> DecodeCurveSeed(std::string_view text) {
  auto seed = DecodeSeed(text);
  if (!seed) return seed.error().Wrap("curve seed");
  if (seed->type != kCurveKeyPrefix) return Error("curve seed: not a curve key seed (SX...)");
  return seed->key;
}

}  // namespace wcloud::nats
