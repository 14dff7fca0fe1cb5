#include "plugins/store_metrics.h"

#include <chrono>
#include <utility>
#include <vector>

namespace wcloud::plugins {
namespace {

using Clock = std::chrono::steady_clock;
using Series = std::map<std::string, std::unique_ptr<OperationSeries>>;

// From an in-memory store's microseconds to a remote one's request timeout (2 s by default).
const std::vector<double>& Buckets() {
  static const std::vector<double> bounds = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
                                             0.001,   0.0025,   0.005,   0.01,   0.025,   0.05,
                                             0.1,     0.25,     0.5,     1,      2.5,     5};
  return bounds;
}

// Counts `call`'s result (an Error is a failed operation) and its time in `series`.
template <typename Call>
auto Timed(OperationSeries* series, Call&& call) {
  const Clock::time_point start = Clock::now();
  auto result = call();
  series->Record(static_cast<bool>(result),
                 std::chrono::duration<double>(Clock::now() - start).count());
  return result;
}

constexpr std::initializer_list<const char*> kKeyValueOperations = {
    "get",       "set",      "delete",   "exists",     "list_keys",
    "increment", "get_many", "set_many", "delete_many"};
constexpr std::initializer_list<const char*> kBlobstoreOperations = {"create_container",
                                                                     "container_exists",
                                                                     "container_created_at",
                                                                     "delete_container",
                                                                     "put",
                                                                     "get",
                                                                     "info",
                                                                     "delete",
                                                                     "list"};

class MeteredKeyValue : public KeyValueBackend {
 public:
  MeteredKeyValue(std::shared_ptr<KeyValueBackend> inner, const Series& series)
      : inner_(std::move(inner)),
        get_(series.at("get").get()),
        set_(series.at("set").get()),
        delete_(series.at("delete").get()),
        exists_(series.at("exists").get()),
        list_keys_(series.at("list_keys").get()),
        increment_(series.at("increment").get()),
        get_many_(series.at("get_many").get()),
        set_many_(series.at("set_many").get()),
        delete_many_(series.at("delete_many").get()) {}

  Result<std::optional<Bytes>> Get(const std::string& bucket, const std::string& key) override {
    return Timed(get_, [&] { return inner_->Get(bucket, key); });
  }
  Status Set(const std::string& bucket, const std::string& key, const Bytes& value) override {
    return Timed(set_, [&] { return inner_->Set(bucket, key, value); });
  }
  Status Delete(const std::string& bucket, const std::string& key) override {
    return Timed(delete_, [&] { return inner_->Delete(bucket, key); });
  }
  Result<bool> Exists(const std::string& bucket, const std::string& key) override {
    return Timed(exists_, [&] { return inner_->Exists(bucket, key); });
  }
  Result<KeyPage> ListKeys(const std::string& bucket, std::optional<uint64_t> cursor) override {
    return Timed(list_keys_, [&] { return inner_->ListKeys(bucket, cursor); });
  }
  Result<uint64_t> Increment(const std::string& bucket, const std::string& key,
                             uint64_t delta) override {
    return Timed(increment_, [&] { return inner_->Increment(bucket, key, delta); });
  }
  Result<std::vector<std::optional<Bytes>>> GetMany(const std::string& bucket,
                                                    const std::vector<std::string>& keys) override {
    return Timed(get_many_, [&] { return inner_->GetMany(bucket, keys); });
  }
  Status SetMany(const std::string& bucket,
                 const std::vector<std::pair<std::string, Bytes>>& entries) override {
    return Timed(set_many_, [&] { return inner_->SetMany(bucket, entries); });
  }
  Status DeleteMany(const std::string& bucket, const std::vector<std::string>& keys) override {
    return Timed(delete_many_, [&] { return inner_->DeleteMany(bucket, keys); });
  }

 private:
  std::shared_ptr<KeyValueBackend> inner_;
  OperationSeries* get_;
  OperationSeries* set_;
  OperationSeries* delete_;
  OperationSeries* exists_;
  OperationSeries* list_keys_;
  OperationSeries* increment_;
  OperationSeries* get_many_;
  OperationSeries* set_many_;
  OperationSeries* delete_many_;
};

class MeteredBlobstore : public BlobstoreBackend {
 public:
  MeteredBlobstore(std::shared_ptr<BlobstoreBackend> inner, const Series& series)
      : inner_(std::move(inner)),
        create_container_(series.at("create_container").get()),
        container_exists_(series.at("container_exists").get()),
        container_created_at_(series.at("container_created_at").get()),
        delete_container_(series.at("delete_container").get()),
        put_(series.at("put").get()),
        get_(series.at("get").get()),
        info_(series.at("info").get()),
        delete_(series.at("delete").get()),
        list_(series.at("list").get()) {}

  Status CreateContainer(const std::string& bucket) override {
    return Timed(create_container_, [&] { return inner_->CreateContainer(bucket); });
  }
  Result<bool> ContainerExists(const std::string& bucket) override {
    return Timed(container_exists_, [&] { return inner_->ContainerExists(bucket); });
  }
  Result<uint64_t> ContainerCreatedAt(const std::string& bucket) override {
    return Timed(container_created_at_, [&] { return inner_->ContainerCreatedAt(bucket); });
  }
  Status DeleteContainer(const std::string& bucket) override {
    return Timed(delete_container_, [&] { return inner_->DeleteContainer(bucket); });
  }
  Status Put(const std::string& bucket, const std::string& name, const Bytes& data) override {
    return Timed(put_, [&] { return inner_->Put(bucket, name, data); });
  }
  Result<Bytes> Get(const std::string& bucket, const std::string& name,
                    uint64_t max_bytes) override {
    return Timed(get_, [&] { return inner_->Get(bucket, name, max_bytes); });
  }
  Result<BlobObjectInfo> Info(const std::string& bucket, const std::string& name) override {
    return Timed(info_, [&] { return inner_->Info(bucket, name); });
  }
  Status Delete(const std::string& bucket, const std::string& name) override {
    return Timed(delete_, [&] { return inner_->Delete(bucket, name); });
  }
  Result<std::vector<std::string>> List(const std::string& bucket) override {
    return Timed(list_, [&] { return inner_->List(bucket); });
  }

 private:
  std::shared_ptr<BlobstoreBackend> inner_;
  OperationSeries* create_container_;
  OperationSeries* container_exists_;
  OperationSeries* container_created_at_;
  OperationSeries* delete_container_;
  OperationSeries* put_;
  OperationSeries* get_;
  OperationSeries* info_;
  OperationSeries* delete_;
  OperationSeries* list_;
};

StoreMetrics::Store MakeStore(metrics::Registry& registry, const std::string& store,
                              const std::string& what) {
  return {prometheus::BuildCounter()
              .Name("wcloud_" + store + "_operations_total")
              .Help(what + " operations of workloads, by backend and operation.")
              .Register(registry.families()),
          prometheus::BuildCounter()
              .Name("wcloud_" + store + "_operation_errors_total")
              .Help(what + " operations of workloads that failed, by backend and operation.")
              .Register(registry.families()),
          prometheus::BuildHistogram()
              .Name("wcloud_" + store + "_operation_duration_seconds")
              .Help("Time " + what + " operations of workloads took, by backend and operation.")
              .Register(registry.families()),
          {}};
}

}  // namespace

OperationSeries::OperationSeries(prometheus::Counter& total, prometheus::Counter& errors,
                                 prometheus::Histogram& duration)
    : total_(total), errors_(errors), duration_(duration, Buckets()) {}

void OperationSeries::Record(bool ok, double seconds) {
  total_.Increment();
  if (!ok) errors_.Increment();
  duration_.Observe(seconds);
}

StoreMetrics::StoreMetrics(metrics::Registry& registry)
    : keyvalue_(MakeStore(registry, "keyvalue", "wasi:keyvalue")),
      blobstore_(MakeStore(registry, "blobstore", "wasi:blobstore")),
      hook_(registry.OnScrape([this] { Flush(); })) {}

Series& StoreMetrics::SeriesOf(Store& store, std::string_view kind,
                               std::initializer_list<const char*> operations) {
  auto it = store.series.find(kind);
  if (it != store.series.end()) return it->second;
  Series& series = store.series[std::string(kind)];
  for (const char* operation : operations) {
    const prometheus::Labels labels = {{"backend", std::string(kind)}, {"operation", operation}};
    series[operation] = std::make_unique<OperationSeries>(
        store.total.Add(labels), store.errors.Add(labels), store.duration.Add(labels, Buckets()));
  }
  return series;
}

std::shared_ptr<KeyValueBackend> StoreMetrics::Wrap(std::string_view kind,
                                                    std::shared_ptr<KeyValueBackend> backend) {
  MutexLock lock(mu_);
  return std::make_shared<MeteredKeyValue>(std::move(backend),
                                           SeriesOf(keyvalue_, kind, kKeyValueOperations));
}

std::shared_ptr<BlobstoreBackend> StoreMetrics::Wrap(std::string_view kind,
                                                     std::shared_ptr<BlobstoreBackend> backend) {
  MutexLock lock(mu_);
  return std::make_shared<MeteredBlobstore>(std::move(backend),
                                            SeriesOf(blobstore_, kind, kBlobstoreOperations));
}

void StoreMetrics::Flush() {
  MutexLock lock(mu_);
  for (Store* store : {&keyvalue_, &blobstore_}) {
    for (auto& [kind, operations] : store->series) {
      for (auto& [operation, series] : operations) series->Flush();
    }
  }
}

}  // namespace wcloud::plugins
