// NATS NKeys: Ed25519 key pairs written as base32 with a type prefix and a CRC16. A host's ID is
// the public key of a server ("N...") pair generated once and kept in its data dir, so a restarted
// host is the same Host.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::nats {

// The first letter of an encoded public key says what the key identifies.
enum class NKeyType : uint8_t {
  kServer = 13 << 3,    // 'N': hosts
  kUser = 20 << 3,      // 'U'
  kAccount = 0,         // 'A'
  kOperator = 14 << 3,  // 'O'
};

class NKeyPair {
 public:
  // A new pair from the system's CSPRNG.
  static Result<NKeyPair> Generate(NKeyType type);
  // Decodes an encoded seed ("SN...", "SU..."), checking its CRC and type.
  static Result<NKeyPair> FromSeed(std::string_view seed);
  // Reads the seed at `path`, or generates a pair and writes its seed there (mode 0600).
  static Result<NKeyPair> LoadOrCreate(const std::filesystem::path& path, NKeyType type);

  NKeyType type() const { return type_; }
  std::string PublicKey() const;  // e.g. "NAB..." (56 characters)
  std::string Seed() const;       // e.g. "SNA..." (58 characters): the secret
  std::array<uint8_t, 64> Sign(std::string_view message) const;

 private:
  NKeyPair(NKeyType type, std::array<uint8_t, 32> seed, std::array<uint8_t, 32> public_key)
      : type_(type), seed_(seed), public_key_(public_key) {}

  NKeyType type_;
  std::array<uint8_t, 32> seed_;
  std::array<uint8_t, 32> public_key_;
};

// True when `public_key` is a well-formed encoded public key of `type` and `signature` is its
// Ed25519 signature of `message`.
bool VerifyNKeySignature(std::string_view public_key, NKeyType type, std::string_view message,
                         std::string_view signature);

// Checks the form of an encoded public key of `type` (prefix, base32, length, CRC).
Status ValidatePublicNKey(std::string_view public_key, NKeyType type);

// Curve (X25519) keys in the same form, as NATS "xkeys" write them (prefix byte 23 << 3): public
// keys "X..." (56 characters of A-Z2-7, so also a valid Kubernetes label value), seeds "SX..."
// (58 characters) holding the raw 32-byte X25519 private key. Decoding checks the prefix, base32
// (canonical only), length and CRC; its errors never echo the text.
std::string EncodeCurvePublicKey(const std::array<uint8_t, 32>& key);
Result<std::array<uint8_t, 32>> DecodeCurvePublicKey(std::string_view text);
std::string EncodeCurveSeed(const std::array<uint8_t, 32>& private_key);  // the secret
Result<std::array<uint8_t, 32>> DecodeCurveSeed(std::string_view text);

}  // namespace wcloud::nats
