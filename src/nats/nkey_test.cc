#include "nats/nkey.h"

#include <gtest/gtest.h>
#include <nats/nats.h>
#include <sys/stat.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace wcloud::nats {
namespace {

TEST(NKeyTest, ServerKeysLookLikeNatsKeys) {
  auto pair = NKeyPair::Generate(NKeyType::kServer);
  ASSERT_TRUE(pair);
  std::string pub = pair->PublicKey();
  EXPECT_EQ(pub.size(), 56u);
  EXPECT_EQ(pub[0], 'N');
  EXPECT_EQ(pair->Seed().substr(0, 2), "SN");
  EXPECT_TRUE(ValidatePublicNKey(pub, NKeyType::kServer));
  EXPECT_FALSE(ValidatePublicNKey(pub, NKeyType::kUser));
}

TEST(NKeyTest, SeedRoundTrip) {
  for (auto type : {NKeyType::kServer, NKeyType::kUser, NKeyType::kAccount, NKeyType::kOperator}) {
    auto pair = NKeyPair::Generate(type);
    ASSERT_TRUE(pair);
    auto again = NKeyPair::FromSeed(pair->Seed());
    ASSERT_TRUE(again) << again.error().message();
    EXPECT_EQ(again->PublicKey(), pair->PublicKey());
    EXPECT_EQ(again->type(), type);
  }
}

// libnats signs with the seed we encoded; our public key must verify it. This checks our encoding
// against an independent implementation of the format.
TEST(NKeyTest, LibnatsSignsWithOurSeed) {
  ASSERT_EQ(nats_Open(-1), NATS_OK);  // nats_Sign needs the library initialised
  auto pair = NKeyPair::Generate(NKeyType::kUser);
  ASSERT_TRUE(pair);
  const char* nonce = "nonce-from-server";
  unsigned char* sig = nullptr;
  int sig_len = 0;
  ASSERT_EQ(nats_Sign(pair->Seed().c_str(), nonce, &sig, &sig_len), NATS_OK);
  std::string signature(reinterpret_cast<char*>(sig), static_cast<size_t>(sig_len));
  free(sig);
  EXPECT_TRUE(VerifyNKeySignature(pair->PublicKey(), NKeyType::kUser, nonce, signature));
  EXPECT_FALSE(VerifyNKeySignature(pair->PublicKey(), NKeyType::kUser, "other", signature));
  auto ours = pair->Sign(nonce);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(ours.data()), ours.size()), signature);
  nats_Close();
}

TEST(NKeyTest, MalformedSeedsAreErrors) {
  auto pair = NKeyPair::Generate(NKeyType::kServer);
  ASSERT_TRUE(pair);
  std::string seed = pair->Seed();
  std::string flipped = seed;
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(NKeyPair::FromSeed(flipped));
  EXPECT_FALSE(NKeyPair::FromSeed(seed.substr(0, 20)));
  EXPECT_FALSE(NKeyPair::FromSeed("not-base32!"));
  EXPECT_FALSE(NKeyPair::FromSeed(""));
  EXPECT_FALSE(NKeyPair::FromSeed(pair->PublicKey()));  // a public key is not a seed
  EXPECT_FALSE(ValidatePublicNKey("NABCDEFGHIJKLMNOPQRSTUVWXYZ234567", NKeyType::kServer));
}

TEST(NKeyTest, LoadOrCreateKeepsTheIdentity) {
  auto dir = std::filesystem::temp_directory_path() / ("nkey-test-" + std::to_string(getpid()));
  auto path = dir / "host.nk";
  auto first = NKeyPair::LoadOrCreate(path, NKeyType::kServer);
  ASSERT_TRUE(first) << first.error().message();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = NKeyPair::LoadOrCreate(path, NKeyType::kServer);
  ASSERT_TRUE(second);
  EXPECT_EQ(first->PublicKey(), second->PublicKey());
  EXPECT_FALSE(NKeyPair::LoadOrCreate(path, NKeyType::kUser));
  std::ofstream(path) << "garbage";
  auto broken = NKeyPair::LoadOrCreate(path, NKeyType::kServer);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message().find("host.nk"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Vectors computed apart from this code (Python's base64.b32encode and binascii.crc_hqx); the
// private key is RFC 7748's section 6.1 Alice key.
constexpr std::string_view kCurvePublic0To31 =
    "XAAACAQDAQCQMBYIBEFAWDANBYHRAEISCMKBKFQXDAMRUGY4DUPB7QO7";
constexpr std::string_view kAliceCurveSeed =
    "SXAHOB3NBJZRRJL5HQLMC4SRWJTELX2MF6D6XQEZFKYXP65FDW4SYKQZVQ";
constexpr std::array<uint8_t, 32> kAlicePrivate = {
    0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d, 0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
    0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a, 0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a};

std::array<uint8_t, 32> Bytes0To31() {
  std::array<uint8_t, 32> key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

TEST(NKeyTest, CurveKeysMatchTheVectors) {
  EXPECT_EQ(EncodeCurvePublicKey(Bytes0To31()), kCurvePublic0To31);
  auto pub = DecodeCurvePublicKey(kCurvePublic0To31);
  ASSERT_TRUE(pub) << pub.error().message();
  EXPECT_EQ(*pub, Bytes0To31());

  EXPECT_EQ(EncodeCurveSeed(kAlicePrivate), kAliceCurveSeed);
  auto seed = DecodeCurveSeed(kAliceCurveSeed);
  ASSERT_TRUE(seed) << seed.error().message();
  EXPECT_EQ(*seed, kAlicePrivate);
}

TEST(NKeyTest, CurveKeysRoundTrip) {
  std::array<uint8_t, 32> key{};
  for (int round = 0; round < 64; ++round) {
    for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(round * 37 + i * 101);
    std::string pub = EncodeCurvePublicKey(key);
    EXPECT_EQ(pub.size(), 56u);
    EXPECT_EQ(pub[0], 'X');
    auto back = DecodeCurvePublicKey(pub);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, key);

    std::string seed = EncodeCurveSeed(key);
    EXPECT_EQ(seed.size(), 58u);
    EXPECT_EQ(seed.substr(0, 2), "SX");
    auto seed_back = DecodeCurveSeed(seed);
    ASSERT_TRUE(seed_back) << seed_back.error().message();
    EXPECT_EQ(*seed_back, key);
  }
}

TEST(NKeyTest, CorruptedCurveKeysFailTheirCrc) {
  std::string pub(kCurvePublic0To31);
  std::string seed(kAliceCurveSeed);
  // Every position but the prefix letters, which fail as a wrong type rather than the CRC.
  for (size_t i = 1; i < pub.size(); ++i) {
    std::string bad = pub;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    auto r = DecodeCurvePublicKey(bad);
    ASSERT_FALSE(r) << i;
    EXPECT_EQ(r.error().message().find(pub), std::string::npos);
  }
  for (size_t i = 2; i < seed.size(); ++i) {
    std::string bad = seed;
    bad[i] = bad[i] == 'A' ? 'B' : 'A';
    auto r = DecodeCurveSeed(bad);
    ASSERT_FALSE(r) << i;
    EXPECT_EQ(r.error().message().find(bad), std::string::npos);  // a seed is not echoed
  }
  std::string middle = pub;
  middle[20] = middle[20] == 'A' ? 'B' : 'A';
  auto crc = DecodeCurvePublicKey(middle);
  ASSERT_FALSE(crc);
  EXPECT_NE(crc.error().message().find("checksum mismatch"), std::string::npos)
      << crc.error().message();
}

TEST(NKeyTest, CurveKeysRefuseOtherForms) {
  auto server = NKeyPair::Generate(NKeyType::kServer);
  ASSERT_TRUE(server);
  EXPECT_FALSE(DecodeCurvePublicKey(server->PublicKey()));  // an Ed25519 key is not a curve key
  EXPECT_FALSE(DecodeCurveSeed(server->Seed()));
  EXPECT_FALSE(DecodeCurveSeed(kCurvePublic0To31));  // a public key is not a seed
  EXPECT_FALSE(DecodeCurvePublicKey(kAliceCurveSeed));
  EXPECT_FALSE(NKeyPair::FromSeed(kAliceCurveSeed));  // nor a curve seed an Ed25519 pair
  EXPECT_FALSE(DecodeCurvePublicKey(""));
  EXPECT_FALSE(DecodeCurvePublicKey(std::string(kCurvePublic0To31) + "A"));  // dangling character
  EXPECT_FALSE(DecodeCurvePublicKey(kCurvePublic0To31.substr(0, 55)));
  std::string lower(kCurvePublic0To31);
  lower[5] = 'a';
  auto r = DecodeCurvePublicKey(lower);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("offset 5"), std::string::npos) << r.error().message();
  // Only the canonical spelling: the seed's last character carries two padding bits, which
  // must be zero ('Q' is 10000; 'R' sets a padding bit and decodes to the same bytes).
  std::string padded(kAliceCurveSeed);
  padded.back() = 'R';
  EXPECT_FALSE(DecodeCurveSeed(padded));
}

}  // namespace
}  // namespace wcloud::nats
