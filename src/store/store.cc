#include "store/store.h"

#include <rocksdb/compaction_filter.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "common/hex.h"
#include "common/log.h"
#include "common/sha256.h"
#include "store/cursor.h"
#include "store/dictionary.h"
#include "store/integrity_chain.h"
#include "store/keys.h"
#include "store/rocksdb_options.h"
#include "store/rocksdb_status.h"
#include "store/schema.h"

namespace inzage {
namespace {

TimeMicros WallClock() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<std::unique_ptr<Store>> Store::Open(const std::string& path, StoreOptions options) {
  if (!options.now) options.now = WallClock;
  std::unique_ptr<Store> store(new Store());
  store->filter_factory_ =
      std::make_shared<RetentionFilterFactory>(options.retention, options.now, store->dictionary_);
  const auto cache = NewBlockCache(options.block_cache_bytes);
  const rocksdb::DBOptions db_options = StoreDbOptions(options.read_only);
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kColumnFamilies) {
    descriptors.emplace_back(name, StoreColumnFamilyOptions(name, cache, store->filter_factory_));
  }
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, path, descriptors, &store->handles_, &raw)
          : rocksdb::DB::Open(db_options, path, descriptors, &store->handles_, &raw);
  if (!s.ok()) return FromRocks(s, "cannot open store " + path);
  store->db_.reset(raw);
  for (size_t i = 0; i < store->handles_.size(); ++i) {
    store->cfs_[kColumnFamilies[i]] = store->handles_[i];
  }
  store->filter_factory_->SetSubjectColumnFamilyId(store->cfs_["history_subject"]->GetID());
  store->options_ = std::move(options);

  rocksdb::ColumnFamilyHandle* meta = store->cfs_["meta"];
  const StoreOptions& o = store->options_;
  if (Status st = CheckSchema(store->db_.get(), meta, path, o.key_id, o.read_only); !st.ok()) {
    return st;
  }
  if (store->options_.retention.empty()) {
    std::string text;
    s = store->db_->Get(rocksdb::ReadOptions(), meta, "retention", &text);
    if (s.ok() && !RetentionTable::Decode(text, &store->options_.retention)) {
      return Status::Corruption("store " + path + ": the stored retention table is malformed");
    }
  } else if (!store->options_.read_only) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = store->db_->Put(wo, meta, "retention", store->options_.retention.Encode());
    if (!s.ok()) return FromRocks(s, "store retention table");
  }
  store->filter_factory_->Set(store->options_.retention);
  {
    std::unique_ptr<rocksdb::Iterator> it(
        store->db_->NewIterator(rocksdb::ReadOptions(), store->cfs_["outbox"]));
    std::uint64_t rows = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
    store->outbox_rows_ = rows;
  }
  // Nothing else can reach the store yet; the lock is for the annotations' sake.
  MutexLock lock(&store->commit_mu_);
  std::string head;
  s = store->db_->Get(rocksdb::ReadOptions(), meta, "chain/head", &head);
  if (s.ok() && head.size() == 40) {
    std::memcpy(&store->last_seq_, head.data(), 8);
    store->head_ = head.substr(8);
  } else if (s.IsNotFound()) {
    store->head_.assign(32, '\0');
  } else {
    return FromRocks(s, "read integrity chain head");
  }
  auto table = std::make_shared<StringTable>();
  if (Status st =
          LoadDictionary(store->db_.get(), meta, path, table.get(), &store->dictionary_ids_);
      !st.ok()) {
    return st;
  }
  // A compaction that started before this saw no entries: its filter keeps what it cannot
  // read (expired entries go at a later compaction), never drops it.
  store->dictionary_->Publish(std::move(table));
  lock.Unlock();
  return store;
}

Store::Store() : dictionary_(std::make_shared<SharedDictionary>()) {}

std::shared_ptr<const StringTable> Store::Dictionary() const { return dictionary_->Get(); }

size_t Store::dictionary_size() const { return Dictionary()->size(); }

Status Store::DecodeHistory(std::string_view key_suffix, std::string_view value,
                            std::vector<HistoryRecord>* out) const {
  const auto dictionary = Dictionary();
  return HistoryRecord::DecodeEntry(key_suffix, value, out, dictionary.get());
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

rocksdb::ColumnFamilyHandle* Store::column_family(const std::string& name) const {
  auto it = cfs_.find(name);
  return it == cfs_.end() ? nullptr : it->second;
}

std::uint64_t Store::last_batch_seq() const {
  MutexLock lock(&commit_mu_);
  return last_seq_;
}

void Store::SetRetention(RetentionTable retention) { filter_factory_->Set(std::move(retention)); }

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

// The key suffix below which a page continues: the cursor's position (strictly below it), or
// every key at or before `to`.
Result<std::string> PageBound(const std::string& cursor, TimeMicros to) {
  if (!cursor.empty()) {
    std::optional<PagePosition> position = ParseCursor(cursor);
    if (!position) return Status::InvalidArgument("cursor is not one this store handed out");
    return position->KeySuffix();
  }
  std::string bound;
  keys::PutTime(&bound, to);
  bound.append(256, '\xff');
  return bound;
}

Result<QueryPage> Store::QuerySubject(const Pseudonym& subject, TimeMicros from, TimeMicros to,
                                      size_t limit, const std::string& cursor,
                                      const Visible& visible) const {
  if (limit == 0) return QueryPage{};
  const std::string prefix = keys::SubjectPrefix(subject);
  auto bound = PageBound(cursor, to);
  if (!bound.ok()) return bound.status();
  const std::string upper = prefix + *bound;
  rocksdb::ReadOptions ro;
  ro.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_.at("history_subject")));
  it->SeekForPrev(upper);
  if (!cursor.empty() && it->Valid() && it->key() == rocksdb::Slice(upper)) it->Prev();
  const auto table = filter_factory_->Get();
  const TimeMicros now = filter_factory_->Now();
  const auto dictionary = Dictionary();
  QueryPage page;
  for (; it->Valid(); it->Prev()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() < prefix.size() + 8 || key.compare(0, prefix.size(), prefix) != 0) break;
    const TimeMicros t = keys::GetTime(key.substr(prefix.size(), 8));
    if (t < from) break;
    if (t > to) continue;
    QueryEntry entry;
    Status st = HistoryRecord::Decode(key.substr(prefix.size()),
                                      std::string_view(it->value().data(), it->value().size()),
                                      &entry.record, nullptr, dictionary.get());
    if (!st.ok()) return st;
    if (now >= table->ExpiryOf(entry.record.activity, entry.record.time)) continue;
    if (visible && !visible(entry.record)) continue;
    entry.subject = subject;
    if (page.entries.size() == limit) {
      page.next_cursor =
          CursorOf(page.entries.back().record.time, page.entries.back().record.event_id);
      break;
    }
    page.entries.push_back(std::move(entry));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "query");
  return page;
}

Result<QueryPage> Store::QueryActor(const std::string& actor, TimeMicros from, TimeMicros to,
                                    size_t limit, const std::string& cursor) const {
  if (actor.empty() || actor.size() > 255) return Status::InvalidArgument("bad actor id");
  if (limit == 0) return QueryPage{};
  const std::string prefix = keys::ActorPrefix(actor);
  auto bound = PageBound(cursor, to);
  if (!bound.ok()) return bound.status();
  const std::string upper = prefix + *bound;
  // An entry holds its first event's key; an actor group's later events sort after it, within
  // the group span (history_record.h). So the entries are read newest first by their keys, a
  // span's records gathered, and each span's records sorted before they are handed out.
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("history_actor")));
  it->SeekForPrev(upper);
  // An entry at the cursor holds only events at or after it.
  if (!cursor.empty() && it->Valid() && it->key() == rocksdb::Slice(upper)) it->Prev();
  const auto table = filter_factory_->Get();
  const TimeMicros now = filter_factory_->Now();
  const auto dictionary = Dictionary();
  const std::string_view below = *bound;
  const bool inclusive = cursor.empty();
  QueryPage page;
  std::vector<HistoryRecord> span_records;
  std::string suffix;
  const auto suffix_of = [&suffix](const HistoryRecord& r) -> const std::string& {
    suffix.clear();
    keys::PutTime(&suffix, r.time);
    suffix.append(r.event_id);
    return suffix;
  };
  const auto newer = [](const HistoryRecord& a, const HistoryRecord& b) {
    return a.time != b.time ? a.time > b.time : a.event_id > b.event_id;
  };
  // Hands out the gathered records newest first; false once the page is full.
  const auto hand_out = [&]() -> Result<bool> {
    std::sort(span_records.begin(), span_records.end(), newer);
    for (HistoryRecord& r : span_records) {
      if (page.entries.size() == limit) {
        page.next_cursor =
            CursorOf(page.entries.back().record.time, page.entries.back().record.event_id);
        return false;
      }
      QueryEntry& entry = page.entries.emplace_back();
      entry.record = std::move(r);
      entry.record.actor = actor;
      if (entry.record.subjects.empty()) continue;  // a full record of its own
      // The actor's record is small; the details live in the first subject's entry.
      std::string details;
      const std::string subject_key =
          keys::SubjectKey(entry.record.subjects[0], entry.record.time, entry.record.event_id);
      rocksdb::Status gs =
          db_->Get(rocksdb::ReadOptions(), cfs_.at("history_subject"), subject_key, &details);
      if (gs.IsNotFound()) continue;
      if (!gs.ok()) return FromRocks(gs, "query actor details");
      HistoryRecord full;
      Status st = HistoryRecord::Decode(std::string_view(subject_key).substr(16), details, &full,
                                        nullptr, dictionary.get());
      if (!st.ok()) return st;
      full.subjects = std::move(entry.record.subjects);
      full.subject_count = entry.record.subject_count;
      entry.record = std::move(full);
    }
    span_records.clear();
    return true;
  };
  TimeMicros span = 0;
  // The time of the oldest record kept after pruning this span (INT64_MIN: none pruned yet).
  TimeMicros oldest_kept = INT64_MIN;
  for (; it->Valid(); it->Prev()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (key.size() < prefix.size() + 8 || key.compare(0, prefix.size(), prefix) != 0) break;
    const TimeMicros start = HistoryRecord::GroupStart(keys::GetTime(key.substr(prefix.size(), 8)));
    if (!span_records.empty() && start != span) {
      auto more = hand_out();
      if (!more.ok()) return more.status();
      if (!*more) return page;
    }
    if (start != span) oldest_kept = INT64_MIN;
    span = start;
    // Every event of this span and the ones before it is older than `from`.
    if (start + HistoryRecord::kGroupSpan <= from) break;
    // Enough newer records are kept for the page: an entry whose newest event is older than
    // all of them cannot reach it (this keeps a page of a busy actor's day from decoding it all).
    TimeMicros entry_last = 0;
    if (oldest_kept != INT64_MIN &&
        HistoryRecord::PeekLastTime(key.substr(prefix.size()),
                                    std::string_view(it->value().data(), it->value().size()),
                                    &entry_last) &&
        entry_last < oldest_kept) {
      continue;
    }
    const size_t before = span_records.size();
    Status st = HistoryRecord::DecodeEntry(key.substr(prefix.size()),
                                           std::string_view(it->value().data(), it->value().size()),
                                           &span_records, dictionary.get());
    if (!st.ok()) return st;
    span_records.erase(std::remove_if(span_records.begin() + static_cast<std::ptrdiff_t>(before),
                                      span_records.end(),
                                      [&](const HistoryRecord& r) {
                                        const std::string& s = suffix_of(r);
                                        return r.time < from || r.time > to ||
                                               (inclusive ? std::string_view(s) > below
                                                          : std::string_view(s) >= below) ||
                                               now >= table->ExpiryOf(r.activity, r.time);
                                      }),
                       span_records.end());
    // A span may hold an actor's whole day: memory follows the page, not the day. Only the
    // newest records that can still reach this page (and tell whether a next one exists) stay.
    const size_t room = limit - page.entries.size();  // at least 1 here
    if (room < SIZE_MAX / 4 && span_records.size() > 2 * room + 66) {
      std::nth_element(span_records.begin(),
                       span_records.begin() + static_cast<std::ptrdiff_t>(room + 1),
                       span_records.end(), newer);
      span_records.resize(room + 1);
      oldest_kept = INT64_MAX;
      for (const HistoryRecord& r : span_records) oldest_kept = std::min(oldest_kept, r.time);
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "query");
  auto more = hand_out();
  if (!more.ok()) return more.status();
  return page;
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
  std::vector<std::pair<std::string, std::string>> rows;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rows.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scan " + name);
  return rows;
}

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

Result<VerifyReport> Store::Verify() const {
  VerifyReport report;
  auto* meta = cfs_.at("meta");
  // Every read at one snapshot: on a store that is being written, the chain, the dictionary
  // rows and the entries are then of the same commits (without it, a batch committed between
  // reading the chain and scanning the entries showed as "never committed").
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions at_snapshot;
  at_snapshot.snapshot = snapshot.snapshot();
  // Taken after the snapshot: every entry the snapshot holds refers only to dictionary entries
  // published before it was written.
  const auto dictionary = Dictionary();
  const auto table = filter_factory_->Get();
  const TimeMicros now = filter_factory_->Now();

  // 1. The chain of heads.
  std::map<std::uint64_t, Segments> chain;
  std::string prev(32, '\0');
  std::uint64_t expected_seq = 1;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(at_snapshot, meta));
    const std::string start = keys::ChainKey(0);
    for (it->Seek(start); it->Valid() && it->key().size() == 14 && it->key().starts_with("chain/");
         it->Next()) {
      const std::uint64_t seq =
          keys::GetBigEndian64(std::string_view(it->key().data(), it->key().size()).substr(6));
      const std::string_view v(it->value().data(), it->value().size());
      Segments segments;
      if (seq != expected_seq || v.size() < 32 || v.substr(0, 32) != prev ||
          !DecodeSegments(v.substr(32), &segments)) {
        report.ok = false;
        report.first_problem = "batch " + std::to_string(seq) +
                               ": the integrity chain is broken (entry missing, reordered or "
                               "altered)";
        return report;
      }
      prev = ChainHead(prev, seq, v.substr(32));
      chain[seq] = std::move(segments);
      ++expected_seq;
    }
  }
  std::string head;
  if (db_->Get(at_snapshot, meta, "chain/head", &head).ok()) {
    std::uint64_t seq = 0;
    if (head.size() == 40) std::memcpy(&seq, head.data(), 8);
    if (head.size() != 40 || seq != expected_seq - 1 || head.substr(8) != prev) {
      report.ok = false;
      report.first_problem =
          "the chain head does not match the last batch " + std::to_string(expected_seq - 1);
      return report;
    }
  }
  report.batches = chain.size();

  // 2. The entries, summed per batch and segment, and the dictionary entries per batch that
  // added them.
  std::map<std::uint64_t, Segments> actual;
  {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(at_snapshot, meta));
    unsigned char digest[32];
    for (it->Seek("dict/"); it->Valid() && it->key().starts_with("dict/"); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      const std::string_view value(it->value().data(), it->value().size());
      // Open refused rows shorter than the sequence; batch 0 is never in the chain.
      const std::uint64_t seq = value.size() >= 8 ? keys::GetBigEndian64(value) : 0;
      EntryDigest(key, value, digest);
      SegmentSum& seg = actual[seq][SegmentKey{std::string(kDictionarySegment), 0}];
      seg.sum.Add(digest);
      ++seg.count;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "verify dictionary");
  }
  for (const char* name : {"history_actor", "history_subject"}) {
    rocksdb::ReadOptions ro = at_snapshot;
    ro.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_.at(name)));
    std::vector<HistoryRecord> records;
    unsigned char digest[32];
    const bool subject_keys = std::string_view(name) == "history_subject";
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const std::string_view key(it->key().data(), it->key().size());
      const std::string_view value(it->value().data(), it->value().size());
      ++report.entries;
      const std::string_view suffix = keys::HistoryKeySuffix(key, subject_keys);
      records.clear();
      // An actor group's records share its batch, activity and day (DecodeEntry checks); a
      // subject entry is never a group (Decode refuses one).
      if (subject_keys && !suffix.empty()) records.emplace_back();
      if (suffix.empty() ||
          !(subject_keys
                ? HistoryRecord::Decode(suffix, value, &records.back(), nullptr, dictionary.get())
                : HistoryRecord::DecodeEntry(suffix, value, &records, dictionary.get()))
               .ok()) {
        report.ok = false;
        report.first_problem = std::string(name) + ": an entry cannot be decoded (key " +
                               HexOf(key.substr(0, 24)) + "...)";
        return report;
      }
      const HistoryRecord& r = records.front();
      EntryDigest(key, value, digest);
      SegmentSum& seg = actual[r.batch_seq][SegmentKey{r.activity, UtcDay(r.time)}];
      seg.sum.Add(digest);
      ++seg.count;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "verify scan");
  }
  // 3. Compare; expired segments may be partly or wholly gone.
  for (const auto& [seq, segments] : chain) {
    const auto found = actual.find(seq);
    for (const auto& [key, expected] : segments) {
      const TimeMicros expiry = key.activity == kDictionarySegment
                                    ? INT64_MAX
                                    : table->ExpiryOf(key.activity, key.day * kMicrosPerDay);
      if (now >= expiry) {
        ++report.expired_segments_skipped;
        continue;
      }
      const SegmentSum* got = nullptr;
      if (found != actual.end()) {
        auto s = found->second.find(key);
        if (s != found->second.end()) got = &s->second;
      }
      if (got == nullptr || got->count != expected.count || !(got->sum == expected.sum)) {
        report.ok = false;
        report.first_problem =
            "batch " + std::to_string(seq) + ": " + SegmentName(key) + " holds " +
            std::to_string(got ? got->count : 0) + " entries, " + std::to_string(expected.count) +
            " were committed; " +
            (got && got->count == expected.count ? "an entry was altered"
                                                 : "entries were added or removed");
        return report;
      }
    }
    if (found != actual.end()) {
      for (const auto& [key, seg] : found->second) {
        if (segments.count(key) == 0) {
          report.ok = false;
          report.first_problem = "batch " + std::to_string(seq) + ": entries of " +
                                 SegmentName(key) + " were never committed";
          return report;
        }
      }
    }
  }
  for (const auto& [seq, segments] : actual) {
    if (chain.count(seq) == 0) {
      report.ok = false;
      report.first_problem =
          "entries claim batch " + std::to_string(seq) + ", which is not in the integrity chain";
      return report;
    }
  }
  return report;
}

Status Store::Flush() {
  rocksdb::FlushOptions fo;
  for (auto* h : handles_) {
    if (Status st = FromRocks(db_->Flush(fo, h), "flush"); !st.ok()) return st;
  }
  return Status::Ok();
}

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
