#include "nats/nkey.h"

#include <gtest/gtest.h>
#include <nats/nats.h>
#include <sys/stat.h>

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

}  // namespace
}  // namespace wcloud::nats
