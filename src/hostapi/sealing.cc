#include "hostapi/sealing.h"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

#include "nats/nkey.h"
#include "util/base64.h"
#include "util/bounded_file.h"
#include "util/random.h"

namespace wcloud::hostapi {
namespace {

constexpr std::string_view kSealedScheme = "wcloud-sealed:";
constexpr std::string_view kSealedPrefixV1 = "wcloud-sealed:v1:";
constexpr std::string_view kHkdfInfo = "wcloud-seal-v1";
constexpr size_t kKeySize = 32;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;
constexpr size_t kOverhead = kKeySize + kNonceSize + kTagSize;
// Secrets are small; the cap keeps every length within OpenSSL's int parameters.
constexpr size_t kMaxPlaintext = 64 << 20;
constexpr size_t kMaxContext = 64 << 10;
constexpr size_t kMaxSeedFile = 4096;

using Bytes32 = std::array<uint8_t, 32>;

struct PKeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PKeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
};
struct KdfFree {
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, PKeyFree>;
using PKeyCtx = std::unique_ptr<EVP_PKEY_CTX, PKeyCtxFree>;
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;
using Kdf = std::unique_ptr<EVP_KDF, KdfFree>;
using KdfCtx = std::unique_ptr<EVP_KDF_CTX, KdfCtxFree>;

// Key material that is wiped when it goes out of scope.
class SecretBytes {
 public:
  SecretBytes() = default;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }

 private:
  Bytes32 bytes_{};
};

// Wipes a string that held a secret (a seed read from a file) when it goes out of scope.
class WipeString {
 public:
  explicit WipeString(std::string& s) : s_(s) {}
  WipeString(const WipeString&) = delete;
  WipeString& operator=(const WipeString&) = delete;
  ~WipeString() { OPENSSL_cleanse(s_.data(), s_.size()); }

 private:
  std::string& s_;
};

Error Internal(std::string_view what) {
  return Error("sealing: OpenSSL failed to " + std::string(what), ErrorCode::kInternal);
}

const unsigned char* U8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

Result<PKey> X25519Private(const Bytes32& private_key) {
  PKey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, private_key.data(),
                                        private_key.size()));
  if (!key) return Internal("load an X25519 private key");
  return key;
}

Result<Bytes32> RawPublicKey(EVP_PKEY* key) {
  Bytes32 pub{};
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(key, pub.data(), &len) != 1 || len != pub.size()) {
    return Internal("read an X25519 public key");
  }
  return pub;
}

// The AEAD key of one sealed value: HKDF-SHA256 over X25519(own, peer), salted with both public
// keys (ephemeral first) so the key is bound to the pair. Fails when the shared secret is all
// zero (the peer's key has small order): the value is then malformed, not sealed for us.
Status DeriveKey(EVP_PKEY* own, const Bytes32& peer_public, const Bytes32& ephemeral_public,
                 const Bytes32& host_public, SecretBytes& key) {
  PKey peer(EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_public.data(),
                                        peer_public.size()));
  if (!peer) return Internal("load an X25519 public key");
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) return Internal("start an X25519 exchange");
  if (EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1) {
    return Error("sealed value: malformed (its ephemeral key is not usable)",
                 ErrorCode::kInvalidArgument);
  }
  SecretBytes shared;
  size_t shared_len = shared.size();
  if (EVP_PKEY_derive(ctx.get(), shared.data(), &shared_len) != 1 || shared_len != shared.size()) {
    // OpenSSL refuses an all-zero X25519 result (RFC 7748 section 6.1).
    return Error("sealed value: malformed (its ephemeral key is not usable)",
                 ErrorCode::kInvalidArgument);
  }

  std::array<uint8_t, 2 * kKeySize> salt{};
  std::copy(ephemeral_public.begin(), ephemeral_public.end(), salt.begin());
  std::copy(host_public.begin(), host_public.end(), salt.begin() + kKeySize);
  Kdf kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) return Internal("fetch HKDF");
  KdfCtx kctx(EVP_KDF_CTX_new(kdf.get()));
  if (!kctx) return Internal("create an HKDF context");
  char digest[] = "SHA256";
  std::string info(kHkdfInfo);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared.data(), shared.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt.data(), salt.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  if (EVP_KDF_derive(kctx.get(), key.data(), key.size(), params) != 1) {
    return Internal("derive the key with HKDF");
  }
  return Ok();
}

// ChaCha20-Poly1305 of `in` into `out` (in.size() bytes) and `tag`.
Status Encrypt(const SecretBytes& key, const uint8_t* nonce, std::string_view aad,
               std::string_view in, uint8_t* out, uint8_t* tag) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce) != 1) {
    return Internal("start ChaCha20-Poly1305");
  }
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &len, U8(aad), static_cast<int>(aad.size())) != 1) {
    return Internal("authenticate the context");
  }
  if (EVP_EncryptUpdate(ctx.get(), out, &len, U8(in), static_cast<int>(in.size())) != 1 ||
      static_cast<size_t>(len) != in.size() ||
      EVP_EncryptFinal_ex(ctx.get(), out + len, &len) != 1 || len != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, tag) != 1) {
    return Internal("encrypt with ChaCha20-Poly1305");
  }
  return Ok();
}

// The inverse of Encrypt; false (and `out` wiped) when the tag does not match.
Result<bool> Decrypt(const SecretBytes& key, const uint8_t* nonce, std::string_view aad,
                     std::string_view in, const uint8_t* tag, std::string& out) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_chacha20_poly1305(), nullptr, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, kNonceSize, nullptr) != 1 ||
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), nonce) != 1) {
    return Internal("start ChaCha20-Poly1305");
  }
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &len, U8(aad), static_cast<int>(aad.size())) != 1) {
    return Internal("authenticate the context");
  }
  out.assign(in.size(), '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data());
  std::array<uint8_t, kTagSize> expected{};
  std::copy(tag, tag + kTagSize, expected.begin());
  if (EVP_DecryptUpdate(ctx.get(), dst, &len, U8(in), static_cast<int>(in.size())) != 1 ||
      static_cast<size_t>(len) != in.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, expected.data()) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Internal("decrypt with ChaCha20-Poly1305");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), dst + len, &len) != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    out.clear();
    return false;
  }
  return true;
}

// Writes all of `data` to `fd`, through short writes and signals.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string Errno() { return std::strerror(errno); }

}  // namespace

SealKey::SealKey(const Bytes32& private_key, const Bytes32& public_key)
    : private_key_(private_key), public_key_(public_key) {}

SealKey::SealKey(SealKey&& other) noexcept
    : private_key_(other.private_key_), public_key_(other.public_key_) {
  other.Wipe();
}

SealKey& SealKey::operator=(SealKey&& other) noexcept {
  if (this != &other) {
    private_key_ = other.private_key_;
    public_key_ = other.public_key_;
    other.Wipe();
  }
  return *this;
}

SealKey::~SealKey() { Wipe(); }

void SealKey::Wipe() {
  OPENSSL_cleanse(private_key_.data(), private_key_.size());
  public_key_.fill(0);
}

Result<SealKey> SealKey::FromPrivateKey(const Bytes32& private_key) {
  WCLOUD_ASSIGN_OR_RETURN(PKey key, X25519Private(private_key));
  WCLOUD_ASSIGN_OR_RETURN(Bytes32 pub, RawPublicKey(key.get()));
  return SealKey(private_key, pub);
}

Result<SealKey> SealKey::Generate() {
  Bytes32 raw{};
  if (RAND_priv_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    return Error("sealing: the system random generator failed", ErrorCode::kInternal);
  }
  auto key = FromPrivateKey(raw);
  OPENSSL_cleanse(raw.data(), raw.size());
  return key;
}

Result<SealKey> SealKey::LoadOrCreate(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::symlink_status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    // Written whole to a private temporary file, then linked into place: link() never replaces
    // an existing file, so a key another process wrote meanwhile wins and is loaded below.
    WCLOUD_ASSIGN_OR_RETURN(SealKey key, Generate());
    std::string seed = nats::EncodeCurveSeed(key.private_key_);
    WipeString wipe(seed);
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    std::filesystem::path tmp = path;
    tmp += ".tmp-" + RandomHex(8);
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return Error(tmp.string() + ": cannot create: " + Errno());
    // The mode is exactly 0600 whatever the umask took away.
    bool ok = fchmod(fd, 0600) == 0 && WriteAll(fd, seed) && WriteAll(fd, "\n") && fsync(fd) == 0;
    std::string why = ok ? "" : Errno();
    ok = close(fd) == 0 && ok;
    if (!ok) {
      unlink(tmp.c_str());
      return Error(tmp.string() + ": cannot write the seal key: " + (why.empty() ? Errno() : why));
    }
    int linked = link(tmp.c_str(), path.c_str());
    int link_errno = errno;
    unlink(tmp.c_str());
    if (linked == 0) {
      // Best effort: the link survives a crash once the directory is synced.
      int dir = open(path.has_parent_path() ? path.parent_path().c_str() : ".",
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (dir >= 0) {
        fsync(dir);
        close(dir);
      }
      return key;
    }
    if (link_errno != EEXIST) {
      return Error(path.string() + ": cannot create the seal key: " + std::strerror(link_errno));
    }
  } else if (ec) {
    return Error(path.string() + ": " + ec.message());
  }

  auto text = ReadBoundedFile(path, kMaxSeedFile);
  if (!text) return text.error();
  WipeString wipe(*text);
  std::string_view seed = *text;
  while (!seed.empty() && std::isspace(static_cast<unsigned char>(seed.back()))) {
    seed.remove_suffix(1);
  }
  while (!seed.empty() && std::isspace(static_cast<unsigned char>(seed.front()))) {
    seed.remove_prefix(1);
  }
  auto private_key = nats::DecodeCurveSeed(seed);
  if (!private_key) {
    return Error(path.string() + ": not a seal key (want one line holding an SX... curve seed): " +
                     private_key.error().message(),
                 ErrorCode::kInvalidArgument);
  }
  auto key = FromPrivateKey(*private_key);
  OPENSSL_cleanse(private_key->data(), private_key->size());
  return key;
}

std::string SealKey::PublicKey() const { return nats::EncodeCurvePublicKey(public_key_); }

Result<std::string> SealKey::Open(std::string_view sealed, std::string_view context) const {
  if (!IsSealed(sealed)) {
    return Error(
        "not a sealed value (a sealed one starts with \"" + std::string(kSealedPrefixV1) + "\")",
        ErrorCode::kInvalidArgument);
  }
  if (!sealed.starts_with(kSealedPrefixV1)) {
    return Error("sealed value of an unsupported version (this host opens \"" +
                     std::string(kSealedPrefixV1) + "\")",
                 ErrorCode::kInvalidArgument);
  }
  if (context.size() > kMaxContext) {
    return Error("sealing context longer than " + std::to_string(kMaxContext) + " bytes",
                 ErrorCode::kInvalidArgument);
  }
  std::string_view body = sealed.substr(kSealedPrefixV1.size());
  if (body.size() > (kMaxPlaintext + kOverhead + 2) / 3 * 4) {
    return Error("sealed value: larger than any value Seal makes", ErrorCode::kInvalidArgument);
  }
  auto blob = Base64Decode(body);
  if (!blob) {
    return Error("sealed value: malformed (not valid base64)", ErrorCode::kInvalidArgument);
  }
  if (blob->size() < kOverhead) {
    return Error("sealed value: malformed (" + std::to_string(blob->size()) +
                     " bytes, fewer than the " + std::to_string(kOverhead) +
                     " of a sealed empty string)",
                 ErrorCode::kInvalidArgument);
  }
  const auto* bytes = reinterpret_cast<const uint8_t*>(blob->data());
  Bytes32 ephemeral_public{};
  std::copy(bytes, bytes + kKeySize, ephemeral_public.begin());
  const uint8_t* nonce = bytes + kKeySize;
  std::string_view ciphertext =
      std::string_view(*blob).substr(kKeySize + kNonceSize, blob->size() - kOverhead);
  const uint8_t* tag = bytes + blob->size() - kTagSize;

  WCLOUD_ASSIGN_OR_RETURN(PKey own, X25519Private(private_key_));
  SecretBytes key;
  WCLOUD_TRY_STATUS(DeriveKey(own.get(), ephemeral_public, ephemeral_public, public_key_, key));
  std::string plaintext;
  WCLOUD_ASSIGN_OR_RETURN(bool opened, Decrypt(key, nonce, context, ciphertext, tag, plaintext));
  if (!opened) {
    return Error("sealed value does not open with this host's seal key " + PublicKey() +
                     " and context \"" + std::string(context) +
                     "\": it was sealed for another host or another context, or altered",
                 ErrorCode::kPermissionDenied);
  }
  return plaintext;
}

Result<std::string> Seal(std::string_view public_key, std::string_view plaintext,
                         std::string_view context) {
  if (plaintext.size() > kMaxPlaintext) {
    return Error("seal: value of " + std::to_string(plaintext.size()) + " bytes, more than the " +
                     std::to_string(kMaxPlaintext) + " a sealed value may hold",
                 ErrorCode::kResourceExhausted);
  }
  if (context.size() > kMaxContext) {
    return Error("seal: context longer than " + std::to_string(kMaxContext) + " bytes",
                 ErrorCode::kInvalidArgument);
  }
  auto host_public = nats::DecodeCurvePublicKey(public_key);
  if (!host_public) {
    return Error("seal: " + host_public.error().message() + " (want the host's " +
                     std::string(kSealKeyLabel) + " label, an X... curve key)",
                 ErrorCode::kInvalidArgument);
  }
  PKey ephemeral(EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519"));
  if (!ephemeral) return Internal("generate an ephemeral X25519 key");
  WCLOUD_ASSIGN_OR_RETURN(Bytes32 ephemeral_public, RawPublicKey(ephemeral.get()));
  SecretBytes key;
  auto derived = DeriveKey(ephemeral.get(), *host_public, ephemeral_public, *host_public, key);
  if (!derived) {
    if (derived.error().code() == ErrorCode::kInternal) return derived.error();
    return Error("seal: the public key is not usable for X25519 (it has small order)",
                 ErrorCode::kInvalidArgument);
  }

  std::string blob(kOverhead + plaintext.size(), '\0');
  auto* bytes = reinterpret_cast<uint8_t*>(blob.data());
  std::copy(ephemeral_public.begin(), ephemeral_public.end(), bytes);
  uint8_t* nonce = bytes + kKeySize;
  if (RAND_bytes(nonce, static_cast<int>(kNonceSize)) != 1) {
    return Error("seal: the system random generator failed", ErrorCode::kInternal);
  }
  uint8_t* ciphertext = nonce + kNonceSize;
  WCLOUD_TRY_STATUS(
      Encrypt(key, nonce, context, plaintext, ciphertext, ciphertext + plaintext.size()));
  return std::string(kSealedPrefixV1) + Base64Encode(blob);
}

bool IsSealed(std::string_view value) { return value.starts_with(kSealedScheme); }

}  // namespace wcloud::hostapi
