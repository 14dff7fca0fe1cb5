#include "nats/nkey.h"

#include <fcntl.h>
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

constexpr uint8_t kSeedPrefix = 18 << 3;  // 'S'
constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

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

Result<std::vector<uint8_t>> Base32Decode(std::string_view text) {
  std::vector<uint8_t> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kBase32.find(c);
    if (v == std::string_view::npos)
      return Error(std::string("invalid base32 character '") + c + "'");
    buffer = (buffer << 5) | static_cast<uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  return out;
}

std::string EncodeWithCrc(std::vector<uint8_t> raw) {
  uint16_t crc = Crc16(raw);
  raw.push_back(static_cast<uint8_t>(crc & 0xff));  // little-endian
  raw.push_back(static_cast<uint8_t>(crc >> 8));
  return Base32Encode(raw);
}

Result<std::vector<uint8_t>> DecodeWithCrc(std::string_view text) {
  WCLOUD_ASSIGN_OR_RETURN(std::vector<uint8_t> raw, Base32Decode(text));
  if (raw.size() < 3) return Error("too short");
  uint16_t want = static_cast<uint16_t>(raw[raw.size() - 2] | (raw[raw.size() - 1] << 8));
  raw.resize(raw.size() - 2);
  if (Crc16(raw) != want) return Error("checksum mismatch");
  return raw;
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
  auto raw = DecodeWithCrc(text);
  if (!raw) return raw.error().Wrap("nkey seed");
  if (raw->size() != 34) return Error("nkey seed: wrong length");
  uint8_t b0 = (*raw)[0], b1 = (*raw)[1];
  if ((b0 & 0xf8) != kSeedPrefix) return Error("nkey seed: does not start with S");
  auto type = static_cast<uint8_t>(((b0 & 7) << 5) | ((b1 & 0xf8) >> 3));
  if (!KnownType(type)) return Error("nkey seed: unknown key type");
  std::array<uint8_t, 32> seed{};
  std::copy(raw->begin() + 2, raw->end(), seed.begin());
  WCLOUD_ASSIGN_OR_RETURN(auto pub, PublicFromSeed(seed));
  return NKeyPair(static_cast<NKeyType>(type), seed, pub);
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
  std::vector<uint8_t> raw{static_cast<uint8_t>(type_)};
  raw.insert(raw.end(), public_key_.begin(), public_key_.end());
  return EncodeWithCrc(std::move(raw));
}

std::string NKeyPair::Seed() const {
  auto t = static_cast<uint8_t>(type_);
  std::vector<uint8_t> raw{static_cast<uint8_t>(kSeedPrefix | (t >> 5)),
                           static_cast<uint8_t>((t & 31) << 3)};
  raw.insert(raw.end(), seed_.begin(), seed_.end());
  return EncodeWithCrc(std::move(raw));
}

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
  auto raw = DecodeWithCrc(public_key);
  if (!raw) return raw.error();
  if (raw->size() != 33) return Error("wrong length for a public nkey");
  if ((*raw)[0] != static_cast<uint8_t>(type)) return Error("wrong key type prefix");
  return Ok();
}

bool VerifyNKeySignature(std::string_view public_key, NKeyType type, std::string_view message,
                         std::string_view signature) {
  if (!ValidatePublicNKey(public_key, type)) return false;
  auto raw = DecodeWithCrc(public_key);
  PKey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw->data() + 1, 32),
           &EVP_PKEY_free);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

}  // namespace wcloud::nats
