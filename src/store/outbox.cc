// The alert outbox: rows that Commit writes with the events that raised the alerts, and that
// the relay (alert/outbox_relay.h) reads oldest first, publishes to Kafka and deletes. The
// store counts its rows for the metrics: at open, then as commits add and the relay deletes.
#include <rocksdb/db.h>

#include <algorithm>
#include <memory>

#include "store/rocksdb_status.h"
#include "store/store.h"

namespace inzage {

Result<std::vector<std::pair<std::string, std::string>>> Store::ListOutbox(
    size_t limit, std::string_view after) const {
  std::vector<std::pair<std::string, std::string>> rows;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("outbox")));
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(rocksdb::Slice(after.data(), after.size()));
    if (it->Valid() && it->key() == rocksdb::Slice(after.data(), after.size())) it->Next();
  }
  for (; it->Valid() && rows.size() < limit; it->Next()) {
    rows.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read outbox");
  return rows;
}

Status Store::DeleteOutbox(const std::vector<std::string>& keys) {
  rocksdb::WriteBatch wb;
  for (const auto& k : keys) wb.Delete(cfs_.at("outbox"), k);
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  Status st = FromRocks(db_->Write(wo, &wb), "delete outbox rows");
  if (st.ok()) outbox_rows_ -= std::min<std::uint64_t>(outbox_rows_.load(), keys.size());
  return st;
}

void Store::CountOutboxRows() {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cfs_["outbox"]));
  std::uint64_t rows = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  outbox_rows_ = rows;
}

}  // namespace inzage
