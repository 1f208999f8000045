// Opening and closing the store: RocksDB with the store's options (rocksdb_options.h), the
// schema check and upgrade (schema.h), then what the store keeps in memory from meta: the
// retention table, the outbox row count, the integrity chain's head and the dictionary.
#include <rocksdb/db.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <utility>

#include "store/dictionary.h"
#include "store/integrity_chain.h"
#include "store/rocksdb_options.h"
#include "store/rocksdb_status.h"
#include "store/schema.h"
#include "store/store.h"

namespace inzage {
namespace {}  // namespace

Store::Store() : dictionary_(std::make_shared<SharedDictionary>()) {}

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, StoreOptions options) {
  if (!options.now) options.now = WallNow;
  std::unique_ptr<Store> store(new Store());
  if (Status st = store->OpenDb(path, std::move(options)); !st.ok()) return st;
  const StoreOptions& o = store->options_;
  Status st = CheckSchema(store->db_.get(), store->cfs_["meta"], path, o.key_id, o.read_only);
  if (!st.ok()) return st;
  if (st = store->LoadRetention(path); !st.ok()) return st;
  store->CountOutboxRows();
  if (st = store->LoadAlertCounts(); !st.ok()) return st;
  // Nothing else can reach the store yet; the lock is for the annotations' sake.
  MutexLock lock(&store->commit_mu_);
  std::string row;
  rocksdb::Status s =
      store->db_->Get(rocksdb::ReadOptions(), store->cfs_["meta"], "chain/head", &row);
  std::string_view head;
  if (s.ok() && DecodeChainHeadRow(row, &store->last_seq_, &head)) {
    store->head_ = std::string(head);
  } else if (s.IsNotFound()) {
    store->head_.assign(32, '\0');
  } else if (s.ok()) {
    return Status::Corruption("store " + path + ": the integrity chain head (meta chain/head) is " +
                              std::to_string(row.size()) + " bytes, not 40");
  } else {
    return FromRocks(s, "read integrity chain head");
  }
  if (st = store->LoadDictionary(path); !st.ok()) return st;
  lock.Unlock();
  return store;
}

Status Store::OpenDb(const std::string& path, StoreOptions options) {
  filter_factory_ =
      std::make_shared<RetentionFilterFactory>(options.retention, options.now, dictionary_);
  const auto cache = NewBlockCache(options.block_cache_bytes);
  const rocksdb::DBOptions db_options = StoreDbOptions(options.read_only);
  std::vector<std::string> names(std::begin(kColumnFamilies), std::end(kColumnFamilies));
  if (options.read_only) {
    // A store of an older schema lacks the newer column families, and read-only RocksDB
    // cannot create them: open those it has (the readers treat a missing one as empty).
    std::vector<std::string> existing;
    if (rocksdb::DB::ListColumnFamilies(db_options, path, &existing).ok()) {
      std::erase_if(names, [&](const std::string& n) {
        return std::find(existing.begin(), existing.end(), n) == existing.end();
      });
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.reserve(names.size());
  for (const std::string& name : names) {
    descriptors.emplace_back(name, StoreColumnFamilyOptions(name, cache, filter_factory_));
  }
  if (!options.read_only) {
    // RocksDB creates a missing directory itself, but first logs "Error when reading ... dir
    // NotFound" at error level: noise that looks like a failure on every first start.
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &handles_, &raw)
          : rocksdb::DB::Open(db_options, path, descriptors, &handles_, &raw);
  if (!s.ok()) return FromRocks(s, "cannot open store " + path);
  db_.reset(raw);
  for (size_t i = 0; i < handles_.size(); ++i) cfs_[names[i]] = handles_[i];
  filter_factory_->SetSubjectColumnFamilyId(cfs_["history_subject"]->GetID());
  options_ = std::move(options);
  return Status::Ok();
}

// Without a retention table from the caller, the one the last writer stored applies; a writer
// with one stores it for the tools that come after.
Status Store::LoadRetention(const std::string& path) {
  rocksdb::ColumnFamilyHandle* meta = cfs_["meta"];
  if (options_.retention.empty()) {
    std::string text;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), meta, "retention", &text);
    if (s.ok() && !RetentionTable::Decode(text, &options_.retention)) {
      return Status::Corruption("store " + path + ": the stored retention table is malformed");
    }
  } else if (!options_.read_only) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Put(wo, meta, "retention", options_.retention.Encode());
    if (!s.ok()) return FromRocks(s, "store retention table");
  }
  filter_factory_->Set(options_.retention);
  return Status::Ok();
}

Status Store::LoadDictionary(const std::string& path) {
  auto table = std::make_shared<StringTable>();
  if (Status st =
          inzage::LoadDictionary(db_.get(), cfs_["meta"], path, table.get(), &dictionary_ids_);
      !st.ok()) {
    return st;
  }
  // A compaction that started before this saw no entries: its filter keeps what it cannot
  // read (expired entries go at a later compaction), never drops it.
  dictionary_->Publish(std::move(table));
  return Status::Ok();
}

Store::~Store() {
  if (db_ && !failure_.empty()) {
    // See the header: after a failed write, leave the files as they are; recovery happens at
    // the next open. The handles are deliberately not released.
    (void)db_.release();
    return;
  }
  if (db_) {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h);
    db_->Close();
  }
}

}  // namespace inzage
