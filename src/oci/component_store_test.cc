#include "oci/component_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <vector>

#include "util/sha256.h"

namespace wcloud::oci {
namespace {

class LocalComponentStoreTest : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_ =
      std::filesystem::temp_directory_path() / ("component-store-" + std::to_string(getpid()));
  LocalComponentStore store_{dir_};
};

TEST_F(LocalComponentStoreTest, PutGetByDigest) {
  std::string bytes("\0asm\x0d\0\x01\0body", 12);
  auto digest = store_.Put(bytes);
  ASSERT_TRUE(digest) << digest.error().message();
  EXPECT_EQ(*digest, Sha256Digest(bytes));
  EXPECT_TRUE(store_.Has(*digest));
  auto got = store_.Get(*digest);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, bytes);
  EXPECT_TRUE(store_.Put(bytes));  // idempotent
}

TEST_F(LocalComponentStoreTest, MissingMalformedAndCorrupted) {
  std::string absent = Sha256Digest("absent");
  EXPECT_FALSE(store_.Has(absent));
  auto missing = store_.Get(absent);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(store_.Get("sha256:../../etc/passwd"));
  EXPECT_FALSE(store_.Get("md5:abc"));
  EXPECT_FALSE(store_.Has("sha256:ABC"));

  auto digest = store_.Put("original");
  ASSERT_TRUE(digest);
  std::ofstream(dir_ / "sha256" / digest->substr(7)) << "tampered";
  auto corrupted = store_.Get(*digest);
  ASSERT_FALSE(corrupted);
  EXPECT_NE(corrupted.error().message().find("does not match"), std::string::npos);
}

TEST_F(LocalComponentStoreTest, ConcurrentPutsOfTheSameBytes) {
  std::string bytes(1 << 20, 'c');
  std::vector<std::thread> writers;
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&] { EXPECT_TRUE(store_.Put(bytes)); });
  }
  for (auto& t : writers) t.join();
  auto got = store_.Get(Sha256Digest(bytes));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->size(), bytes.size());
  size_t files = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir_ / "sha256")) ++files;
  EXPECT_EQ(files, 1u) << "no temporary files left behind";
}

}  // namespace
}  // namespace wcloud::oci
