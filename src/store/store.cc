// What is left of Store once each concept has its own file (store.h lists them): small reads
// (Offsets, Get, ScanColumnFamily), the dictionary's accessors, metrics, flush and compaction.
#include "store/store.h"

#include <rocksdb/db.h>

#include <cstring>
#include <memory>

#include "store/dictionary.h"
#include "store/rocksdb_status.h"

namespace inzage {

rocksdb::ColumnFamilyHandle* Store::column_family(const std::string& name) const {
  auto it = cfs_.find(name);
  return it == cfs_.end() ? nullptr : it->second;
}

std::uint64_t Store::last_batch_seq() const {
  MutexLock lock(&commit_mu_);
  return last_seq_;
}

void Store::SetRetention(RetentionTable retention) { filter_factory_->Set(std::move(retention)); }

std::shared_ptr<const StringTable> Store::Dictionary() const { return dictionary_->Get(); }

size_t Store::dictionary_size() const { return Dictionary()->size(); }

Status Store::DecodeHistory(std::string_view key_suffix, std::string_view value,
                            std::vector<HistoryRecord>* out) const {
  const auto dictionary = Dictionary();
  return HistoryRecord::DecodeEntry(key_suffix, value, out, dictionary.get());
}

// The consumed offsets Commit stored with its batches: "offset/<source>\0<partition 4>" ->
// the next offset (8, host order).
std::map<std::pair<std::string, std::int32_t>, std::int64_t> Store::Offsets() const {
  std::map<std::pair<std::string, std::int32_t>, std::int64_t> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("meta")));
  for (it->Seek("offset/"); it->Valid() && it->key().starts_with("offset/"); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const size_t nul = key.find('\0', 7);
    if (nul == std::string_view::npos || key.size() != nul + 5 || it->value().size() != 8) continue;
    std::uint32_t partition = 0;
    for (size_t i = nul + 1; i < key.size(); ++i) {
      partition = (partition << 8) | static_cast<unsigned char>(key[i]);
    }
    std::int64_t offset;
    std::memcpy(&offset, it->value().data(), 8);
    out[{std::string(key.substr(7, nul - 7)), static_cast<std::int32_t>(partition)}] = offset;
  }
  return out;
}

Result<std::optional<std::string>> Store::Get(const std::string& name,
                                              const std::string& key) const {
  auto* cf = column_family(name);
  if (cf == nullptr) return Status::InvalidArgument("no column family " + name);
  std::string value;
  rocksdb::Status st = db_->Get(rocksdb::ReadOptions(), cf, key, &value);
  if (st.IsNotFound()) return std::optional<std::string>();
  if (!st.ok()) return FromRocks(st, "get");
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::pair<std::string, std::string>>> Store::ScanColumnFamily(
    const std::string& name) const {
  auto* cf = column_family(name);
  if (cf == nullptr) return Status::InvalidArgument("no column family " + name);
  full_scans_.fetch_add(1, std::memory_order_relaxed);
  std::vector<std::pair<std::string, std::string>> rows;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rows.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan " + name);
  return rows;
}

Result<std::vector<std::pair<std::string, std::string>>> Store::ListRows(const std::string& name,
                                                                         std::string_view prefix,
                                                                         std::string_view after,
                                                                         size_t limit) const {
  auto* cf = column_family(name);
  if (cf == nullptr) return Status::InvalidArgument("no column family " + name);
  std::vector<std::pair<std::string, std::string>> rows;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
  const std::string_view from = after.empty() ? prefix : after;
  it->Seek(rocksdb::Slice(from.data(), from.size()));
  if (!after.empty() && it->Valid() && it->key() == rocksdb::Slice(after.data(), after.size())) {
    it->Next();
  }
  for (; it->Valid() && rows.size() < limit &&
         it->key().starts_with(rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next()) {
    rows.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "list " + name);
  return rows;
}

Status Store::DeleteRows(const std::string& name, const std::vector<std::string>& keys) {
  auto* cf = column_family(name);
  if (cf == nullptr) return Status::InvalidArgument("no column family " + name);
  rocksdb::WriteBatch wb;
  for (const auto& k : keys) wb.Delete(cf, k);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  return FromRocks(db_->Write(wo, &wb), "delete " + name + " rows");
}

Store::MemoryUsage Store::memory_usage() const {
  MemoryUsage usage;
  std::uint64_t value = 0;
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kCurSizeAllMemTables, &value)) {
    usage.memtables = value;
  }
  if (db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kEstimateTableReadersMem, &value)) {
    usage.table_readers = value;
  }
  // One cache serves every column family: ask one of them.
  if (db_->GetIntProperty(cfs_.at("history_subject"), rocksdb::DB::Properties::kBlockCacheUsage,
                          &value)) {
    usage.block_cache = value;
  }
  return usage;
}

Status Store::Flush() {
  rocksdb::FlushOptions fo;
  for (auto* h : handles_) {
    if (Status st = FromRocks(db_->Flush(fo, h), "flush"); !st.ok()) return st;
  }
  return Status::Ok();
}

// Also how retention catches up at once (the filter visits every history file).
Status Store::CompactAll() {
  if (Status st = Flush(); !st.ok()) return st;
  rocksdb::CompactRangeOptions co;
  co.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (const char* name : {"history_subject", "history_actor"}) {
    Status st = FromRocks(db_->CompactRange(co, cfs_.at(name), nullptr, nullptr), "compact");
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace inzage
