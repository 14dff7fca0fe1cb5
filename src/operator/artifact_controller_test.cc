#include "operator/artifact_controller.h"

#include <gtest/gtest.h>

#include "operator/fake_cluster_test_util.h"

namespace wcloud::operator_ {
namespace {

using testing::FakeCluster;

// What needs no registry; resolving, pulling and new revisions run against a real
// docker-registry in tests/operator/artifact_test.cc.
class ArtifactControllerTest : public testing::ControllerTest {
 protected:
  void Seed(const std::string& image, const std::string& pull_secret = "") {
    api::Artifact a;
    a.metadata.name = "hello";
    a.metadata.namespace_ = "default";
    a.spec.image = image;
    if (!pull_secret.empty()) a.spec.image_pull_secret = api::LocalObjectReference{pull_secret};
    cluster_.Seed(a);
  }

  Json Status() {
    auto writes = cluster_.TakeWrites();
    EXPECT_EQ(writes.size(), 1u);
    return writes.empty() ? Json() : writes[0].body["status"];
  }

  testing::EventLog events_;
  ArtifactController controller_{
      cluster_.client, cluster_.informers, {}, nullptr, events_.recorder()};
};

TEST_F(ArtifactControllerTest, AnImageThatIsNoReferenceIsNotReadyAndSaysWhy) {
  Seed("Not A Reference");
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/hello"));
  Json status = Status();
  EXPECT_EQ(status["conditions"][0]["status"], "False");
  EXPECT_EQ(status["conditions"][0]["reason"], "InvalidImage");
  EXPECT_EQ(status["observedGeneration"], 1);
  EXPECT_FALSE(status.contains("revision"));
}

TEST_F(ArtifactControllerTest, AMissingPullSecretIsNamed) {
  Seed("registry.example/hello:1", "pull");
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/hello"));
  Json status = Status();
  EXPECT_EQ(status["conditions"][0]["reason"], "PullSecretError");
  EXPECT_EQ(status["conditions"][0]["message"].get<std::string>().rfind(
                "imagePullSecret pull: NotFound: secrets \"pull\" not found", 0),
            0u)
      << status.dump();
}

// The kubelet's reasons for the same failures; each poll's repeat raises the count.
TEST_F(ArtifactControllerTest, FailuresAreWarningsCountedAtEachPoll) {
  Seed("Not A Reference");
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/hello"));
  ASSERT_TRUE(controller_.Reconcile("default/hello"));
  auto events = events_.Take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "Warning");
  EXPECT_EQ(events[0]["reason"], "InspectFailed");
  EXPECT_EQ(events[0]["involvedObject"]["kind"], "Artifact");
  EXPECT_EQ(events[0]["involvedObject"]["name"], "hello");
  EXPECT_EQ(events[0]["count"], 2);
}

TEST_F(ArtifactControllerTest, AMissingPullSecretIsTheKubeletsWarning) {
  Seed("registry.example/hello:1", "pull");
  ASSERT_TRUE(cluster_.Sync());
  ASSERT_TRUE(controller_.Reconcile("default/hello"));
  auto lines = events_.TakeLines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("Warning FailedToRetrieveImagePullSecret: imagePullSecret pull: ", 0),
            0u)
      << lines[0];
}

}  // namespace
}  // namespace wcloud::operator_
