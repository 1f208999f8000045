// Store::ScanSubjects: subject entries read in key order with a bound on the keys read.
//
// The LDV read API (docs/interop.md) may be asked for a trace or a processing activity without
// a subject. history_subject is keyed by pseudonym, so such a query walks the whole column
// family: on a store of 10 million accesses that is about a gigabyte, seconds of I/O and
// decoding. A request therefore reads at most `max_visited` keys and hands back the last key it
// read; the next request continues after it. Every request costs the same bounded work, however
// large the store, and a client that wants everything keeps asking. The period narrows the
// walk: keys of a subject before `from` are skipped with one seek, and after `to` with one seek
// to the next subject, so a scan of a short period costs about one seek per subject.
//
// An index keyed by trace id (and one by activity and time) would make these queries cheap;
// it was left out while the store's column families were being changed for the alert index, so
// that the two do not collide.
#include <rocksdb/db.h>

#include <cstring>

#include "store/keys.h"
#include "store/rocksdb_status.h"
#include "store/store.h"

namespace inzage {
namespace {

constexpr size_t kSubjectPrefix = 16;

// The smallest key prefix after every key of `prefix`; false when there is none (all 0xff).
bool NextPrefix(std::string* prefix) {
  for (size_t i = prefix->size(); i-- > 0;) {
    auto& b = reinterpret_cast<unsigned char&>((*prefix)[i]);
    if (b != 0xff) {
      ++b;
      prefix->resize(i + 1);
      prefix->append(kSubjectPrefix - i - 1, '\0');
      return true;
    }
  }
  return false;
}

}  // namespace

Result<SubjectScanPage> Store::ScanSubjects(const SubjectScan& scan) const {
  SubjectScanPage page;
  if (scan.limit == 0 || scan.max_visited == 0) {
    return Status::InvalidArgument("scan: limit and max_visited must be positive");
  }
  std::string from_key;
  keys::PutTime(&from_key, scan.from);
  const std::string only =
      scan.subject ? keys::SubjectPrefix(*scan.subject) : std::string();  // empty: any subject
  if (!scan.after.empty() &&
      (scan.after.size() < kSubjectPrefix + 8 ||
       (!only.empty() && scan.after.compare(0, kSubjectPrefix, only) != 0))) {
    return Status::InvalidArgument("scan: not a position of this scan");
  }
  rocksdb::ReadOptions ro;
  if (only.empty()) {
    ro.total_order_seek = true;  // across pseudonym prefixes
    ro.fill_cache = false;       // a walk must not evict what the citizens' queries keep warm
  } else {
    ro.prefix_same_as_start = true;
  }
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_.at("history_subject")));
  if (!scan.after.empty()) {
    it->Seek(scan.after);
    if (it->Valid() && it->key() == rocksdb::Slice(scan.after)) it->Next();
  } else if (!only.empty()) {
    it->Seek(only + from_key);
  } else {
    it->SeekToFirst();
  }
  const auto table = filter_factory_->Get();
  const TimeMicros now = filter_factory_->Now();
  const auto dictionary = Dictionary();
  std::string last;  // the last key read: where the next request continues
  while (it->Valid()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!only.empty() && key.compare(0, std::min(key.size(), kSubjectPrefix), only) != 0) break;
    if (page.visited == scan.max_visited) {
      page.next = last;
      break;
    }
    ++page.visited;
    last.assign(key);
    if (key.size() < kSubjectPrefix + 8) {
      it->Next();
      continue;
    }
    const TimeMicros t = keys::GetTime(key.substr(kSubjectPrefix, 8));
    if (t < scan.from) {
      it->Seek(std::string(key.substr(0, kSubjectPrefix)) + from_key);
      continue;
    }
    if (t > scan.to) {
      std::string next_subject(key.substr(0, kSubjectPrefix));
      if (!only.empty() || !NextPrefix(&next_subject)) break;
      it->Seek(next_subject + from_key);
      continue;
    }
    QueryEntry entry;
    Status st = HistoryRecord::Decode(key.substr(kSubjectPrefix),
                                      std::string_view(it->value().data(), it->value().size()),
                                      &entry.record, nullptr, dictionary.get());
    if (!st.ok()) return st;
    if (now < table->ExpiryOf(entry.record.activity, entry.record.time) &&
        (!scan.match || scan.match(entry.record))) {
      std::memcpy(entry.subject.bytes.data(), key.data(), kSubjectPrefix);
      page.entries.push_back(std::move(entry));
      if (page.entries.size() == scan.limit) {
        // Full: continue after this entry (the next request may find nothing more).
        it->Next();
        if (it->Valid()) page.next = last;
        break;
      }
    }
    it->Next();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "history scan");
  return page;
}

}  // namespace inzage
