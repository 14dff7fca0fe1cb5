#include "host/guest_failures.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace wcloud::host {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

TEST(GuestFailuresTest, NothingFailedIsNoCounts) {
  GuestFailureCounter counter;
  EXPECT_FALSE(counter.Counts());
}

TEST(GuestFailuresTest, CountsEachKindAndKeepsTheLast) {
  GuestFailureCounter counter;
  counter.Record(GuestFailure::kTrap, "component a: GET /: unreachable");
  counter.Record(GuestFailure::kTrapAtMemoryLimit, "component a: GET /hog: unreachable");
  counter.Record(GuestFailure::kDeadline, "component b: GET /spin: deadline exceeded");
  auto counts = counter.Counts();
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->traps, 2u);
  EXPECT_EQ(counts->memory_limit, 1u);
  EXPECT_EQ(counts->deadline_exceeded, 1u);
  EXPECT_EQ(counts->last_message, "component b: GET /spin: deadline exceeded");
  EXPECT_EQ(counts->last_time.size(), std::string("2026-12-07T21:00:00Z").size());
}

TEST(GuestFailuresTest, LongMessagesAreCut) {
  GuestFailureCounter counter;
  counter.Record(GuestFailure::kTrap, std::string(100000, 'x'));
  EXPECT_EQ(counter.Counts()->last_message.size(), 1024u);
}

TEST(GuestFailuresTest, RecordsFromManyThreads) {
  GuestFailureCounter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) counter.Record(GuestFailure::kDeadline, "d");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter.Counts()->deadline_exceeded, 4000u);
}

TEST(GuestFailuresTest, NearTheLimitIsWithinAnEighthOrAMiB) {
  EXPECT_FALSE(NearMemoryLimit(200 * kMiB, std::nullopt));
  EXPECT_TRUE(NearMemoryLimit(64 * kMiB, 64 * kMiB));
  EXPECT_TRUE(NearMemoryLimit(57 * kMiB, 64 * kMiB));
  EXPECT_FALSE(NearMemoryLimit(55 * kMiB, 64 * kMiB));
  EXPECT_TRUE(NearMemoryLimit(3 * kMiB, 4 * kMiB));  // a MiB when an eighth is less
  EXPECT_FALSE(NearMemoryLimit(2 * kMiB, 4 * kMiB));
}

}  // namespace
}  // namespace wcloud::host
