#include "hostapi/sealing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/base64.h"
#include "util/random.h"

namespace wcloud::hostapi {
namespace {

constexpr std::string_view kPrefix = "wcloud-sealed:v1:";
constexpr std::string_view kContext = "default/web-7f9c";

// RFC 7748 section 6.1's Bob key as an "SX..." seed, its public key, and a value sealed for it
// by an implementation apart from this one (Python's `cryptography`: X25519 with Alice's key as
// the ephemeral one, HKDF-SHA256, ChaCha20-Poly1305 with nonce 00..0b), so the construction the
// header documents is what the code does.
constexpr std::string_view kBobSeed = "SXAF3KYIPZREVCSLPHQX7C4DQAHOM3Z3WEUSMGFW7UOC7CZH76EOB22AYQ";
constexpr std::string_view kBobPublic = "XDPJ5W35PN64DNGTLNQ4F3HEGU3T7A2DZBNXQZ2NVX6H4FDPRAVU74VP";
constexpr std::string_view kSealedForBob =
    "wcloud-sealed:v1:hSDwCYkwp1R0i33ctD73Wg2/"
    "Og0mOBr066SpjqqbTmoAAQIDBAUGBwgJCgtndhTdPKS5xG28DcLAc/"
    "66apR1Tln2";

class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("sealing-test-" + RandomHex(8))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SealKey NewKey() {
  auto key = SealKey::Generate();
  EXPECT_TRUE(key) << key.error().message();
  return std::move(key).value();
}

// The sealed value's bytes after the prefix.
std::string Blob(const std::string& sealed) {
  auto blob = Base64Decode(std::string_view(sealed).substr(kPrefix.size()));
  EXPECT_TRUE(blob);
  return *blob;
}

std::string Reseal(const std::string& blob) { return std::string(kPrefix) + Base64Encode(blob); }

TEST(SealingTest, RoundTrip) {
  SealKey key = NewKey();
  std::string mib(1 << 20, '\0');
  for (size_t i = 0; i < mib.size(); ++i) mib[i] = static_cast<char>(i * 131 + (i >> 8));
  for (const std::string& plaintext : {std::string(), std::string("hunter2"), mib}) {
    auto sealed = Seal(key.PublicKey(), plaintext, kContext);
    ASSERT_TRUE(sealed) << sealed.error().message();
    EXPECT_TRUE(sealed->starts_with(kPrefix));
    EXPECT_TRUE(IsSealed(*sealed));
    EXPECT_EQ(Blob(*sealed).size(), 32 + 12 + plaintext.size() + 16);
    auto opened = key.Open(*sealed, kContext);
    ASSERT_TRUE(opened) << opened.error().message();
    EXPECT_EQ(*opened, plaintext);
  }
}

TEST(SealingTest, OpensAValueSealedElsewhere) {
  TempDir dir;
  auto path = dir.path() / "bob.xk";
  std::ofstream(path) << kBobSeed << "\n";
  auto bob = SealKey::LoadOrCreate(path);
  ASSERT_TRUE(bob) << bob.error().message();
  EXPECT_EQ(bob->PublicKey(), kBobPublic);
  auto opened = bob->Open(kSealedForBob, kContext);
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(*opened, "s3cret");
  EXPECT_FALSE(bob->Open(kSealedForBob, "default/other"));
}

TEST(SealingTest, TwoSealsOfOneValueDiffer) {
  SealKey key = NewKey();
  auto a = Seal(key.PublicKey(), "same", kContext);
  auto b = Seal(key.PublicKey(), "same", kContext);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_NE(Blob(*a).substr(0, 32), Blob(*b).substr(0, 32));    // ephemeral keys
  EXPECT_NE(Blob(*a).substr(32, 12), Blob(*b).substr(32, 12));  // nonces
}

TEST(SealingTest, AnotherKeyDoesNotOpen) {
  SealKey a = NewKey();
  SealKey b = NewKey();
  auto sealed = Seal(a.PublicKey(), "hunter2", kContext);
  ASSERT_TRUE(sealed);
  auto opened = b.Open(*sealed, kContext);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(opened.error().message().find("another host"), std::string::npos)
      << opened.error().message();
  EXPECT_EQ(opened.error().message().find(*sealed), std::string::npos);
  EXPECT_EQ(opened.error().message().find("hunter2"), std::string::npos);
}

TEST(SealingTest, AnotherContextDoesNotOpen) {
  SealKey key = NewKey();
  auto sealed = Seal(key.PublicKey(), "hunter2", kContext);
  ASSERT_TRUE(sealed);
  for (std::string_view context : {"", "default/web-7f9", "default/web-7f9c ", "other/web-7f9c"}) {
    auto opened = key.Open(*sealed, context);
    ASSERT_FALSE(opened) << context;
    EXPECT_EQ(opened.error().code(), ErrorCode::kPermissionDenied);
  }
  auto empty = Seal(key.PublicKey(), "x", "");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(key.Open(*empty, ""));
  EXPECT_FALSE(key.Open(*empty, "a"));
}

TEST(SealingTest, AnyFlippedByteFails) {
  SealKey key = NewKey();
  auto sealed = Seal(key.PublicKey(), "a secret of some length", kContext);
  ASSERT_TRUE(sealed);
  std::string blob = Blob(*sealed);
  for (size_t i = 0; i < blob.size(); ++i) {
    for (uint8_t bit : {0x01, 0x80}) {
      std::string bad = blob;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      auto opened = key.Open(Reseal(bad), kContext);
      EXPECT_FALSE(opened) << "byte " << i << " bit " << int{bit};
    }
  }
  EXPECT_TRUE(key.Open(Reseal(blob), kContext));  // re-encoding alone changes nothing
}

TEST(SealingTest, TruncatedValuesFail) {
  SealKey key = NewKey();
  auto sealed = Seal(key.PublicKey(), "hunter2", kContext);
  ASSERT_TRUE(sealed);
  for (size_t n = 0; n < sealed->size(); ++n) {
    auto opened = key.Open(sealed->substr(0, n), kContext);
    ASSERT_FALSE(opened) << n;
    EXPECT_EQ(opened.error().message().find("hunter2"), std::string::npos);
  }
  std::string blob = Blob(*sealed);
  for (size_t n = 0; n < blob.size(); ++n) {
    auto opened = key.Open(Reseal(blob.substr(0, n)), kContext);
    ASSERT_FALSE(opened) << n;
    EXPECT_EQ(opened.error().code(),
              n < 60 ? ErrorCode::kInvalidArgument : ErrorCode::kPermissionDenied)
        << n << ": " << opened.error().message();
  }
}

TEST(SealingTest, ValuesNotSealedAreRefusedClearly) {
  SealKey key = NewKey();
  auto plain = key.Open("hunter2", kContext);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(plain.error().message().find("not a sealed value"), std::string::npos)
      << plain.error().message();
  EXPECT_EQ(plain.error().message().find("hunter2"), std::string::npos);
  EXPECT_FALSE(IsSealed("hunter2"));
  EXPECT_FALSE(IsSealed(""));

  auto later = key.Open("wcloud-sealed:v2:AAAA", kContext);
  ASSERT_FALSE(later);
  EXPECT_TRUE(IsSealed("wcloud-sealed:v2:AAAA"));
  EXPECT_NE(later.error().message().find("unsupported version"), std::string::npos);

  auto garbled = key.Open("wcloud-sealed:v1:hunter2!", kContext);
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(garbled.error().message().find("base64"), std::string::npos);
  EXPECT_EQ(garbled.error().message().find("hunter2"), std::string::npos);
}

TEST(SealingTest, SealRefusesMalformedPublicKeys) {
  SealKey key = NewKey();
  std::string pub = key.PublicKey();
  std::string flipped = pub;
  flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
  for (const std::string& bad : {std::string(), std::string("hunter2"), flipped,
                                 std::string(kBobSeed), "N" + pub.substr(1)}) {
    auto sealed = Seal(bad, "x", kContext);
    ASSERT_FALSE(sealed) << bad;
    EXPECT_EQ(sealed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(sealed.error().message().find(kSealKeyLabel), std::string::npos);
  }
}

TEST(SealingTest, PublicKeyIsALabelValue) {
  SealKey key = NewKey();
  std::string pub = key.PublicKey();
  // Kubernetes label values: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends
  // (api/names.h's CheckLabelValue, which hostapi may not include).
  EXPECT_EQ(pub.size(), 56u);
  EXPECT_LE(pub.size(), 63u);
  for (char c : pub) EXPECT_TRUE((c >= 'A' && c <= 'Z') || (c >= '2' && c <= '7')) << pub;
  EXPECT_EQ(pub[0], 'X');
}

TEST(SealingTest, MovedKeysKeepOpening) {
  SealKey key = NewKey();
  std::string pub = key.PublicKey();
  auto sealed = Seal(pub, "hunter2", kContext);
  ASSERT_TRUE(sealed);
  SealKey moved = std::move(key);
  EXPECT_EQ(moved.PublicKey(), pub);
  EXPECT_TRUE(moved.Open(*sealed, kContext));
  SealKey other = NewKey();
  other = std::move(moved);
  EXPECT_EQ(other.PublicKey(), pub);
  EXPECT_TRUE(other.Open(*sealed, kContext));
}

TEST(SealingTest, LoadOrCreateKeepsTheKeyPrivate) {
  TempDir dir;
  auto path = dir.path() / "keys" / "host.xk";
  mode_t old_umask = umask(0);  // the mode must not depend on the umask
  auto first = SealKey::LoadOrCreate(path);
  umask(old_umask);
  ASSERT_TRUE(first) << first.error().message();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::string contents = ReadAll(path);
  EXPECT_EQ(contents.size(), 59u);  // "SX..." and a newline
  EXPECT_TRUE(contents.starts_with("SX"));
  // Only the key file: the temporary one is gone.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()),
                          std::filesystem::directory_iterator()),
            1);

  auto second = SealKey::LoadOrCreate(path);
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_EQ(second->PublicKey(), first->PublicKey());
  EXPECT_EQ(ReadAll(path), contents);
  auto sealed = Seal(first->PublicKey(), "hunter2", kContext);
  ASSERT_TRUE(sealed);
  auto opened = second->Open(*sealed, kContext);
  ASSERT_TRUE(opened);
  EXPECT_EQ(*opened, "hunter2");
}

TEST(SealingTest, LoadOrCreateLeavesAMalformedFileAlone) {
  TempDir dir;
  auto path = dir.path() / "host.xk";
  auto server_seed_like = std::string(kBobSeed);
  server_seed_like[1] = 'N';  // an NKey seed's form, not a curve seed
  for (const std::string& contents : {std::string("garbage\n"), std::string(), server_seed_like,
                                      std::string(kBobSeed) + "\n" + std::string(kBobSeed)}) {
    std::ofstream(path, std::ios::trunc) << contents;
    auto before = std::filesystem::last_write_time(path);
    auto key = SealKey::LoadOrCreate(path);
    ASSERT_FALSE(key) << contents;
    EXPECT_NE(key.error().message().find(path.string()), std::string::npos)
        << key.error().message();
    EXPECT_EQ(ReadAll(path), contents);
    EXPECT_EQ(std::filesystem::last_write_time(path), before);
  }
}

}  // namespace
}  // namespace wcloud::hostapi
