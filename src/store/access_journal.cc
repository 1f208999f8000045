#include "store/access_journal.h"

#include <cstring>

#include "store/keys.h"
#include "store/rocksdb_status.h"

namespace inzage {

Result<std::unique_ptr<AccessJournal>> AccessJournal::Open(const std::string& dir, bool sync) {
  rocksdb::Options o;
  o.create_if_missing = true;
  // A handful of rows at a time: small buffers, one background job, no compression.
  o.write_buffer_size = 4 << 20;
  o.max_background_jobs = 1;
  o.compression = rocksdb::kNoCompression;
  o.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  if (Status st = FromRocks(rocksdb::DB::Open(o, dir, &raw), "open the access journal " + dir);
      !st.ok()) {
    return st;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::uint64_t rows = 0;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  if (Status st = FromRocks(it->status(), "read the access journal"); !st.ok()) return st;
  it.reset();
  return std::unique_ptr<AccessJournal>(new AccessJournal(std::move(db), sync, rows));
}

AccessJournal::AccessJournal(std::unique_ptr<rocksdb::DB> db, bool sync, std::uint64_t rows)
    : db_(std::move(db)), rows_(rows) {
  write_options_.sync = sync;
}

AccessJournal::~AccessJournal() = default;

std::string AccessJournal::Encode(const StoredEvent& event) {
  std::string out;
  const auto n = static_cast<std::uint32_t>(event.subjects.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  for (const Pseudonym& p : event.subjects) {
    out.append(reinterpret_cast<const char*>(p.bytes.data()), p.bytes.size());
  }
  event.record.EncodeTo(HistoryRecord::Form::kSubjectEntry, &out);
  return out;
}

Status AccessJournal::Decode(std::string_view key, std::string_view value, StoredEvent* out) {
  std::uint32_t n = 0;
  if (value.size() < sizeof n) return Status::Corruption("access journal: a row too short");
  std::memcpy(&n, value.data(), sizeof n);
  value.remove_prefix(sizeof n);
  if (value.size() < static_cast<size_t>(n) * 16) {
    return Status::Corruption("access journal: a row with fewer subjects than it says");
  }
  out->subjects.resize(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::memcpy(out->subjects[i].bytes.data(), value.data() + static_cast<size_t>(i) * 16, 16);
  }
  value.remove_prefix(static_cast<size_t>(n) * 16);
  const std::string_view suffix = keys::HistoryKeySuffix(key, /*subject_key=*/false);
  if (suffix.empty()) return Status::Corruption("access journal: a key without time and id");
  return HistoryRecord::Decode(suffix, value, &out->record);
}

Result<std::string> AccessJournal::Put(const StoredEvent& event) {
  const HistoryRecord& r = event.record;
  std::string key = keys::ActorKey(r.actor, r.time, r.event_id);
  if (Status st = FromRocks(db_->Put(write_options_, key, Encode(event)), "access journal put");
      !st.ok()) {
    return st;
  }
  ++rows_;
  return key;
}

Status AccessJournal::Delete(const std::vector<std::string>& keys) {
  if (keys.empty()) return Status::Ok();
  rocksdb::WriteBatch batch;
  for (const std::string& k : keys) batch.Delete(k);
  // Not synced: a row that comes back after a crash is put into the next batch again, and the
  // store's duplicate check leaves it out.
  if (Status st = FromRocks(db_->Write(rocksdb::WriteOptions(), &batch), "access journal delete");
      !st.ok()) {
    return st;
  }
  rows_ -= std::min<std::uint64_t>(rows_.load(), keys.size());
  return Status::Ok();
}

Status AccessJournal::ForEach(
    const std::function<void(const std::string& key, StoredEvent event)>& fn) const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    StoredEvent event;
    const std::string key = it->key().ToString();
    if (Status st = Decode(key, std::string_view(it->value().data(), it->value().size()), &event);
        !st.ok()) {
      return st;
    }
    fn(key, std::move(event));
  }
  return FromRocks(it->status(), "read the access journal");
}

std::uint64_t AccessJournal::rows() const { return rows_.load(); }

}  // namespace inzage
