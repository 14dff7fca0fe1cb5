#include "host/component_images.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "util/sha256.h"

namespace wcloud::host {
namespace {

class ComponentImagesTest : public ::testing::Test {
 protected:
  ComponentImagesTest() {
    dir_ = std::filesystem::temp_directory_path() /
           ("component_images_test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  ~ComponentImagesTest() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(ComponentImagesTest, FilesAreReadByUrlOrAbsolutePathAndCachedUntilTheyChange) {
  ComponentImages images(nullptr);
  std::string path = Write("c.wasm", "first");
  auto a = images.Resolve("file://" + path, std::nullopt, "");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->digest, Sha256Digest("first"));
  EXPECT_EQ(*a->bytes, "first");
  auto b = images.Resolve(path, std::nullopt, "");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->bytes.get(), a->bytes.get()) << "unchanged file: the same bytes, not read again";

  // A different size is a different file, whatever the clock says.
  Write("c.wasm", "second!");
  auto c = images.Resolve(path, std::nullopt, "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->digest, Sha256Digest("second!"));

  // Dropped from memory, read again on the next use.
  images.Retain({});
  auto d = images.Resolve(path, std::nullopt, "");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d->bytes, "second!");
}

TEST_F(ComponentImagesTest, BadImagesAreErrorsNamingThem) {
  ComponentImages images(nullptr);
  auto missing = images.Resolve("file://" + (dir_ / "none.wasm").string(), std::nullopt, "");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("none.wasm"), std::string::npos);

  auto relative = images.Resolve("file://relative.wasm", std::nullopt, "");
  ASSERT_FALSE(relative);
  EXPECT_NE(relative.error().message().find("absolute path"), std::string::npos)
      << relative.error().message();

  auto directory = images.Resolve(dir_.string(), std::nullopt, "");
  ASSERT_FALSE(directory);
  EXPECT_NE(directory.error().message().find("not a regular file"), std::string::npos);

  // procfs claims regular files; reading pagemap once aborted wcloud up (issue #18).
  auto pagemap = images.Resolve("file:///proc/self/pagemap", std::nullopt, "");
  ASSERT_FALSE(pagemap);
  EXPECT_EQ(pagemap.error().message(),
            "image file: /proc/self/pagemap: a kernel pseudo-file, not a stored file");

  auto malformed = images.Resolve("Not A Reference", std::nullopt, "");
  ASSERT_FALSE(malformed);
  EXPECT_EQ(malformed.error().message().rfind("image Not A Reference: ", 0), 0u)
      << malformed.error().message();

  // Never pulls: an image not on this host is an error without any request.
  auto never = images.Resolve("ghcr.io/x/y:1", std::nullopt, "Never");
  ASSERT_FALSE(never);
  EXPECT_NE(never.error().message().find("imagePullPolicy is Never"), std::string::npos);
}

// An object store in memory, counting fetches.
class FakeObjects final : public ObjectSource {
 public:
  Result<std::string> Fetch(const std::string& bucket, const std::string& object,
                            uint64_t max_bytes) override {
    ++fetches;
    auto it = objects.find(bucket + "/" + object);
    if (it == objects.end()) return Error("no object " + object, ErrorCode::kNotFound);
    if (it->second.size() > max_bytes) return Error("too big", ErrorCode::kResourceExhausted);
    return it->second;
  }
  std::map<std::string, std::string> objects;
  int fetches = 0;
};

TEST_F(ComponentImagesTest, ObjectStoreImagesAreFetchedOnceAndCheckedAgainstTheirDigest) {
  FakeObjects objects;
  const std::string digest = Sha256Digest("component bytes");
  objects.objects["wcloud-artifacts/" + digest] = "component bytes";
  ComponentImages images(nullptr, &objects);
  const std::string url = "nats-object://wcloud-artifacts/" + digest;
  auto a = images.Resolve(url, std::nullopt, "");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->digest, digest);
  EXPECT_EQ(*a->bytes, "component bytes");
  ASSERT_TRUE(images.Resolve(url, std::nullopt, "Always"));
  EXPECT_EQ(objects.fetches, 1) << "named by content: never fetched twice";

  // Bytes that are not what the name says: refused.
  const std::string other = Sha256Digest("something else");
  objects.objects["wcloud-artifacts/" + other] = "tampered";
  auto tampered = images.Resolve("nats-object://wcloud-artifacts/" + other, std::nullopt, "");
  ASSERT_FALSE(tampered);
  EXPECT_NE(tampered.error().message().find("digest mismatch"), std::string::npos)
      << tampered.error().message();

  auto missing =
      images.Resolve("nats-object://wcloud-artifacts/" + Sha256Digest("x"), std::nullopt, "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);

  // A host without NATS cannot fetch them, and says so.
  ComponentImages offline(nullptr);
  auto refused = offline.Resolve(url, std::nullopt, "");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("no NATS connection"), std::string::npos);
}

}  // namespace
}  // namespace wcloud::host
