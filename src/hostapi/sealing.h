// Secret values of the host protocol sealed for one host: wasmCloud sends resolved secrets and
// registry passwords in plaintext inside a NATS request; we seal each for the target host alone.
// A host keeps an X25519 key pair beside its NKey and advertises the public key in its heartbeat
// under kSealKeyLabel; the operator seals each secret-derived string value for that key.
//
// Construction (v1), per Seal call:
//   eph = a fresh X25519 key pair
//   key = HKDF-SHA256(ikm = X25519(eph.private, host public), salt = eph.public || host public,
//                     info = "wcloud-seal-v1"), 32 bytes
//   ct || tag = ChaCha20-Poly1305(key, nonce = 12 random bytes, aad = context, plaintext)
//   sealed = "wcloud-sealed:v1:" + base64(eph.public(32) || nonce(12) || ct || tag(16))
// (standard base64 with padding, as util/base64.h writes it: the value travels in a JSON string).
// The context binds a value to its use (the operator passes the workload ID), so a sealed value
// cannot be replayed into another workload.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"

namespace wcloud::hostapi {

// The heartbeat label that carries a host's seal public key ("X...", 56 characters of A-Z2-7,
// a valid label value).
inline constexpr char kSealKeyLabel[] = "wcloud.dev/seal-key";

// A host's X25519 key pair. Move-only, so the private key has one owner: a move leaves the
// source wiped (and unusable), and the destructor wipes the private key with OPENSSL_cleanse.
class SealKey {
 public:
  static Result<SealKey> Generate();
  // Reads the key at `path` (an "SX..." seed, one line), or generates one and writes it there
  // with mode 0600: written to a new temporary file created with O_EXCL and mode 0600, then
  // hard-linked into place, so the file is never readable by others, never half-written, and
  // never replaces one that appeared meanwhile (that one is loaded instead). A malformed file is
  // an Error naming the path and is left untouched.
  static Result<SealKey> LoadOrCreate(const std::filesystem::path& path);

  SealKey(SealKey&& other) noexcept;
  SealKey& operator=(SealKey&& other) noexcept;
  SealKey(const SealKey&) = delete;
  SealKey& operator=(const SealKey&) = delete;
  ~SealKey();

  std::string PublicKey() const;  // "X..." (the label value)
  // The plaintext of a value Seal made for this key with the same `context`. Errors say what is
  // wrong without echoing the value: kInvalidArgument when it is not sealed or malformed,
  // kPermissionDenied when it does not open (sealed for another key or context, or altered);
  // kInternal only when OpenSSL itself fails.
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  SealKey(const std::array<uint8_t, 32>& private_key, const std::array<uint8_t, 32>& public_key);
  static Result<SealKey> FromPrivateKey(const std::array<uint8_t, 32>& private_key);
  void Wipe();

  std::array<uint8_t, 32> private_key_;
  std::array<uint8_t, 32> public_key_;
};

// Seals `plaintext` for the holder of `public_key` ("X..."), bound to `context`. A fresh
// ephemeral key and nonce per call, so two seals of one plaintext differ. A malformed public key
// or a context over 64 KiB is kInvalidArgument, a plaintext over 64 MiB kResourceExhausted (the
// caps keep lengths within OpenSSL's int parameters); a failure inside OpenSSL is kInternal.
Result<std::string> Seal(std::string_view public_key, std::string_view plaintext,
                         std::string_view context);

// Whether a string value is in the sealed form: it starts with "wcloud-sealed:" (any version,
// so a value of a later version is refused by Open rather than used as plaintext).
bool IsSealed(std::string_view value);

}  // namespace wcloud::hostapi
