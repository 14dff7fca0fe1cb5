// nats::ObjectStore against a real `nats-server -js`: round trips from 0 bytes to ~12.8 MB,
// meta, list, delete, watch, replaced chunks purged, a chunk corrupted behind the client's back,
// the server killed in the middle of a put, and interop both ways with the official JavaScript
// client (@nats-io/obj, run by the project's Node.js on the scripts in obj_interop/).
#include "nats/object_store.h"

#include <gtest/gtest.h>
#include <nats/nats.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "nats/connection.h"
#include "support/subprocess.h"
#include "support/wait_for.h"
#include "util/base64.h"
#include "util/mutex.h"
#include "util/sha256.h"
#include "util/timestamp.h"

namespace wcloud::nats {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using wcloud::testing::CommandResult;
using wcloud::testing::FreePort;
using wcloud::testing::RunCommand;
using wcloud::testing::Subprocess;
using wcloud::testing::TempDir;
using wcloud::testing::WaitFor;

constexpr uint64_t kBig = 12'800'000;
constexpr uint64_t kUnlimited = UINT64_MAX;

fs::path SourceDir() {
  const char* dir = std::getenv("WCLOUD_SOURCE_DIR");
  return dir != nullptr ? fs::path(dir) : fs::path(WCLOUD_SOURCE_DIR_DEFAULT);
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 random(seed);
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t word = random();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(word >> (8 * j));
  }
  return out;
}

// "SHA-256=" + base64url with padding, computed here from the hex digest: what the official
// clients write.
std::string ExpectedDigest(std::string_view data) {
  const std::string hex = Sha256Hex(data);
  std::string bytes;
  for (size_t i = 0; i < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  std::string b64 = Base64Encode(bytes);
  std::replace(b64.begin(), b64.end(), '+', '-');
  std::replace(b64.begin(), b64.end(), '/', '_');
  return "SHA-256=" + b64;
}

PutOptions Chunks(uint32_t chunk_size) {
  PutOptions options;
  options.chunk_size = chunk_size;
  return options;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const fs::path& path, std::string_view data) {
  std::ofstream(path, std::ios::binary)
      .write(data.data(), static_cast<std::streamsize>(data.size()));
}

// A nats-server with JetStream on 127.0.0.1 that can be killed and started again on the same
// port and store directory.
class NatsServer {
 public:
  NatsServer() : port_(FreePort()) { Start(); }

  void Start() {
    process_ = std::make_unique<Subprocess>(
        std::vector<std::string>{"nats-server", "-js", "-a", "127.0.0.1", "-p",
                                 std::to_string(port_), "-sd", (dir_.path() / "store").string()},
        dir_.path() / ("nats-" + std::to_string(starts_++) + ".log"));
    ASSERT_TRUE(process_->WaitForPort(port_)) << process_->Log();
  }
  void Kill() {
    process_->Kill(SIGKILL);
    process_->WaitForExit(std::chrono::seconds(10));
    process_.reset();
  }

  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  const fs::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  int port_;
  int starts_ = 0;
  std::unique_ptr<Subprocess> process_;
};

// The test's own libnats connection, to look at and tamper with a bucket's stream behind the
// client's back.
class RawJetStream {
 public:
  explicit RawJetStream(const std::string& url) {
    natsOptions* opts = nullptr;
    natsOptions_Create(&opts);
    natsOptions_SetURL(opts, url.c_str());
    natsOptions_SetMaxReconnect(opts, 0);
    ok_ = natsConnection_Connect(&nc_, opts) == NATS_OK &&
          natsConnection_JetStream(&js_, nc_, nullptr) == NATS_OK;
    natsOptions_Destroy(opts);
  }
  ~RawJetStream() {
    jsCtx_Destroy(js_);
    natsConnection_Destroy(nc_);
  }
  bool ok() const { return ok_; }

  // Messages per subject in the stream, nullopt when it cannot be read.
  std::optional<std::map<std::string, uint64_t>> Subjects(const std::string& stream) {
    jsOptions o;
    jsOptions_Init(&o);
    o.Stream.Info.SubjectsFilter = ">";
    jsStreamInfo* si = nullptr;
    if (js_GetStreamInfo(&si, js_, stream.c_str(), &o, nullptr) != NATS_OK) return std::nullopt;
    std::map<std::string, uint64_t> out;
    if (si->State.Subjects != nullptr) {
      for (int i = 0; i < si->State.Subjects->Count; ++i) {
        out[si->State.Subjects->List[i].Subject] = si->State.Subjects->List[i].Msgs;
      }
    }
    jsStreamInfo_Destroy(si);
    return out;
  }
  uint64_t Messages(const std::string& stream) {
    jsStreamInfo* si = nullptr;
    if (js_GetStreamInfo(&si, js_, stream.c_str(), nullptr, nullptr) != NATS_OK) return 0;
    const uint64_t n = si->State.Msgs;
    jsStreamInfo_Destroy(si);
    return n;
  }
  // The stream's configuration, as the fields ADR-20 sets.
  std::string ConfigSummary(const std::string& stream) {
    jsStreamInfo* si = nullptr;
    if (js_GetStreamInfo(&si, js_, stream.c_str(), nullptr, nullptr) != NATS_OK) return "none";
    const jsStreamConfig& c = *si->Config;
    std::string out = "subjects=";
    for (int i = 0; i < c.SubjectsLen; ++i) out += std::string(c.Subjects[i]) + ",";
    out += " retention=" + std::to_string(c.Retention) + " discard=" + std::to_string(c.Discard) +
           " storage=" + std::to_string(c.Storage) + " replicas=" + std::to_string(c.Replicas) +
           " max_bytes=" + std::to_string(c.MaxBytes) + " max_age=" + std::to_string(c.MaxAge) +
           " max_msgs=" + std::to_string(c.MaxMsgs) +
           " max_msgs_per_subject=" + std::to_string(c.MaxMsgsPerSubject) +
           " rollup=" + std::to_string(c.AllowRollup) + " direct=" + std::to_string(c.AllowDirect);
    jsStreamInfo_Destroy(si);
    return out;
  }
  // The sequences of the messages on `subject`, in order.
  std::vector<uint64_t> Sequences(const std::string& stream, const std::string& subject) {
    std::vector<uint64_t> out;
    for (uint64_t next = 1;;) {
      jsDirectGetMsgOptions o;
      jsDirectGetMsgOptions_Init(&o);
      o.Sequence = next;
      o.NextBySubject = subject.c_str();
      natsMsg* msg = nullptr;
      if (js_DirectGetMsg(&msg, js_, stream.c_str(), nullptr, &o) != NATS_OK) return out;
      const char* seq = nullptr;
      natsMsgHeader_Get(msg, "Nats-Sequence", &seq);
      out.push_back(std::stoull(seq != nullptr ? seq : "0"));
      natsMsg_Destroy(msg);
      next = out.back() + 1;
    }
  }
  bool DeleteMsg(const std::string& stream, uint64_t seq) {
    return js_DeleteMsg(js_, stream.c_str(), seq, nullptr, nullptr) == NATS_OK;
  }
  bool Purge(const std::string& stream, const std::string& subject) {
    jsOptions o;
    jsOptions_Init(&o);
    o.Stream.Purge.Subject = subject.c_str();
    return js_PurgeStream(js_, stream.c_str(), &o, nullptr) == NATS_OK;
  }
  bool Publish(const std::string& subject, std::string_view data) {
    return js_Publish(nullptr, js_, subject.c_str(), data.data(), static_cast<int>(data.size()),
                      nullptr, nullptr) == NATS_OK;
  }

 private:
  natsConnection* nc_ = nullptr;
  jsCtx* js_ = nullptr;
  bool ok_ = false;
};

std::unique_ptr<Connection> Connect(const std::string& url) {
  ConnectOptions options;
  options.urls = {url};
  options.name = "object-store-test";
  auto connection = Connection::Connect(options);
  EXPECT_TRUE(connection) << connection.error().message();
  return connection ? std::move(connection).value() : nullptr;
}

std::map<std::string, uint64_t> ChunkSubjects(const std::map<std::string, uint64_t>& subjects,
                                              const std::string& bucket) {
  std::map<std::string, uint64_t> out;
  for (const auto& [subject, n] : subjects) {
    if (subject.starts_with("$O." + bucket + ".C.")) out[subject] = n;
  }
  return out;
}

class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connection_ = Connect(server_.url());
    ASSERT_NE(connection_, nullptr);
    auto store = ObjectStore::Create(*connection_, "test", {});
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(store).value();
  }

  // Puts, reads back and checks what Info says.
  void RoundTrip(const std::string& name, const std::string& data, const PutOptions& options = {}) {
    SCOPED_TRACE(name + " (" + std::to_string(data.size()) + " bytes)");
    auto put = store_->Put(name, data, options);
    ASSERT_TRUE(put) << put.error().message();
    const uint32_t chunk = options.chunk_size != 0 ? options.chunk_size : 128 * 1024;
    EXPECT_EQ(put->size, data.size());
    EXPECT_EQ(put->chunks, (data.size() + chunk - 1) / chunk);
    EXPECT_EQ(put->digest, ExpectedDigest(data));
    EXPECT_TRUE(std::regex_match(put->digest, std::regex("SHA-256=[A-Za-z0-9_-]{43}=")))
        << put->digest;
    auto got = store_->Get(name, kUnlimited);
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_TRUE(*got == data);
    auto info = store_->Info(name);
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->nuid, put->nuid);
    EXPECT_EQ(info->size, data.size());
    EXPECT_EQ(info->chunks, put->chunks);
    EXPECT_EQ(info->digest, put->digest);
    EXPECT_EQ(info->max_chunk_size, chunk);
    EXPECT_EQ(info->bucket, "test");
    EXPECT_FALSE(info->deleted);
  }

  NatsServer server_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<ObjectStore> store_;
};

TEST_F(ObjectStoreTest, RoundTripsFromEmptyToManyChunks) {
  RoundTrip("empty", "");
  RoundTrip("one-byte", "x");
  RoundTrip("one-chunk", RandomBytes(128 * 1024, 1));
  RoundTrip("one-chunk-and-a-byte", RandomBytes(128 * 1024 + 1, 2));
  RoundTrip("small-chunks", RandomBytes(10'000, 3), Chunks(1000));
  const auto start = std::chrono::steady_clock::now();
  RoundTrip("big/random.bin", RandomBytes(kBig, 4));
  std::cout
      << "12.8 MB put + get + info: "
      << std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start).count()
      << " ms\n";
  // Names are not restricted (ADR-20): they are base64url-encoded into the subject.
  RoundTrip("with spaces, dots. and * > wildcards/ünïcödé", "odd name");
}

TEST_F(ObjectStoreTest, RoundTripsTheComponentizeJsFixture) {
  std::vector<fs::path> candidates;
  if (const char* dir = std::getenv("WCLOUD_BINARY_DIR")) {
    candidates.push_back(fs::path(dir) / "tests/components/js_http.wasm");
  }
  candidates.push_back(SourceDir() / "build/tests/components/js_http.wasm");
  for (const fs::path& path : candidates) {
    if (!fs::exists(path)) continue;
    const std::string wasm = ReadFile(path);
    ASSERT_GT(wasm.size(), 1'000'000u) << path;
    RoundTrip("components/js_http.wasm", wasm);
    return;
  }
  GTEST_SKIP() << "no js_http.wasm built (componentize-js fixture)";
}

TEST_F(ObjectStoreTest, KeepsDescriptionMetadataAndHeaders) {
  PutOptions options;
  options.description = "a component";
  options.metadata = {{"digest", "sha256:abc"}, {"owner", "wcloud"}};
  options.headers = {{"Content-Type", {"application/wasm"}}, {"X-Twice", {"a", "b"}}};
  auto put = store_->Put("meta", "bytes", options);
  ASSERT_TRUE(put) << put.error().message();
  EXPECT_EQ(put->nuid.size(), 22u);
  auto info = store_->Info("meta");
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->name, "meta");
  EXPECT_EQ(info->description, "a component");
  EXPECT_EQ(info->metadata, options.metadata);
  EXPECT_EQ(info->headers, options.headers);
  // The server's time for the meta message.
  auto mtime = ParseTime(info->mtime);
  ASSERT_TRUE(mtime) << info->mtime;
  EXPECT_LT(std::chrono::abs(WallClock::now() - *mtime), std::chrono::minutes(1));
  EXPECT_TRUE(ParseTime(put->mtime)) << put->mtime;
}

TEST_F(ObjectStoreTest, ListsInfosDeletesAndPurges) {
  auto missing = store_->Info("a");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("object store test"), std::string::npos)
      << missing.error().message();
  EXPECT_NE(missing.error().message().find("\"a\""), std::string::npos);
  EXPECT_EQ(store_->Delete("a").error().code(), ErrorCode::kNotFound);
  auto empty = store_->List();
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_TRUE(empty->empty());

  for (const char* name : {"a", "b", "c"}) {
    ASSERT_TRUE(store_->Put(name, RandomBytes(5000, name[0]), Chunks(1024)));
  }
  auto listed = store_->List();
  ASSERT_TRUE(listed) << listed.error().message();
  std::vector<std::string> names;
  for (const ObjectInfo& info : *listed) names.push_back(info.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(listed->at(1).size, 5000u);
  EXPECT_FALSE(listed->at(1).mtime.empty());

  const std::string b_nuid = store_->Info("b")->nuid;
  ASSERT_TRUE(store_->Delete("b"));
  EXPECT_EQ(store_->Info("b").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("b", kUnlimited).error().code(), ErrorCode::kNotFound);
  EXPECT_TRUE(store_->Delete("b")) << "deleting a deleted object does nothing";
  listed = store_->List();
  ASSERT_TRUE(listed);
  names.clear();
  for (const ObjectInfo& info : *listed) names.push_back(info.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "c"}));

  RawJetStream raw(server_.url());
  ASSERT_TRUE(raw.ok());
  auto subjects = raw.Subjects("OBJ_test");
  ASSERT_TRUE(subjects);
  EXPECT_EQ(subjects->count("$O.test.C." + b_nuid), 0u) << "b's chunks purged";
  EXPECT_EQ(ChunkSubjects(*subjects, "test").size(), 2u);
  // One meta per object (rolled up), the deleted marker included, and 5 chunks each for a, c.
  EXPECT_EQ(raw.Messages("OBJ_test"), 3u + 10u);

  // A deleted name can be put again.
  ASSERT_TRUE(store_->Put("b", "back"));
  EXPECT_EQ(*store_->Get("b", kUnlimited), "back");
}

TEST_F(ObjectStoreTest, ReplacingPurgesTheOldChunks) {
  const std::string v1 = RandomBytes(10 * 1024, 10);
  const std::string v2 = RandomBytes(7 * 1024 + 5, 11);
  auto first = store_->Put("x", v1, Chunks(1024));
  ASSERT_TRUE(first) << first.error().message();
  auto second = store_->Put("x", v2, Chunks(1024));
  ASSERT_TRUE(second) << second.error().message();
  EXPECT_NE(first->nuid, second->nuid);
  EXPECT_EQ(*store_->Get("x", kUnlimited), v2);

  RawJetStream raw(server_.url());
  auto subjects = raw.Subjects("OBJ_test");
  ASSERT_TRUE(subjects);
  EXPECT_EQ(subjects->count("$O.test.C." + first->nuid), 0u);
  EXPECT_EQ(subjects->at("$O.test.C." + second->nuid), 8u);
  EXPECT_EQ(raw.Messages("OBJ_test"), 8u + 1u) << "v2's chunks and one meta";
}

TEST_F(ObjectStoreTest, WatchSeesCurrentObjectsThenChanges) {
  ASSERT_TRUE(store_->Put("before", "1"));
  Mutex mu;
  std::vector<std::string> events;  // "name" or "name deleted"
  const auto seen = [&] {
    MutexLock lock(mu);
    return events;
  };
  auto watcher = store_->Watch([&](const ObjectInfo& info) {
    MutexLock lock(mu);
    events.push_back(info.name + (info.deleted ? " deleted" : "") + " " +
                     std::to_string(info.size));
  });
  ASSERT_TRUE(watcher) << watcher.error().message();
  ASSERT_TRUE(WaitFor([&] { return seen().size() == 1; })) << seen().size();
  EXPECT_EQ(seen()[0], "before 1");

  ASSERT_TRUE(store_->Put("after", "22"));
  ASSERT_TRUE(store_->Delete("before"));
  ASSERT_TRUE(WaitFor([&] { return seen().size() == 3; })) << seen().size();
  EXPECT_EQ(seen(), (std::vector<std::string>{"before 1", "after 2", "before deleted 0"}));

  watcher->reset();
  ASSERT_TRUE(store_->Put("unwatched", "3"));
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_EQ(seen().size(), 3u);
}

// libnats recreates the ordered consumer behind a watcher when the server comes back.
TEST_F(ObjectStoreTest, WatchGoesOnAfterTheServerRestarts) {
  Mutex mu;
  std::vector<std::string> names;
  auto watcher = store_->Watch([&](const ObjectInfo& info) {
    MutexLock lock(mu);
    names.push_back(info.name);
  });
  ASSERT_TRUE(watcher) << watcher.error().message();
  const auto seen = [&](const std::string& name) {
    MutexLock lock(mu);
    return std::count(names.begin(), names.end(), name) > 0;
  };
  ASSERT_TRUE(store_->Put("before", "1"));
  ASSERT_TRUE(WaitFor([&] { return seen("before"); }));

  server_.Kill();
  ASSERT_TRUE(WaitFor([&] { return !connection_->connected(); }));
  auto down = store_->Watch([](const ObjectInfo&) {});
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error().code(), ErrorCode::kUnavailable) << down.error().message();
  server_.Start();
  ASSERT_TRUE(WaitFor([&] { return store_->Put("after", "2").has_value(); }));
  EXPECT_TRUE(WaitFor([&] { return seen("after"); }));
}

TEST_F(ObjectStoreTest, CorruptedChunkIsADigestMismatch) {
  const std::string data = RandomBytes(4 * 1024, 20);
  auto put = store_->Put("victim", data, Chunks(1024));
  ASSERT_TRUE(put) << put.error().message();
  const std::string subject = "$O.test.C." + put->nuid;
  RawJetStream raw(server_.url());
  ASSERT_TRUE(raw.ok());

  // Every chunk republished in order, one byte of the second flipped: same count, same size.
  ASSERT_TRUE(raw.Purge("OBJ_test", subject));
  for (int i = 0; i < 4; ++i) {
    std::string chunk = data.substr(i * 1024, 1024);
    if (i == 1) chunk[100] = static_cast<char>(chunk[100] ^ 0x01);
    ASSERT_TRUE(raw.Publish(subject, chunk));
  }
  auto got = store_->Get("victim", kUnlimited);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kInternal);
  EXPECT_NE(got.error().message().find("digest mismatch"), std::string::npos)
      << got.error().message();
  EXPECT_NE(got.error().message().find("object store test"), std::string::npos);
  EXPECT_NE(got.error().message().find("\"victim\""), std::string::npos);

  // The second chunk's message deleted and a different payload put on its subject: it now
  // comes last.
  ASSERT_TRUE(raw.Purge("OBJ_test", subject));
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(raw.Publish(subject, data.substr(i * 1024, 1024)));
  ASSERT_TRUE(store_->Get("victim", kUnlimited)) << "restored";
  const std::vector<uint64_t> seqs = raw.Sequences("OBJ_test", subject);
  ASSERT_EQ(seqs.size(), 4u);
  ASSERT_TRUE(raw.DeleteMsg("OBJ_test", seqs[1]));
  ASSERT_TRUE(raw.Publish(subject, RandomBytes(1024, 21)));
  got = store_->Get("victim", kUnlimited);
  ASSERT_FALSE(got);
  EXPECT_NE(got.error().message().find("digest mismatch"), std::string::npos)
      << got.error().message();

  // A chunk missing altogether, and one too many bytes: errors too, quickly.
  ASSERT_TRUE(raw.DeleteMsg("OBJ_test", raw.Sequences("OBJ_test", subject)[0]));
  const auto start = std::chrono::steady_clock::now();
  got = store_->Get("victim", kUnlimited);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kInternal) << got.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  ASSERT_TRUE(raw.Publish(subject, RandomBytes(1025, 22)));
  got = store_->Get("victim", kUnlimited);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kInternal) << got.error().message();

  // No chunk left at all.
  ASSERT_TRUE(raw.Purge("OBJ_test", subject));
  const auto purged = std::chrono::steady_clock::now();
  got = store_->Get("victim", kUnlimited);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code(), ErrorCode::kInternal) << got.error().message();
  EXPECT_LT(std::chrono::steady_clock::now() - purged, std::chrono::seconds(3));

  // The store still works.
  RoundTrip("after", "fine");
}

// Readers racing a writer that keeps replacing the object (and purging the replaced chunks)
// get one whole version or the other, never a mix and never an error.
TEST_F(ObjectStoreTest, ReadersRacingReplacementsSeeWholeVersions) {
  const std::string v1 = RandomBytes(1024 * 1024, 90);
  const std::string v2 = RandomBytes(1024 * 1024 + 7, 91);
  ASSERT_TRUE(store_->Put("hot", v1, Chunks(16 * 1024)));
  std::atomic<bool> stop = false;
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      auto put = store_->Put("hot", i % 2 == 0 ? v2 : v1, Chunks(16 * 1024));
      EXPECT_TRUE(put) << put.error().message();
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  int reads = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (std::chrono::steady_clock::now() < end) {
    auto got = store_->Get("hot", kUnlimited);
    ASSERT_TRUE(got) << got.error().message();
    EXPECT_TRUE(*got == v1 || *got == v2) << "a mix of versions";
    ++reads;
  }
  stop = true;
  writer.join();
  EXPECT_GT(reads, 10);
}

TEST_F(ObjectStoreTest, GetRefusesObjectsLargerThanMaxBytes) {
  ASSERT_TRUE(store_->Put("thousand", RandomBytes(1000, 30)));
  auto refused = store_->Get("thousand", 999);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(refused.error().message().find("1000 bytes"), std::string::npos)
      << refused.error().message();
  auto got = store_->Get("thousand", 1000);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_EQ(got->size(), 1000u);
}

TEST_F(ObjectStoreTest, RefusesBadBucketAndObjectNames) {
  for (const std::string bucket : {"", "a.b", "a b", "a*", "a>", "ü", "a/b", "$O"}) {
    auto created = ObjectStore::Create(*connection_, bucket, {});
    ASSERT_FALSE(created) << bucket;
    EXPECT_EQ(created.error().code(), ErrorCode::kInvalidArgument) << bucket;
    EXPECT_NE(created.error().message().find("invalid bucket name"), std::string::npos);
    auto opened = ObjectStore::Open(*connection_, bucket);
    ASSERT_FALSE(opened) << bucket;
    EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidArgument) << bucket;
  }
  auto missing = ObjectStore::Open(*connection_, "no-such_bucket");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("no-such_bucket"), std::string::npos);
  auto opened = ObjectStore::Open(*connection_, "test");
  ASSERT_TRUE(opened) << opened.error().message();

  EXPECT_EQ(store_->Put("", "x").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Put(std::string(1025, 'n'), "x").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Put("bad\xff", "x").error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(store_->Info("").error().code(), ErrorCode::kInvalidArgument);

  // A stream of that name that is not an object store.
  jsStreamConfig config;
  jsStreamConfig_Init(&config);
  config.Name = "OBJ_other";
  const char* subjects[] = {"other.>"};
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  jsCtx* js = nullptr;
  natsConnection* nc = nullptr;
  ASSERT_EQ(natsConnection_ConnectTo(&nc, server_.url().c_str()), NATS_OK);
  ASSERT_EQ(natsConnection_JetStream(&js, nc, nullptr), NATS_OK);
  ASSERT_EQ(js_AddStream(nullptr, js, &config, nullptr, nullptr), NATS_OK);
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  auto other = ObjectStore::Open(*connection_, "other");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), ErrorCode::kFailedPrecondition) << other.error().message();
}

TEST_F(ObjectStoreTest, AFullBucketRefusesThePutAndKeepsTheOldObject) {
  BucketOptions limited;
  limited.max_bytes = 64 * 1024;
  auto small = ObjectStore::Create(*connection_, "small", limited);
  ASSERT_TRUE(small) << small.error().message();
  ASSERT_TRUE((*small)->Put("x", "old"));
  auto refused = (*small)->Put("x", RandomBytes(200 * 1024, 40), Chunks(8 * 1024));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kResourceExhausted) << refused.error().message();
  EXPECT_EQ(*(*small)->Get("x", kUnlimited), "old");
  RawJetStream raw(server_.url());
  auto subjects = raw.Subjects("OBJ_small");
  ASSERT_TRUE(subjects);
  EXPECT_EQ(ChunkSubjects(*subjects, "small").size(), 1u) << "the failed put's chunks purged";
}

TEST_F(ObjectStoreTest, CreateBindsToAnExistingBucketAndSetsAdr20Config) {
  ASSERT_TRUE(store_->Put("kept", "1"));
  BucketOptions ignored;
  ignored.description = "ignored";
  auto again = ObjectStore::Create(*connection_, "test", ignored);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(*(*again)->Get("kept", kUnlimited), "1");
  RawJetStream raw(server_.url());
  EXPECT_EQ(raw.ConfigSummary("OBJ_test"),
            "subjects=$O.test.C.>,$O.test.M.>, retention=0 discard=1 storage=0 replicas=1 "
            "max_bytes=-1 max_age=0 max_msgs=-1 max_msgs_per_subject=-1 rollup=1 direct=1");
  BucketOptions set;
  set.max_bytes = 1 << 20;
  set.ttl = std::chrono::seconds(60);
  set.memory_storage = true;
  auto options = ObjectStore::Create(*connection_, "opts", set);
  ASSERT_TRUE(options) << options.error().message();
  EXPECT_EQ(raw.ConfigSummary("OBJ_opts"),
            "subjects=$O.opts.C.>,$O.opts.M.>, retention=0 discard=1 storage=1 replicas=1 "
            "max_bytes=1048576 max_age=60000000000 max_msgs=-1 max_msgs_per_subject=-1 "
            "rollup=1 direct=1");
}

// The server killed (SIGKILL) while a 12.8 MB put is half done: the put fails; after a restart
// on the same store the previous version is whole and nothing partial is visible.
TEST_F(ObjectStoreTest, ServerKilledMidPutLeavesThePreviousVersion) {
  const std::string v1 = RandomBytes(300 * 1024, 50);
  ASSERT_TRUE(store_->Put("keep", v1));
  const std::string big = RandomBytes(kBig, 51);

  for (const std::string name : {"keep", "fresh"}) {
    SCOPED_TRACE(name);
    std::optional<Result<ObjectInfo>> put;
    std::atomic<bool> done = false;
    const uint64_t before = RawJetStream(server_.url()).Messages("OBJ_test");
    // Small chunks, each acknowledged before the next, make the put long enough to interrupt.
    std::thread putter([&] {
      put.emplace(store_->Put(name, big, Chunks(4096)));
      done = true;
    });
    {
      RawJetStream raw(server_.url());
      EXPECT_TRUE(WaitFor([&] { return done || raw.Messages("OBJ_test") >= before + 200; },
                          std::chrono::seconds(30), milliseconds(2)));
    }
    ASSERT_FALSE(done) << "the put finished before the server could be killed";
    server_.Kill();
    putter.join();
    ASSERT_TRUE(put.has_value());
    ASSERT_FALSE(*put) << "a put cut off by the server's death must fail";
    std::cout << "put during kill: " << put->error().message() << "\n";
    EXPECT_NE(put->error().message().find("\"" + name + "\""), std::string::npos);

    server_.Start();
    ASSERT_TRUE(WaitFor([&] { return connection_->connected(); }, std::chrono::seconds(30)));
    // JetStream recovers the stream from the store directory.
    ASSERT_TRUE(WaitFor([&] { return store_->Info("keep").has_value(); }));
    auto kept = store_->Get("keep", kUnlimited);
    ASSERT_TRUE(kept) << kept.error().message();
    EXPECT_TRUE(*kept == v1) << "the previous version is intact";
    auto fresh = store_->Info("fresh");
    ASSERT_FALSE(fresh);
    EXPECT_EQ(fresh.error().code(), ErrorCode::kNotFound) << fresh.error().message();
    auto listed = store_->List();
    ASSERT_TRUE(listed) << listed.error().message();
    EXPECT_EQ(listed->size(), 1u);
  }
  // The cut-off puts' chunks are purged once the server is back (before the next put).
  ASSERT_TRUE(store_->Put("later", "x"));
  RawJetStream raw(server_.url());
  auto subjects = raw.Subjects("OBJ_test");
  ASSERT_TRUE(subjects);
  std::string chunks;
  for (const auto& [subject, n] : ChunkSubjects(*subjects, "test")) {
    chunks += subject + "=" + std::to_string(n) + " ";
  }
  EXPECT_EQ(ChunkSubjects(*subjects, "test").size(), 2u) << chunks;
}

// ---- Interop with @nats-io/obj ------------------------------------------------------------

class JsInteropTest : public ObjectStoreTest {
 protected:
  static fs::path Script(const std::string& name) {
    return SourceDir() / "tests/nats/obj_interop" / name;
  }
  static std::string Node() {
    const fs::path node = SourceDir() / ".deps/node/bin/node";
    return fs::exists(node) ? node.string() : "node";
  }

  CommandResult RunScript(const std::string& script, std::vector<std::string> args) {
    std::vector<std::string> argv = {
        "env",         "NODE_PATH=" + (SourceDir() / "tools/npm/node_modules").string(),
        Node(),        Script(script).string(),
        server_.url(), "test"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  // The JSON a script printed last (objects compared regardless of key order).
  static nlohmann::json Output(const CommandResult& result) {
    const std::string& out = result.out;
    const size_t start = out.rfind('\n', out.size() >= 2 ? out.size() - 2 : 0);
    const nlohmann::json j = nlohmann::json::parse(
        start == std::string::npos ? out : out.substr(start + 1), nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << result.out << result.err;
    return j;
  }

  void SetUp() override {
    ObjectStoreTest::SetUp();
    if (!fs::exists(SourceDir() / "tools/npm/node_modules/@nats-io/obj")) {
      GTEST_SKIP() << "@nats-io/obj not installed in tools/npm (npm ci there)";
    }
  }
};

TEST_F(JsInteropTest, JsReadsWhatWePut) {
  const std::string data = RandomBytes(3 * 1024 * 1024 + 17, 60);
  PutOptions options;
  options.description = "put by wcloud";
  options.metadata = {{"origin", "wcloud"}, {"kind", "component"}};
  options.headers = {{"X-Wcloud-Test", {"one", "two"}}};
  options.chunk_size = 64 * 1024;
  auto put = store_->Put("from-wcloud.bin", data, options);
  ASSERT_TRUE(put) << put.error().message();

  TempDir dir;
  auto got = RunScript("get.mjs", {"from-wcloud.bin", (dir.path() / "out").string()});
  ASSERT_EQ(got.exit_code, 0) << got.out << got.err;
  EXPECT_TRUE(ReadFile(dir.path() / "out") == data) << "bytes differ";
  const nlohmann::json info = Output(got);
  EXPECT_EQ(info["name"], "from-wcloud.bin");
  EXPECT_EQ(info["bucket"], "test");
  EXPECT_EQ(info["nuid"], put->nuid);
  EXPECT_EQ(info["size"], data.size());
  EXPECT_EQ(info["chunks"], put->chunks);
  EXPECT_EQ(info["digest"], put->digest);
  EXPECT_EQ(info["digest"], ExpectedDigest(data));
  EXPECT_EQ(info["description"], "put by wcloud");
  EXPECT_EQ(info["metadata"], nlohmann::json({{"kind", "component"}, {"origin", "wcloud"}}));
  EXPECT_EQ(info["headers"], nlohmann::json({{"X-Wcloud-Test", {"one", "two"}}}));
  EXPECT_EQ(info["options"]["max_chunk_size"], 64 * 1024);
  EXPECT_EQ(info["deleted"], false);
  EXPECT_EQ(info["mtime"], put->mtime);

  // The componentize-js fixture too, when built, at the default chunk size.
  const fs::path wasm = SourceDir() / "build/tests/components/js_http.wasm";
  if (fs::exists(wasm)) {
    const std::string bytes = ReadFile(wasm);
    ASSERT_TRUE(store_->Put("js_http.wasm", bytes));
    got = RunScript("get.mjs", {"js_http.wasm", (dir.path() / "wasm").string()});
    ASSERT_EQ(got.exit_code, 0) << got.out << got.err;
    EXPECT_TRUE(ReadFile(dir.path() / "wasm") == bytes);
    EXPECT_EQ(Output(got)["digest"], ExpectedDigest(bytes));
  }
}

TEST_F(JsInteropTest, WeReadWhatJsPut) {
  TempDir dir;
  const std::string data = RandomBytes(2 * 1024 * 1024 + 3, 70);
  WriteFile(dir.path() / "in", data);
  const nlohmann::json meta = {{"description", "put by @nats-io/obj"},
                               {"metadata", {{"origin", "js"}}},
                               {"headers", {{"X-K", {"1", "2"}}}},
                               {"max_chunk_size", 100000}};
  auto put = RunScript("put.mjs", {"from-js.bin", (dir.path() / "in").string(), meta.dump()});
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  const nlohmann::json js_info = Output(put);
  ASSERT_EQ(js_info["digest"], ExpectedDigest(data)) << "JS writes the digest as we do";

  auto got = store_->Get("from-js.bin", kUnlimited);
  ASSERT_TRUE(got) << got.error().message();
  EXPECT_TRUE(*got == data);
  auto info = store_->Info("from-js.bin");
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->digest, js_info["digest"].get<std::string>());
  EXPECT_EQ(info->nuid, js_info["nuid"].get<std::string>());
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->chunks, 21u);
  EXPECT_EQ(info->max_chunk_size, 100000u);
  EXPECT_EQ(info->description, "put by @nats-io/obj");
  EXPECT_EQ(info->metadata, (std::map<std::string, std::string>{{"origin", "js"}}));
  EXPECT_EQ(info->headers, (std::map<std::string, std::vector<std::string>>{{"X-K", {"1", "2"}}}));
  EXPECT_TRUE(ParseTime(info->mtime)) << info->mtime;

  // An empty object from JS (no chunks, the digest of nothing).
  WriteFile(dir.path() / "empty", "");
  put = RunScript("put.mjs", {"empty-from-js", (dir.path() / "empty").string()});
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  auto empty = store_->Get("empty-from-js", kUnlimited);
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_EQ(*empty, "");

  // JS replacing our object: we read JS's bytes, and JS purged our chunks.
  auto ours = store_->Put("shared", RandomBytes(300 * 1024, 71));
  ASSERT_TRUE(ours);
  put = RunScript("put.mjs", {"shared", (dir.path() / "in").string()});
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  EXPECT_TRUE(*store_->Get("shared", kUnlimited) == data);
  RawJetStream raw(server_.url());
  EXPECT_EQ(raw.Subjects("OBJ_test")->count("$O.test.C." + ours->nuid), 0u);
}

TEST_F(JsInteropTest, DeletesAndListsAgree) {
  TempDir dir;
  WriteFile(dir.path() / "in", "from js");
  ASSERT_TRUE(store_->Put("ours-1", "1"));
  ASSERT_TRUE(store_->Put("ours-2", RandomBytes(200 * 1024, 80)));
  for (const char* name : {"js-1", "js-2"}) {
    auto put = RunScript("put.mjs", {name, (dir.path() / "in").string()});
    ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  }
  Mutex mu;
  std::vector<std::string> watched;
  auto watcher = store_->Watch([&](const ObjectInfo& info) {
    MutexLock lock(mu);
    watched.push_back(info.name + (info.deleted ? " deleted" : ""));
  });
  ASSERT_TRUE(watcher);

  const auto js_names = [&] {
    auto listed = RunScript("list.mjs", {});
    EXPECT_EQ(listed.exit_code, 0) << listed.out << listed.err;
    std::vector<std::string> names;
    for (const nlohmann::json& info : Output(listed)) {
      names.push_back(info["name"].get<std::string>());
    }
    return names;
  };
  const auto our_names = [&] {
    std::vector<std::string> names;
    auto listed = store_->List();
    EXPECT_TRUE(listed) << listed.error().message();
    if (listed) {
      for (const ObjectInfo& info : *listed) names.push_back(info.name);
    }
    std::sort(names.begin(), names.end());
    return names;
  };
  const std::vector<std::string> all = {"js-1", "js-2", "ours-1", "ours-2"};
  EXPECT_EQ(js_names(), all);
  EXPECT_EQ(our_names(), all);

  // JS deletes ours; we delete JS's.
  const std::string ours_nuid = store_->Info("ours-2")->nuid;
  auto deleted = RunScript("delete.mjs", {"ours-2"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.out << deleted.err;
  EXPECT_EQ(store_->Info("ours-2").error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store_->Get("ours-2", kUnlimited).error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(store_->Delete("js-1"));
  auto got = RunScript("get.mjs", {"js-1", (dir.path() / "out").string()});
  ASSERT_EQ(got.exit_code, 0) << got.out << got.err;
  EXPECT_TRUE(Output(got).is_null()) << got.out;

  const std::vector<std::string> left = {"js-2", "ours-1"};
  EXPECT_EQ(js_names(), left);
  EXPECT_EQ(our_names(), left);
  RawJetStream raw(server_.url());
  EXPECT_EQ(raw.Subjects("OBJ_test")->count("$O.test.C." + ours_nuid), 0u);

  // Our watcher saw JS's delete as a deleted marker.
  EXPECT_TRUE(WaitFor([&] {
    MutexLock lock(mu);
    return std::count(watched.begin(), watched.end(), "ours-2 deleted") == 1 &&
           std::count(watched.begin(), watched.end(), "js-1 deleted") == 1;
  }));
}

// A bucket @nats-io/obj created (put.mjs creates it when missing) has the configuration ours
// get, and we bind to it.
TEST_F(JsInteropTest, JsCreatedBucketIsOneWeOpen) {
  TempDir dir;
  WriteFile(dir.path() / "in", "hello");
  std::vector<std::string> argv = {
      "env",         "NODE_PATH=" + (SourceDir() / "tools/npm/node_modules").string(),
      Node(),        Script("put.mjs").string(),
      server_.url(), "jsmade",
      "hello.txt",   (dir.path() / "in").string()};
  auto put = RunCommand(argv);
  ASSERT_EQ(put.exit_code, 0) << put.out << put.err;
  auto opened = ObjectStore::Open(*connection_, "jsmade");
  ASSERT_TRUE(opened) << opened.error().message();
  EXPECT_EQ(*(*opened)->Get("hello.txt", kUnlimited), "hello");
  RawJetStream raw(server_.url());
  std::string js_config = raw.ConfigSummary("OBJ_jsmade");
  std::string our_config = raw.ConfigSummary("OBJ_test");
  const auto unbucket = [](std::string s, const std::string& bucket) {
    for (size_t at; (at = s.find(bucket)) != std::string::npos;) s.replace(at, bucket.size(), "B");
    return s;
  };
  EXPECT_EQ(unbucket(js_config, "jsmade"), unbucket(our_config, "test"));
}
}  // namespace
}  // namespace wcloud::nats
