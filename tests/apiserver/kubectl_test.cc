// The real kubectl against `wcloud up`: apply, get with printer columns, watch, scale, status,
// finalizers, garbage collection, validation errors, restarts.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <map>
#include <thread>

#include "support/wcloud_up.h"
#include "util/json.h"

namespace wcloud {
namespace {

using testing::CommandResult;
using testing::SamplesDir;
using testing::WcloudUp;

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(up_.ok()) << up_.Log(); }
  CommandResult Ok(std::vector<std::string> args, const std::string& input = "") {
    auto r = up_.Kubectl(std::move(args), input);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return r;
  }
  WcloudUp up_;
};

TEST_F(KubectlTest, ApplySamplesAndGetWithColumns) {
  auto applied = Ok({"apply", "-f", SamplesDir()});
  EXPECT_NE(applied.out.find("workloaddeployment.runtime.wasmcloud.dev/hello-world created"),
            std::string::npos)
      << applied.out;
  auto hosts = Ok({"get", "hosts"});
  EXPECT_NE(hosts.out.find("HOSTID"), std::string::npos) << hosts.out;
  EXPECT_NE(hosts.out.find("NABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos) << hosts.out;
  EXPECT_NE(hosts.out.find("default"), std::string::npos) << hosts.out;
  auto all = Ok({"get", "wasmcloud"});
  for (const char* name : {"artifact.runtime.wasmcloud.dev/http-hello-world",
                           "workloadreplicaset.runtime.wasmcloud.dev/hello-world-v1",
                           "workload.runtime.wasmcloud.dev/keyvalue-counter"}) {
    EXPECT_NE(all.out.find(name), std::string::npos) << name << "\n" << all.out;
  }
  auto wd = Ok({"get", "wd", "hello-world", "-o",
                "jsonpath={.spec.deployPolicy} "
                "{.spec.rollingUpdate.maxSurge} "
                "{.metadata.generation} {.spec.replicas}"});
  EXPECT_EQ(wd.out, "RollingUpdate 25% 1 3") << "defaults applied on the server";

  // Applying the same files again changes nothing that counts.
  Ok({"apply", "-f", SamplesDir()});
  EXPECT_EQ(Ok({"get", "wd", "hello-world", "-o", "jsonpath={.metadata.generation}"}).out, "1");
}

TEST_F(KubectlTest, InvalidObjectsAreRejectedWithFieldPaths) {
  std::string bad = R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata: {name: bad}
spec:
  components: [{name: c, image: ghcr.io/x/c:1}]
  hostInterfaces:
    - {name: cache, namespace: wasi, package: keyvalue, interfaces: [store]}
    - {namespace: wasi, package: keyvalue, interfaces: [store]}
)";
  auto r = up_.Kubectl({"apply", "-f", "-"}, bad);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("spec.hostInterfaces[1].name: required when two or more entries share "
                       "wasi:keyvalue"),
            std::string::npos)
      << r.err;
  auto typo = up_.Kubectl({"apply", "-f", "-"}, R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Artifact
metadata: {name: a}
spec: {image: ghcr.io/x/a:1, imge: typo}
)");
  EXPECT_NE(typo.exit_code, 0);
  EXPECT_NE(typo.err.find("spec.imge"), std::string::npos) << typo.err;
  auto missing = up_.Kubectl({"get", "ww", "nope"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("workloads.runtime.wasmcloud.dev \"nope\" not found"),
            std::string::npos)
      << missing.err;
}

TEST_F(KubectlTest, ScaleStatusAndGeneration) {
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workloaddeployment.yaml"});
  Ok({"scale", "wd", "hello-world", "--replicas=7"});
  EXPECT_EQ(
      Ok({"get", "wd", "hello-world", "-o", "jsonpath={.spec.replicas} {.metadata.generation}"})
          .out,
      "7 2");
  // Status goes through /status only; the main resource ignores it. (On an Artifact, whose
  // status no controller writes yet.)
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_artifact.yaml"});
  Ok({"patch", "art", "http-hello-world", "--subresource=status", "--type=merge", "-p",
      R"({"status":{"revision":4}})"});
  Ok({"patch", "art", "http-hello-world", "--type=merge", "-p", R"({"status":{"revision":0}})"});
  EXPECT_EQ(Ok({"get", "art", "http-hello-world", "-o",
                "jsonpath={.status.revision} {.metadata.generation}"})
                .out,
            "4 1");
}

TEST_F(KubectlTest, WatchSeesChanges) {
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workload.yaml"});
  CommandResult watched;
  std::thread watcher([&] {
    watched = up_.Kubectl({"get", "ww", "-w", "--output-watch-events", "--request-timeout=4s"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Ok({"label", "ww", "hello-world", "tier=web"});
  Ok({"delete", "ww", "hello-world"});
  watcher.join();
  EXPECT_NE(watched.out.find("ADDED"), std::string::npos) << watched.out << watched.err;
  EXPECT_NE(watched.out.find("MODIFIED"), std::string::npos) << watched.out;
  EXPECT_NE(watched.out.find("DELETED"), std::string::npos) << watched.out;
}

TEST_F(KubectlTest, FinalizersHoldDeletion) {
  Ok({"apply", "-f", "-"}, R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Artifact
metadata:
  name: held
  finalizers: [runtime.wasmcloud.dev/artifact-finalizer]
spec: {image: ghcr.io/x/a:1}
)");
  // kubectl delete waits until the object is really gone.
  CommandResult deleted;
  std::thread deleter([&] { deleted = up_.Kubectl({"delete", "art", "held", "--timeout=15s"}); });
  std::string stamp;
  for (int i = 0; i < 100 && stamp.empty(); ++i) {
    stamp = Ok({"get", "art", "held", "-o", "jsonpath={.metadata.deletionTimestamp}"}).out;
  }
  EXPECT_FALSE(stamp.empty()) << "deletion waits for the finalizer";
  Ok({"patch", "art", "held", "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"});
  deleter.join();
  EXPECT_EQ(deleted.exit_code, 0) << deleted.out << deleted.err;
  EXPECT_NE(up_.Kubectl({"get", "art", "held"}).exit_code, 0) << "gone once finalized";
}

TEST_F(KubectlTest, DeletingAnOwnerDeletesDependents) {
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workloadreplicaset.yaml"});
  std::string uid = Ok({"get", "wrs", "hello-world-v1", "-o", "jsonpath={.metadata.uid}"}).out;
  ASSERT_FALSE(uid.empty());
  Ok({"apply", "-f", "-"}, R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: hello-world-v1-abcde
  ownerReferences:
    - {apiVersion: runtime.wasmcloud.dev/v1alpha1, kind: WorkloadReplicaSet, name: hello-world-v1, uid: )" +
                               uid + R"(, controller: true}
spec:
  components: [{name: c, image: ghcr.io/x/c:1}]
)");
  Ok({"delete", "wrs", "hello-world-v1"});
  // As on Kubernetes, the owner goes at once and the garbage collector deletes its dependents
  // next. The set's own Workloads run on the local host, whose agent finalizes them shortly
  // after: wait until they are gone, so the orphaning below looks at the new set's Workloads only.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = up_.Kubectl({"get", "ww", "hello-world-v1-abcde"}).exit_code != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << "the dependent stayed";
  gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = Ok({"get", "ww", "-l", "app=hello-world", "-o", "name"}).out.empty();
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(gone) << "the deleted set's Workloads stayed";

  // Orphaning keeps dependents and drops their owner reference.
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workloadreplicaset.yaml"});
  std::string owned;
  for (int i = 0; i < 100 && owned.empty(); ++i) {
    owned =
        Ok({"get", "ww", "-l", "app=hello-world", "-o", "jsonpath={.items[0].metadata.name}"}).out;
  }
  ASSERT_FALSE(owned.empty());
  // kubectl waits until the owner is gone, which is once the collector has released its
  // dependents.
  Ok({"delete", "wrs", "hello-world-v1", "--cascade=orphan"});
  EXPECT_EQ(Ok({"get", "ww", owned, "-o", "jsonpath={.metadata.ownerReferences}"}).out, "");
}

// A controller working from a stale cache can create a dependent after its owner went: the
// server collects it like Kubernetes' garbage collector does, instead of keeping it forever.
TEST_F(KubectlTest, ADependentOfAGoneOwnerIsCollected) {
  auto dependent = [](const std::string& name, const std::string& owner_uid) {
    return R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: )" +
           name + R"(
  ownerReferences:
    - {apiVersion: v1, kind: ConfigMap, name: late-owner, uid: )" +
           owner_uid + R"(}
spec:
  components: [{name: c, image: ghcr.io/x/c:1}]
)";
  };
  Ok({"create", "-f", "-"}, dependent("late-dependent", "6f1c0a0e-0000-4000-8000-000000000001"));
  // Deleted at once; if the local host's agent put its finalizer on first, gone once it let go.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = up_.Kubectl({"get", "ww", "late-dependent"}).exit_code != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << Ok({"get", "ww", "late-dependent", "-o", "yaml"}).out;

  // One whose owner exists stays.
  Ok({"create", "configmap", "late-owner"});
  std::string uid = Ok({"get", "configmap", "late-owner", "-o", "jsonpath={.metadata.uid}"}).out;
  Ok({"create", "-f", "-"}, dependent("kept-dependent", uid));
  EXPECT_EQ(Ok({"get", "ww", "kept-dependent", "-o", "name"}).out,
            "workload.runtime.wasmcloud.dev/kept-dependent\n");

  // A malformed reference is refused before anything is stored.
  // (Sent raw: kubectl itself would not decode the number.)
  auto bad =
      up_.Kubectl({"create", "--raw", "/api/v1/namespaces/default/configmaps", "-f", "-"},
                  R"({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bad-owner",
          "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": 7}]}})");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("metadata.ownerReferences[0].name: expected string"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("metadata.ownerReferences[0].uid: required value"), std::string::npos)
      << bad.err;
  EXPECT_NE(up_.Kubectl({"get", "configmap", "bad-owner"}).exit_code, 0);
}

TEST_F(KubectlTest, ServerSideApplyOwnsFieldsAndReportsConflicts) {
  std::string wd = SamplesDir() + "runtime_v1alpha1_workloaddeployment.yaml";
  Ok({"apply", "--server-side", "-f", wd});
  auto partial = [](const std::string& spec) {
    return "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: WorkloadDeployment\n"
           "metadata: {name: hello-world}\nspec: " +
           spec + "\n";
  };
  // Another manager changing a field kubectl applied is a conflict...
  auto conflict = up_.Kubectl({"apply", "--server-side", "--field-manager=scaler", "-f", "-"},
                              partial("{replicas: 9}"));
  EXPECT_NE(conflict.exit_code, 0);
  EXPECT_NE(conflict.err.find("conflict with \"kubectl\": .spec.replicas"), std::string::npos)
      << conflict.err;
  // ...unless forced, which moves ownership.
  Ok({"apply", "--server-side", "--field-manager=scaler", "--force-conflicts", "-f", "-"},
     partial("{replicas: 9}"));
  EXPECT_EQ(Ok({"get", "wd", "hello-world", "-o", "jsonpath={.spec.replicas}"}).out, "9");
  // A field no one else owns is the applier's to set, and to drop by no longer applying it.
  Ok({"apply", "--server-side", "--field-manager=tuner", "-f", "-"},
     partial("{revisionHistoryLimit: 3}"));
  EXPECT_EQ(Ok({"get", "wd", "hello-world", "-o", "jsonpath={.spec.revisionHistoryLimit}"}).out,
            "3");
  Ok({"apply", "--server-side", "--field-manager=tuner", "-f", "-"}, partial("{}"));
  EXPECT_EQ(Ok({"get", "wd", "hello-world", "-o", "jsonpath={.spec.revisionHistoryLimit}"}).out,
            "10")
      << "removed, then defaulted again";
  auto managers = Ok({"get", "wd", "hello-world", "--show-managed-fields", "-o",
                      "jsonpath={.metadata.managedFields[*].manager}"});
  EXPECT_NE(managers.out.find("kubectl"), std::string::npos) << managers.out;
  EXPECT_NE(managers.out.find("scaler"), std::string::npos) << managers.out;
}

TEST_F(KubectlTest, ServerSideApplyTakesOverFromClientSideApply) {
  // Issue #16 item 5: kubectl's first server-side apply after client-side ones changes and drops
  // fields client-side apply set, without a conflict (kubectl then moves the
  // kubectl-client-side-apply fields to its own manager with a JSON patch of managedFields).
  auto artifact = [](const std::string& spec) {
    return "apiVersion: runtime.wasmcloud.dev/v1alpha1\nkind: Artifact\nmetadata: {name: csa}\n"
           "spec: " +
           spec + "\n";
  };
  Ok({"apply", "-f", "-"}, artifact("{image: ghcr.io/x/a:1, imagePullSecret: {name: pull}}"));
  Ok({"apply", "-f", "-"}, artifact("{image: ghcr.io/x/a:2, imagePullSecret: {name: pull}}"));
  auto applied = Ok({"apply", "--server-side", "-f", "-"}, artifact("{image: ghcr.io/x/a:3}"));
  EXPECT_NE(applied.out.find("serverside-applied"), std::string::npos) << applied.out;
  EXPECT_EQ(applied.err, "") << "no migration warning";
  Json object = Json::parse(Ok({"get", "art", "csa", "--show-managed-fields", "-o", "json"}).out);
  EXPECT_EQ(object["spec"]["image"], "ghcr.io/x/a:3");
  EXPECT_FALSE(object["spec"].contains("imagePullSecret")) << "dropped from the configuration";
  std::map<std::string, Json> managers;
  for (const auto& e : object["metadata"]["managedFields"]) {
    managers[e["manager"].get<std::string>()] = e;
  }
  EXPECT_EQ(managers.count("kubectl-client-side-apply"), 0u) << object.dump(2);
  EXPECT_EQ(managers["kubectl"]["operation"], "Apply");
  EXPECT_TRUE(managers["kubectl"]["fieldsV1"]["f:spec"].contains("f:image")) << object.dump(2);
  // The annotation follows the server-side apply, so client-side diffs start from it.
  Json last = Json::parse(
      object["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
          .get<std::string>());
  EXPECT_EQ(last["spec"], Json::parse(R"({"image": "ghcr.io/x/a:3"})")) << last.dump();

  // Diffs, server-side (a dry-run apply) and client-side: 0 when the same, 1 with a diff.
  for (const char* mode : {"--server-side=true", "--server-side=false"}) {
    EXPECT_EQ(up_.Kubectl({"diff", mode, "-f", "-"}, artifact("{image: ghcr.io/x/a:3}")).exit_code,
              0)
        << mode;
    auto changed = up_.Kubectl({"diff", mode, "-f", "-"}, artifact("{image: ghcr.io/x/a:4}"));
    EXPECT_EQ(changed.exit_code, 1) << mode << changed.err;
    EXPECT_NE(changed.out.find("+  image: ghcr.io/x/a:4"), std::string::npos) << changed.out;
  }
  EXPECT_EQ(Ok({"get", "art", "csa", "-o", "jsonpath={.spec.image}"}).out, "ghcr.io/x/a:3");

  // A field changed by another writer since is still a conflict.
  Ok({"patch", "art", "csa", "--type=merge", "-p", R"({"spec":{"image":"ghcr.io/x/a:9"}})"});
  auto conflict = up_.Kubectl({"apply", "--server-side", "-f", "-"}, artifact("{image: x:5}"));
  EXPECT_NE(conflict.exit_code, 0);
  EXPECT_NE(conflict.err.find("conflict with \"kubectl-patch\": .spec.image"), std::string::npos)
      << conflict.err;
  // managedFields written by a client are checked.
  auto bad = up_.Kubectl({"patch", "art", "csa", "--type=json", "-p",
                          R"([{"op": "replace", "path": "/metadata/managedFields",
                               "value": [{"manager": "m", "operation": "Delete"}]}])"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("metadata.managedFields[0].operation: Unsupported value: \"Delete\""),
            std::string::npos)
      << bad.err;
}

TEST_F(KubectlTest, EverydayCommands) {
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workload.yaml"});
  Ok({"annotate", "ww", "hello-world", "owner=platform-team"});
  Ok({"label", "ww", "hello-world", "tier=web"});
  EXPECT_EQ(Ok({"get", "ww", "-l", "tier=web", "-o", "name"}).out,
            "workload.runtime.wasmcloud.dev/hello-world\n");
  EXPECT_EQ(Ok({"get", "ww", "-l", "tier!=web", "-o", "name"}).out, "");
  auto described = Ok({"describe", "ww", "hello-world"});
  EXPECT_NE(described.out.find("owner: platform-team"), std::string::npos) << described.out;
  EXPECT_NE(described.out.find("http-component"), std::string::npos) << described.out;
  auto yaml = Ok({"get", "ww", "hello-world", "-o", "yaml"});
  EXPECT_NE(yaml.out.find("imagePullPolicy: IfNotPresent"), std::string::npos) << yaml.out;

  Ok({"create", "configmap", "my-configmap", "--from-literal=LOG_LEVEL=debug"});
  Ok({"create", "secret", "generic", "my-secret", "--from-literal=token=s3cret"});
  EXPECT_EQ(Ok({"get", "cm", "my-configmap", "-o", "jsonpath={.data.LOG_LEVEL}"}).out, "debug");
  EXPECT_EQ(Ok({"get", "secret", "my-secret", "-o", "jsonpath={.data.token}"}).out, "czNjcmV0");

  // A write based on a stale resourceVersion is refused.
  std::string old = Ok({"get", "ww", "hello-world", "-o", "json"}).out;
  Ok({"label", "ww", "hello-world", "again=yes"});
  auto stale = up_.Kubectl({"replace", "-f", "-"}, old);
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_NE(stale.err.find("the object has been modified"), std::string::npos) << stale.err;
}

TEST_F(KubectlTest, CustomResourcesRefuseStrategicPatchesAndUnconditionalUpdates) {
  // Issue #16 item 12, as a real server answers for CRDs.
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workload.yaml"});
  auto strategic =
      up_.Kubectl({"patch", "ww", "hello-world", "-p", R"({"metadata":{"labels":{"a":"b"}}})"});
  EXPECT_NE(strategic.exit_code, 0);
  EXPECT_NE(strategic.err.find("the body of the request was in an unknown format"),
            std::string::npos)
      << strategic.err;
  // Core kinds take it, as before.
  Ok({"create", "configmap", "patched", "--from-literal=k=v"});
  Ok({"patch", "cm", "patched", "-p", R"({"data":{"k":"w"}})"});
  EXPECT_EQ(Ok({"get", "cm", "patched", "-o", "jsonpath={.data.k}"}).out, "w");

  // A PUT without resourceVersion: refused for a custom resource, accepted for a ConfigMap
  // (`kubectl replace` would fill one in; --raw sends the body as it is).
  std::string manifest = Ok({"get", "ww", "hello-world", "-o", "json"}).out;
  Json object = Json::parse(manifest);
  object["metadata"].erase("resourceVersion");
  auto unconditional = up_.Kubectl(
      {"replace", "--raw",
       "/apis/runtime.wasmcloud.dev/v1alpha1/namespaces/default/workloads/hello-world", "-f", "-"},
      object.dump());
  EXPECT_NE(unconditional.exit_code, 0);
  EXPECT_NE(unconditional.err.find("metadata.resourceVersion: Invalid value: 0x0: must be "
                                   "specified for an update"),
            std::string::npos)
      << unconditional.err;
  Json cm = Json::parse(Ok({"get", "cm", "patched", "-o", "json"}).out);
  cm["metadata"].erase("resourceVersion");
  cm["data"]["k"] = "x";
  Ok({"replace", "--raw", "/api/v1/namespaces/default/configmaps/patched", "-f", "-"}, cm.dump());
  EXPECT_EQ(Ok({"get", "cm", "patched", "-o", "jsonpath={.data.k}"}).out, "x");
}

TEST_F(KubectlTest, AuthCanIAndWhoamiAnswerForTheTokensUser) {
  // Issue #16 item 10: the self reviews, for the one credential `wcloud up` has.
  EXPECT_EQ(Ok({"auth", "can-i", "create", "workloads.runtime.wasmcloud.dev"}).out, "yes\n");
  EXPECT_EQ(Ok({"auth", "can-i", "delete", "secrets", "-n", "kube-system"}).out, "yes\n");
  auto list = Ok({"auth", "can-i", "--list"});
  EXPECT_NE(list.out.find("*.*"), std::string::npos) << list.out;
  auto whoami = Ok({"auth", "whoami", "-o", "json"});
  Json review = Json::parse(whoami.out);
  EXPECT_EQ(review["kind"], "SelfSubjectReview") << whoami.out;
  EXPECT_EQ(review["status"]["userInfo"]["username"], "wcloud-admin") << whoami.out;
  // Discoverable, create-only, never stored.
  EXPECT_NE(Ok({"api-resources", "--api-group=authorization.k8s.io"})
                .out.find("selfsubjectaccessreviews"),
            std::string::npos);
  auto get =
      up_.Kubectl({"get", "--raw", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"});
  EXPECT_NE(get.exit_code, 0);
}

TEST_F(KubectlTest, NoDryRunOfAnyVerbWrites) {
  // Issue #16 item 1: kubectl sends a delete's dry run in the DeleteOptions body.
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workload.yaml"});
  Ok({"create", "configmap", "kept", "--from-literal=k=v"});
  auto version = [&](const std::string& kind, const std::string& name) {
    return Ok({"get", kind, name, "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  };
  const std::string ww_before = version("ww", "hello-world");
  const std::string cm_before = version("cm", "kept");
  auto deleted = Ok({"delete", "ww", "hello-world", "--dry-run=server"});
  EXPECT_NE(deleted.out.find("(server dry run)"), std::string::npos) << deleted.out;
  Ok({"delete", "cm", "--all", "--dry-run=server"});
  Ok({"label", "ww", "hello-world", "dry=run", "--dry-run=server"});
  Ok({"annotate", "cm", "kept", "dry=run", "--dry-run=server"});
  Ok({"patch", "cm", "kept", "-p", R"({"data":{"k":"changed"}})", "--dry-run=server"});
  Ok({"apply", "--server-side", "--dry-run=server", "-f",
      SamplesDir() + "runtime_v1alpha1_workloaddeployment.yaml"});
  Ok({"create", "configmap", "never", "--from-literal=k=v", "--dry-run=server"});
  EXPECT_EQ(version("ww", "hello-world"), ww_before);
  EXPECT_EQ(version("cm", "kept"), cm_before);
  EXPECT_EQ(Ok({"get", "cm", "kept", "-o", "jsonpath={.data.k}"}).out, "v");
  EXPECT_NE(up_.Kubectl({"get", "cm", "never"}).exit_code, 0);
  EXPECT_NE(up_.Kubectl({"get", "wd", "hello-world"}).exit_code, 0);
  // A DeleteOptions body that is not one is refused, not ignored.
  auto bad =
      up_.Kubectl({"delete", "--raw", "/api/v1/namespaces/default/configmaps/kept", "-f", "-"},
                  R"({"dryRun": "All"})");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_EQ(version("cm", "kept"), cm_before);
}

TEST_F(KubectlTest, QueriesDiscoveryAndNamespacesFollowKubernetes) {
  // Issue #16 items 2 and 6: booleans as Go's strconv.ParseBool, discovery with a trailing slash.
  for (const char* truthy : {"True", "t", "TRUE", "1"}) {
    auto watch =
        Ok({"get", "--raw",
            std::string("/api/v1/namespaces/default/configmaps?timeoutSeconds=1&watch=") + truthy});
    EXPECT_EQ(watch.out.find("\"kind\":\"ConfigMapList\""), std::string::npos)
        << truthy << ": a watch, not a list: " << watch.out;
  }
  auto list = Ok({"get", "--raw", "/api/v1/namespaces/default/configmaps?watch=F"});
  EXPECT_NE(list.out.find("\"kind\":\"ConfigMapList\""), std::string::npos) << list.out;
  auto bad = up_.Kubectl({"get", "--raw", "/api/v1/namespaces/default/configmaps?watch=maybe"});
  EXPECT_NE(bad.exit_code, 0);
  // A forged continue token whose fields have the wrong types: 400, not an internal error.
  std::string forged;
  for (unsigned char c : std::string(R"({"k":1,"rv":"x"})")) {
    char hex[3];
    std::snprintf(hex, sizeof hex, "%02x", c);
    forged += hex;
  }
  auto token = up_.Kubectl(
      {"get", "--raw", "/api/v1/namespaces/default/configmaps?limit=1&continue=" + forged});
  EXPECT_NE(token.err.find("(BadRequest): invalid continue token"), std::string::npos)
      << token.out << token.err;
  EXPECT_NE(bad.err.find("is not a boolean"), std::string::npos) << bad.err;
  // Issue #16 item 11: every namespace carries its name as a label, kept through updates.
  Ok({"create", "namespace", "team-a"});
  Ok({"label", "namespace", "team-a", "kubernetes.io/metadata.name-", "--overwrite"});
  EXPECT_EQ(Ok({"get", "namespaces", "-l", "kubernetes.io/metadata.name=team-a", "-o", "name"}).out,
            "namespace/team-a\n");
  for (const char* path : {"/version/", "/api/", "/apis/"}) {
    auto r = Ok({"get", "--raw", path});
    EXPECT_NE(r.out.find('{'), std::string::npos) << path << ": " << r.out;
  }
}

TEST_F(KubectlTest, SecretsMergeStringDataAndCheckTheirType) {
  // Issue #16 item 3: stringData becomes base64 data and is never returned; type defaults.
  Ok({"apply", "-f", "-"}, R"(
apiVersion: v1
kind: Secret
metadata:
  name: app
stringData:
  token: s3cret
)");
  // (kubectl's last-applied annotation still holds it, as on a real cluster.)
  EXPECT_EQ(Ok({"get", "secret", "app", "-o", "jsonpath={.stringData}"}).out, "");
  EXPECT_EQ(Ok({"get", "secret", "app", "-o", "jsonpath={.data.token}"}).out, "czNjcmV0");
  EXPECT_EQ(Ok({"get", "secret", "app", "-o", "jsonpath={.type}"}).out, "Opaque");
  // A pull secret whose .dockerconfigjson is not JSON is refused, naming the key.
  auto bad = up_.Kubectl({"apply", "-f", "-"}, R"(
apiVersion: v1
kind: Secret
metadata:
  name: pull
type: kubernetes.io/dockerconfigjson
stringData:
  .dockerconfigjson: "{not json"
)");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("data[.dockerconfigjson]: invalid JSON"), std::string::npos) << bad.err;
  Ok({"create", "secret", "docker-registry", "pull", "--docker-server=r.example",
      "--docker-username=u", "--docker-password=p"});
}

// An Event about `kind`/`name` (with the given uid), as a controller records one.
std::string EventFor(const std::string& event_name, const std::string& api_version,
                     const std::string& kind, const std::string& name, const std::string& uid,
                     const std::string& reason) {
  return "apiVersion: v1\nkind: Event\nmetadata: {name: " + event_name +
         "}\ninvolvedObject: {apiVersion: " + api_version + ", kind: " + kind + ", name: " + name +
         ", namespace: default, uid: " + uid + "}\nreason: " + reason + "\nmessage: " + reason +
         " happened to " + name +
         "\ntype: Warning\nsource: {component: kubectl-test}\n"
         "firstTimestamp: '2026-01-01T00:00:00Z'\nlastTimestamp: '2026-01-01T00:00:00Z'\n"
         "count: 1\n";
}

TEST_F(KubectlTest, EventsAreSelectedByFieldsAndShownForTheirObjects) {
  // Issue #16 item 4: describe, `kubectl events --for` and --field-selector query events by
  // their involvedObject, reason or type.
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workload.yaml"});
  std::string uid = Ok({"get", "ww", "hello-world", "-o", "jsonpath={.metadata.uid}"}).out;
  ASSERT_FALSE(uid.empty());
  Ok({"create", "-f", "-"}, EventFor("about-workload", "runtime.wasmcloud.dev/v1alpha1", "Workload",
                                     "hello-world", uid, "ProbeFailed"));
  Ok({"create", "-f", "-"},
     EventFor("about-configmap", "v1", "ConfigMap", "hello-world", "cm-uid", "Unrelated"));

  EXPECT_EQ(Ok({"get", "events", "--field-selector", "reason=ProbeFailed", "-o", "name"}).out,
            "event/about-workload\n");
  EXPECT_EQ(Ok({"get", "events", "--field-selector",
                "involvedObject.kind!=Workload,type=Warning,source=kubectl-test", "-o", "name"})
                .out,
            "event/about-configmap\n");
  auto unsupported = up_.Kubectl({"get", "events", "--field-selector", "message=x"});
  EXPECT_NE(unsupported.exit_code, 0);
  EXPECT_NE(unsupported.err.find("field label not supported: message"), std::string::npos)
      << unsupported.err;

  auto described = Ok({"describe", "ww", "hello-world"});
  EXPECT_NE(described.out.find("ProbeFailed happened to hello-world"), std::string::npos)
      << described.out;
  EXPECT_EQ(described.out.find("Unrelated"), std::string::npos) << described.out;
  auto events = Ok({"events", "--for", "workload/hello-world"});
  EXPECT_NE(events.out.find("ProbeFailed"), std::string::npos) << events.out;
  EXPECT_EQ(events.out.find("Unrelated"), std::string::npos) << events.out;
}

TEST_F(KubectlTest, AWatchWithAFieldSelectorSendsOnlyWhatMatches) {
  CommandResult watched;
  std::thread watcher([&] {
    watched = up_.Kubectl({"get", "events", "--field-selector", "reason=Watched", "-w",
                           "--output-watch-events", "--request-timeout=5s"});
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  Ok({"create", "-f", "-"}, EventFor("watched-event", "v1", "ConfigMap", "a", "u-a", "Watched"));
  Ok({"create", "-f", "-"}, EventFor("other-event", "v1", "ConfigMap", "b", "u-b", "Other"));
  // No longer matching: the watcher sees it go, as from a real server.
  Ok({"patch", "event", "watched-event", "--type=merge", "-p", R"({"reason":"Moved"})"});
  watcher.join();
  EXPECT_NE(watched.out.find("ADDED"), std::string::npos) << watched.out << watched.err;
  EXPECT_NE(watched.out.find("watched-event"), std::string::npos) << watched.out;
  EXPECT_NE(watched.out.find("DELETED"), std::string::npos) << watched.out;
  EXPECT_EQ(watched.out.find("other-event"), std::string::npos) << watched.out;
}

TEST_F(KubectlTest, EventsAreServedInEventsK8sIoToo) {
  // Issue #16 item 12: one store, two representations.
  Ok({"create", "-f", "-"}, R"(apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: new-style}
eventTime: '2026-01-01T00:00:00.000000Z'
reportingController: example.com/test
reportingInstance: test-1
action: Probe
reason: Probed
regarding: {apiVersion: v1, kind: ConfigMap, name: probed, namespace: default}
note: probed it
type: Normal
)");
  EXPECT_EQ(Ok({"get", "event", "new-style", "-o",
                "jsonpath={.message} {.involvedObject.name} {.reportingComponent}"})
                .out,
            "probed it probed example.com/test");
  EXPECT_EQ(Ok({"get", "events.v1.events.k8s.io", "--field-selector",
                "regarding.name=probed,reportingController=example.com/test", "-o",
                "jsonpath={.items[*].note}"})
                .out,
            "probed it");
  auto resources = Ok({"api-resources", "--api-group=events.k8s.io", "-o", "name"});
  EXPECT_EQ(resources.out, "events.events.k8s.io\n");
  // Created there, an Event must be complete, as on a real server.
  auto incomplete = up_.Kubectl({"create", "-f", "-"}, R"(apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: incomplete}
reason: Probed
type: Normal
)");
  EXPECT_NE(incomplete.exit_code, 0);
  EXPECT_NE(incomplete.err.find("eventTime: Required value"), std::string::npos) << incomplete.err;
}

TEST_F(KubectlTest, KubectlFindsTheCoreResourcesItExpects) {
  // Issue #16 item 9: get all, cluster-info and apply --prune ask for Pods, Services and the
  // rest of kubectl's default prune list; this server runs none and says so.
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workload.yaml"});
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_artifact.yaml"});
  auto all = Ok({"get", "all"});
  EXPECT_NE(all.out.find("workload.runtime.wasmcloud.dev/hello-world"), std::string::npos)
      << all.out;
  EXPECT_EQ(all.out.find("artifact.runtime.wasmcloud.dev"), std::string::npos) << all.out;
  auto ours = Ok({"get", "wasmcloud"});
  EXPECT_NE(ours.out.find("artifact.runtime.wasmcloud.dev/http-hello-world"), std::string::npos)
      << ours.out;
  EXPECT_NE(Ok({"cluster-info"}).out.find("is running at"), std::string::npos);
  EXPECT_EQ(Ok({"get", "pods,services,deployments.apps", "-A", "-o", "name"}).out, "");

  auto refused = up_.Kubectl({"run", "nginx", "--image=nginx"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("this API server runs no pods"), std::string::npos) << refused.err;

  auto configmaps = [](bool with_b) {
    std::string out = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {app: x}}\n";
    if (with_b)
      out += "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, labels: {app: x}}\n";
    return out;
  };
  Ok({"apply", "--prune", "-l", "app=x", "-f", "-"}, configmaps(true));
  auto pruned = Ok({"apply", "--prune", "-l", "app=x", "-f", "-"}, configmaps(false));
  EXPECT_NE(pruned.out.find("configmap/b pruned"), std::string::npos) << pruned.out;
  EXPECT_NE(up_.Kubectl({"get", "cm", "b"}).exit_code, 0);
  EXPECT_EQ(Ok({"get", "cm", "a", "-o", "name"}).out, "configmap/a\n");
}

TEST_F(KubectlTest, ForegroundDeletionWaitsForDependents) {
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_workloadreplicaset.yaml"});
  std::string uid = Ok({"get", "wrs", "hello-world-v1", "-o", "jsonpath={.metadata.uid}"}).out;
  Ok({"apply", "-f", "-"}, R"(apiVersion: runtime.wasmcloud.dev/v1alpha1
kind: Workload
metadata:
  name: held-dependent
  finalizers: [runtime.wasmcloud.dev/workload-finalizer]
  ownerReferences:
    - {apiVersion: runtime.wasmcloud.dev/v1alpha1, kind: WorkloadReplicaSet, name: hello-world-v1, uid: )" +
                               uid + R"(, blockOwnerDeletion: true}
spec:
  components: [{name: c, image: ghcr.io/x/c:1}]
)");
  Ok({"delete", "wrs", "hello-world-v1", "--cascade=foreground", "--wait=false"});
  EXPECT_EQ(Ok({"get", "wrs", "hello-world-v1", "-o", "jsonpath={.metadata.finalizers}"}).out,
            R"(["foregroundDeletion"])")
      << "the owner waits for its dependent";
  // Which the garbage collector deletes, asynchronously.
  std::string stamp;
  for (int i = 0; i < 100 && stamp.empty(); ++i) {
    stamp = Ok({"get", "ww", "held-dependent", "-o", "jsonpath={.metadata.deletionTimestamp}"}).out;
    if (stamp.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(stamp.empty());
  Ok({"patch", "ww", "held-dependent", "--type=merge", "-p",
      R"({"metadata":{"finalizers":null}})"});
  EXPECT_NE(up_.Kubectl({"get", "ww", "held-dependent"}).exit_code, 0);
  // The set's own Workloads are placed on the local host, whose agent finalizes them
  // asynchronously: the owner goes once the last of them has.
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    gone = up_.Kubectl({"get", "wrs", "hello-world-v1"}).exit_code != 0;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(gone) << "released when its last dependent went";
}

TEST_F(KubectlTest, TheLocalHostRegistersAndKeepsItsIdentity) {
  auto host_id = [&] {
    std::string id;
    for (int i = 0; i < 100 && id.empty(); ++i) {
      id = Ok({"get", "hosts", "-l", "hostgroup=default", "-o",
               "jsonpath={.items[?(@.status.conditions[0].status==\"True\")].spec.hostId}"})
               .out;
      if (id.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return id;
  };
  std::string before = host_id();
  ASSERT_EQ(before.size(), 56u) << before;
  EXPECT_EQ(before[0], 'N');
  EXPECT_EQ(Ok({"get", "hosts", "-o", "jsonpath={.items[0].status.os}"}).out, "linux");
  up_.Stop(SIGTERM);
  ASSERT_TRUE(up_.Start()) << up_.Log();
  EXPECT_EQ(host_id(), before) << "a restarted host is the same Host";
  EXPECT_EQ(Ok({"get", "hosts", "-o", "name"}).out.find('\n'),
            Ok({"get", "hosts", "-o", "name"}).out.size() - 1)
      << "one Host object, not a second one";
}

TEST_F(KubectlTest, StateSurvivesRestartsAndTokensAreRequired) {
  Ok({"apply", "-f", SamplesDir() + "runtime_v1alpha1_artifact.yaml"});
  std::string rv =
      Ok({"get", "art", "http-hello-world", "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  up_.Stop(SIGKILL);
  ASSERT_TRUE(up_.Start()) << up_.Log();
  Ok({"label", "art", "http-hello-world", "restarted=yes"});
  std::string after =
      Ok({"get", "art", "http-hello-world", "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  EXPECT_GT(std::stoll(after), std::stoll(rv));

  auto anonymous = testing::RunCommand(
      {"kubectl", "--kubeconfig", up_.kubeconfig(), "--token", "wrong", "get", "ww"});
  EXPECT_NE(anonymous.exit_code, 0);
  EXPECT_NE(anonymous.err.find("Unauthorized"), std::string::npos) << anonymous.err;
}

}  // namespace
}  // namespace wcloud
