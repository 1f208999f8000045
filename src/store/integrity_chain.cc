#include "store/integrity_chain.h"

#include <rocksdb/db.h>

#include <map>
#include <memory>
#include <vector>

#include "common/hex.h"
#include "common/time.h"
#include "store/dictionary.h"
#include "store/history_record.h"
#include "store/keys.h"
#include "store/rocksdb_status.h"
#include "store/store.h"

namespace inzage {
namespace {

std::string DayText(std::int64_t day) { return FormatRfc3339(day * kMicrosPerDay).substr(0, 10); }

// Segments per batch sequence.
using BatchSegments = std::map<std::uint64_t, Segments>;

// Verify's first step: the chain entries in order, each linked to the head before it, and the
// head row at the end of them. False, with the problem in `report`, when the chain is broken or
// RocksDB could not read it (then its own report, which names the file, is the problem: a
// corrupt block ends the scan early and must not read as a chain that stops short).
bool ReadChain(rocksdb::DB* db, const rocksdb::ReadOptions& at_snapshot,
               rocksdb::ColumnFamilyHandle* meta, BatchSegments* chain, VerifyReport* report) {
  const auto unreadable = [report](const rocksdb::Status& s) {
    report->ok = false;
    report->first_problem = "the integrity chain cannot be read: " + s.ToString();
    return false;
  };
  std::string prev(32, '\0');
  std::uint64_t expected_seq = 1;
  {
    std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(at_snapshot, meta));
    const std::string start = keys::ChainKey(0);
    for (it->Seek(start); it->Valid() && it->key().size() == 14 && it->key().starts_with("chain/");
         it->Next()) {
      const std::uint64_t seq =
          keys::GetBigEndian64(std::string_view(it->key().data(), it->key().size()).substr(6));
      const std::string_view v(it->value().data(), it->value().size());
      Segments segments;
      if (seq != expected_seq || v.size() < 32 || v.substr(0, 32) != prev ||
          !DecodeSegments(v.substr(32), &segments)) {
        report->ok = false;
        report->first_problem = "batch " + std::to_string(seq) +
                                ": the integrity chain is broken (entry missing, reordered or "
                                "altered)";
        return false;
      }
      prev = ChainHead(prev, seq, v.substr(32));
      (*chain)[seq] = std::move(segments);
      ++expected_seq;
    }
    if (!it->status().ok()) return unreadable(it->status());
  }
  std::string row;
  const rocksdb::Status head_read = db->Get(at_snapshot, meta, "chain/head", &row);
  if (!head_read.ok() && !head_read.IsNotFound()) return unreadable(head_read);
  if (head_read.ok()) {
    std::uint64_t seq = 0;
    std::string_view head;
    if (!DecodeChainHeadRow(row, &seq, &head) || seq != expected_seq - 1 || head != prev) {
      report->ok = false;
      report->first_problem =
          "the chain head does not match the last batch " + std::to_string(expected_seq - 1);
      return false;
    }
  }
  report->batches = chain->size();
  return true;
}

// The dictionary rows, summed into the segment of the batch that added each.
Status SumDictionary(rocksdb::DB* db, const rocksdb::ReadOptions& at_snapshot,
                     rocksdb::ColumnFamilyHandle* meta, BatchSegments* actual) {
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(at_snapshot, meta));
  for (it->Seek("dict/"); it->Valid() && it->key().starts_with("dict/"); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    (*actual)[DictionaryRowBatch(value)][SegmentKey{std::string(kDictionarySegment), 0}].Add(key,
                                                                                             value);
  }
  return FromRocks(it->status(), "verify dictionary");
}

// Every entry of a history column family, summed into its batch's segment. An entry that
// cannot be decoded ends the verification: `report` then names it.
Status SumHistory(rocksdb::DB* db, const rocksdb::ReadOptions& at_snapshot,
                  rocksdb::ColumnFamilyHandle* cf, std::string_view name,
                  const StringTable& dictionary, BatchSegments* actual, VerifyReport* report) {
  rocksdb::ReadOptions ro = at_snapshot;
  ro.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  std::vector<HistoryRecord> records;
  const bool subject_keys = name == "history_subject";
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    ++report->entries;
    const std::string_view suffix = keys::HistoryKeySuffix(key, subject_keys);
    records.clear();
    // An actor group's records share its batch, activity and day (DecodeEntry checks); a
    // subject entry is never a group (Decode refuses one).
    if (subject_keys && !suffix.empty()) records.emplace_back();
    if (suffix.empty() ||
        !(subject_keys ? HistoryRecord::Decode(suffix, value, &records.back(), nullptr, &dictionary)
                       : HistoryRecord::DecodeEntry(suffix, value, &records, &dictionary))
             .ok()) {
      report->ok = false;
      report->first_problem = std::string(name) + ": an entry cannot be decoded (key " +
                              HexOf(key.substr(0, 24)) + "...)";
      return Status::Ok();
    }
    if (!subject_keys) report->events += records.size();
    const HistoryRecord& r = records.front();
    (*actual)[r.batch_seq][SegmentKey{r.activity, UtcDay(r.time)}].Add(key, value);
  }
  return FromRocks(it->status(), "verify scan");
}

// Verify's last step: every unexpired segment of the chain as committed, and no entries that
// no chain entry covers. Expired segments may be partly or wholly gone.
void CompareWithChain(const BatchSegments& chain, const BatchSegments& actual,
                      const RetentionTable& retention, TimeMicros now, VerifyReport* report) {
  const auto fail = [report](std::string problem) {
    report->ok = false;
    report->first_problem = std::move(problem);
  };
  for (const auto& [seq, segments] : chain) {
    const auto found = actual.find(seq);
    for (const auto& [key, expected] : segments) {
      const TimeMicros expiry = key.activity == kDictionarySegment
                                    ? INT64_MAX
                                    : retention.ExpiryOf(key.activity, key.day * kMicrosPerDay);
      if (now >= expiry) {
        ++report->expired_segments_skipped;
        continue;
      }
      const SegmentSum* got = nullptr;
      if (found != actual.end()) {
        auto s = found->second.find(key);
        if (s != found->second.end()) got = &s->second;
      }
      if (got == nullptr || got->count != expected.count || !(got->sum == expected.sum)) {
        return fail("batch " + std::to_string(seq) + ": " + SegmentName(key) + " holds " +
                    std::to_string(got ? got->count : 0) + " entries, " +
                    std::to_string(expected.count) + " were committed; " +
                    (got && got->count == expected.count ? "an entry was altered"
                                                         : "entries were added or removed"));
      }
    }
    if (found != actual.end()) {
      for (const auto& [key, seg] : found->second) {
        if (segments.count(key) == 0) {
          return fail("batch " + std::to_string(seq) + ": entries of " + SegmentName(key) +
                      " were never committed");
        }
      }
    }
  }
  for (const auto& [seq, segments] : actual) {
    if (chain.count(seq) == 0) {
      return fail("entries claim batch " + std::to_string(seq) +
                  ", which is not in the integrity chain");
    }
  }
}

}  // namespace

std::string SegmentName(const SegmentKey& key) {
  if (key.activity == kDictionarySegment) return "the dictionary";
  return "segment " + key.activity + "/" + DayText(key.day);
}

std::string EncodeSegments(const Segments& segments) {
  std::string out;
  const auto n = static_cast<std::uint32_t>(segments.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  for (const auto& [key, seg] : segments) {
    out.push_back(static_cast<char>(key.activity.size()));
    out.append(key.activity);
    out.append(reinterpret_cast<const char*>(&key.day), 8);
    out.append(reinterpret_cast<const char*>(&seg.count), 8);
    out.append(reinterpret_cast<const char*>(seg.sum.limb.data()), 32);
  }
  return out;
}

bool DecodeSegments(std::string_view in, Segments* out) {
  if (in.size() < 4) return false;
  std::uint32_t n;
  std::memcpy(&n, in.data(), 4);
  in.remove_prefix(4);
  for (std::uint32_t i = 0; i < n; ++i) {
    if (in.empty()) return false;
    const auto len = static_cast<unsigned char>(in[0]);
    if (in.size() < 1u + len + 48u) return false;
    SegmentKey key{std::string(in.substr(1, len)), 0};
    in.remove_prefix(1 + len);
    SegmentSum seg;
    std::memcpy(&key.day, in.data(), 8);
    std::memcpy(&seg.count, in.data() + 8, 8);
    std::memcpy(seg.sum.limb.data(), in.data() + 16, 32);
    in.remove_prefix(48);
    (*out)[key] = seg;
  }
  return in.empty();
}

std::string ChainHead(std::string_view prev, std::uint64_t seq, std::string_view segments) {
  const Sha256Digest d =
      Sha256Hasher().Update(prev).Update(&seq, sizeof seq).Update(segments).Finish();
  return std::string(reinterpret_cast<const char*>(d.data()), d.size());
}

std::string EncodeChainHeadRow(std::uint64_t seq, std::string_view head) {
  std::string row(8, '\0');
  std::memcpy(row.data(), &seq, 8);
  row += head;
  return row;
}

bool DecodeChainHeadRow(std::string_view row, std::uint64_t* seq, std::string_view* head) {
  if (row.size() != 40) return false;
  std::memcpy(seq, row.data(), 8);
  *head = row.substr(8);
  return true;
}

// Recomputes the chain and every unexpired segment's count and sum from what is stored, and
// names the first batch that does not match (see the top of integrity_chain.h).
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
  const auto retention = filter_factory_->Get();
  const TimeMicros now = filter_factory_->Now();

  // Every block of every SST file of every column family against its checksum first: a flipped
  // byte anywhere (the alerts and the outbox too, which the chain does not cover) is then
  // reported by RocksDB with the file and offset, before any step misreads it as a broken chain.
  // Then every whole file against the CRC32C recorded when it was written (files written
  // before the store recorded them have none and are left to the block checksums).
  for (const rocksdb::Status& checksums :
       {db_->VerifyChecksum(at_snapshot), db_->VerifyFileChecksums(at_snapshot)}) {
    if (checksums.ok()) continue;
    if (!checksums.IsCorruption()) return FromRocks(checksums, "verify checksums");
    report.ok = false;
    report.first_problem = "RocksDB found corruption: " + checksums.ToString();
    return report;
  }
  BatchSegments chain;
  if (!ReadChain(db_.get(), at_snapshot, meta, &chain, &report)) return report;
  BatchSegments actual;
  if (Status st = SumDictionary(db_.get(), at_snapshot, meta, &actual); !st.ok()) return st;
  for (const char* name : {"history_actor", "history_subject"}) {
    Status st =
        SumHistory(db_.get(), at_snapshot, cfs_.at(name), name, *dictionary, &actual, &report);
    if (!st.ok()) return st;
    if (!report.ok) return report;
  }
  CompareWithChain(chain, actual, *retention, now, &report);
  return report;
}

}  // namespace inzage
