#include "plugins/store_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "metrics/registry.h"
#include "plugins/keyvalue_connections.h"

namespace wcloud::plugins {
namespace {

using ::testing::HasSubstr;

TEST(StoreMetricsTest, KeyValueOperationsCountPerBackendAndOperation) {
  metrics::Registry registry;
  StoreMetrics metrics(registry);
  KeyValueConnections connections({}, &metrics);
  auto backend = connections.Get(kMemoryBackend, "");
  ASSERT_TRUE(backend) << backend.error().message();
  ASSERT_TRUE((*backend)->Set("b", "k", {'1'}));
  ASSERT_TRUE((*backend)->Get("b", "k"));
  ASSERT_TRUE((*backend)->Get("b", "missing"));
  ASSERT_TRUE((*backend)->Set("b", "text", {'x'}));
  EXPECT_FALSE((*backend)->Increment("b", "text", 1));  // not a number

  const std::string text = registry.Scrape();
  EXPECT_THAT(text, HasSubstr("wcloud_keyvalue_operations_total{backend=\"in-memory\","
                              "operation=\"get\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_keyvalue_operations_total{backend=\"in-memory\","
                              "operation=\"set\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_keyvalue_operation_errors_total{backend=\"in-memory\","
                              "operation=\"increment\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_keyvalue_operation_errors_total{backend=\"in-memory\","
                              "operation=\"get\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_keyvalue_operation_duration_seconds_count{"
                              "backend=\"in-memory\",operation=\"get\"} 2\n"));
}

TEST(StoreMetricsTest, BlobstoreOperationsCountPerBackendAndOperation) {
  metrics::Registry registry;
  StoreMetrics metrics(registry);
  KeyValueConnections connections({}, &metrics);
  auto backend = connections.GetBlobstore(kMemoryBackend, "");
  ASSERT_TRUE(backend) << backend.error().message();
  EXPECT_FALSE((*backend)->Put("absent", "o", {'x'}));  // no such container
  ASSERT_TRUE((*backend)->CreateContainer("c"));
  ASSERT_TRUE((*backend)->Put("c", "o", {'x'}));

  const std::string text = registry.Scrape();
  EXPECT_THAT(text, HasSubstr("wcloud_blobstore_operations_total{backend=\"in-memory\","
                              "operation=\"put\"} 2\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_blobstore_operation_errors_total{backend=\"in-memory\","
                              "operation=\"put\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("wcloud_blobstore_operation_duration_seconds_count{"
                              "backend=\"in-memory\",operation=\"create_container\"} 1\n"));
}

}  // namespace
}  // namespace wcloud::plugins
