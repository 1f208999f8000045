// Store::Commit: one atomic WriteBatch per batch of events (exactly-once, see store.h), written
// in the phases listed in store/commit_phases.h. The duplicate check's phases are in
// duplicate_check.cc.
#include <rocksdb/db.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_set>

#include "store/commit_phases.h"
#include "store/dictionary.h"
#include "store/keys.h"
#include "store/rocksdb_status.h"

namespace inzage {
namespace {

// One batch buffer serves every commit: a new one per commit grew by doubling into fresh pages
// (half of the writer thread's page faults). A buffer grown past this (an unusual batch) is let
// go after its commit.
constexpr size_t kMaxKeptBatchBytes = size_t{64} << 20;

class ReleaseIfOversized {
 public:
  explicit ReleaseIfOversized(rocksdb::WriteBatch* reused) : reused_(*reused) {}
  ~ReleaseIfOversized() {
    if (reused_.Data().capacity() > kMaxKeptBatchBytes) reused_ = rocksdb::WriteBatch();
  }
  ReleaseIfOversized(const ReleaseIfOversized&) = delete;
  ReleaseIfOversized& operator=(const ReleaseIfOversized&) = delete;
  ReleaseIfOversized(ReleaseIfOversized&&) = delete;
  ReleaseIfOversized& operator=(ReleaseIfOversized&&) = delete;

 private:
  rocksdb::WriteBatch& reused_;
};

}  // namespace

Result<CommitResult> Store::Commit(CommitBatch& batch) {
  // RocksDB counts per thread by default (PerfLevel kEnableCount), one thread-local access per
  // key comparison of every memtable insert; nothing reads those counts (0.8 % of all samples).
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  MutexLock lock(&commit_mu_);
  if (Status st = CheckWritable(); !st.ok()) return st;

  // Idempotency: skip events already stored (earlier batch) or repeated in this batch.
  CommitWork work;
  if (Status st = PrepareBatch(batch, &work); !st.ok()) return st;
  if (Status st = DetectDuplicates(batch, &work); !st.ok()) return st;

  work.seq = last_seq_ + 1;
  const size_t dictionary_size = Dictionary()->size();
  if (dictionary_size != dictionary_ids_.size()) {
    return Status::Internal("the store's dictionary and its index disagree");
  }
  BatchInterner interner(dictionary_ids_, dictionary_size, kMaxDictionaryEntries);
  rocksdb::WriteBatch& wb = commit_wb_;
  wb.Clear();
  const ReleaseIfOversized release_oversized(&wb);

  // The alert index first: it reads the index, and a failed read must stop the commit before
  // anything (the dictionary) is published.
  if (Status st = WriteAlertIndex(batch, &work, &wb); !st.ok()) return st;
  // The history, the dictionary entries it first refers to, the chain entry that proves both,
  // and the rows that must be stored with them, in one atomic write.
  WriteHistory(batch, &interner, &work, &wb);
  WriteDictionary(interner, &work, &wb);
  ExtendChain(&work, &wb);
  WriteRows(batch, &wb);
  if (Status st = WriteToDb(&wb); !st.ok()) return st;
  AfterWrite(batch, work, &interner);
  return work.result;
}

Status Store::CheckWritable() const {
  // Refused before the write: RocksDB's own refusal would count as a failed write, and the
  // store would then leave its files (and memory) unclosed at the end.
  if (options_.read_only) return Status::FailedPrecondition("the store is open read-only");
  if (!failure_.empty()) {
    return Status::FailedPrecondition("the store refuses writes after an earlier failure: " +
                                      failure_);
  }
  return Status::Ok();
}

// Every event that is neither stored nor a repeat becomes history: a subject entry per subject
// with the full record, and a place in its actor group; an event without subjects (an officer
// reading the alert queue) has no subject entry to hold its details, so it gets an actor entry
// of its own with the full record. Each entry is summed into its chain segment.
void Store::WriteHistory(CommitBatch& batch, BatchInterner* interner, CommitWork* work,
                         rocksdb::WriteBatch* wb) {
  auto* actor_cf = cfs_.at("history_actor");
  // A repeat within the batch is at or before its actor's newest key, so it is in to_check.
  const bool may_repeat = !work->to_check.empty();
  std::unordered_set<std::string_view> in_batch;
  work->subject_entries.reserve(batch.events.size());
  work->next_in_group.assign(batch.events.size(), CommitWork::kNoEvent);
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const std::string_view actor_key = work->ActorKey(i);
    if (work->stored[i] || (may_repeat && !in_batch.insert(actor_key).second)) {
      ++work->result.duplicate_events;
      continue;
    }
    StoredEvent& e = batch.events[i];
    // Every stored event passes here, so `recent` holds all of them after `floor`.
    work->actor_of[i]->Remember(e.record.time, IdHash(e.record.event_id));
    e.record.batch_seq = work->seq;
    e.record.subject_count = static_cast<std::uint32_t>(e.subjects.size());
    SegmentSum& seg = SegmentOf(work->segments, e.record.activity, UtcDay(e.record.time));
    if (e.subjects.empty()) {
      work->actor_value.clear();
      e.record.EncodeTo(HistoryRecord::Form::kSubjectEntry, &work->actor_value, interner);
      wb->Put(actor_cf, rocksdb::Slice(actor_key.data(), actor_key.size()), work->actor_value);
      seg.Add(actor_key, work->actor_value);
    } else {
      work->AddToActorGroup(static_cast<std::uint32_t>(i), e.record);
      work->AddSubjectEntries(e, interner, &seg);
    }
    ++work->result.stored_events;
  }
  work->WriteActorGroups(batch, interner, actor_cf, wb);
  work->WriteSubjectEntries(cfs_.at("history_subject"), wb);
}

// Events with subjects go into the group of their actor, activity and day (written once all
// events are encoded, WriteActorGroups).
void Store::CommitWork::AddToActorGroup(std::uint32_t event, const HistoryRecord& record) {
  const ActorGroupKey key{record.actor, record.activity, HistoryRecord::GroupStart(record.time)};
  auto [group, added] = group_index.try_emplace(key, group_first.size());
  if (added) {
    group_first.push_back(kNoEvent);
    group_last.push_back(kNoEvent);
  }
  if (group_last[group->second] == kNoEvent) {
    group_first[group->second] = event;
  } else {
    next_in_group[group_last[group->second]] = event;
  }
  group_last[group->second] = event;
}

void Store::CommitWork::AddSubjectEntries(const StoredEvent& e, Interner* interner,
                                          SegmentSum* segment) {
  Span value{subject_values.size(), 0};
  e.record.EncodeTo(HistoryRecord::Form::kSubjectEntry, &subject_values, interner);
  value.size = subject_values.size() - value.offset;
  // A subject listed twice gets one entry. Most events have a few subjects: those are
  // compared with each other, and only a long list goes through the set (a node per insert).
  // (Clearing the set costs a pass over its buckets, so only a long list does that too.)
  const bool few_subjects = e.subjects.size() <= 16;
  if (!few_subjects) seen_subjects.clear();
  for (auto it = e.subjects.begin(); it != e.subjects.end(); ++it) {
    const Pseudonym& subject = *it;
    if (few_subjects ? std::find(e.subjects.begin(), it, subject) != it
                     : !seen_subjects.insert(subject).second) {
      continue;
    }
    Span key{subject_keys.size(), 0};
    keys::AppendSubjectKey(&subject_keys, subject, e.record.time, e.record.event_id);
    key.size = subject_keys.size() - key.offset;
    subject_entries.push_back({keys::GetBigEndian64(View(subject_keys, key)), key, value});
    segment->Add(View(subject_keys, key), View(subject_values, value));
  }
}

// One entry per actor group, under the key of its first event, with its events in key order
// (a source's events usually arrive in order, so the sort rarely has work); a group of more
// than kMaxGroupEvents events is written as several.
void Store::CommitWork::WriteActorGroups(const CommitBatch& batch, Interner* interner,
                                         rocksdb::ColumnFamilyHandle* actor_cf,
                                         rocksdb::WriteBatch* wb) {
  std::vector<std::uint32_t> members;
  std::vector<HistoryRecord::GroupItem> items;
  const auto key_less = [this](std::uint32_t a, std::uint32_t b) {
    return ActorKey(a) < ActorKey(b);
  };
  for (std::uint32_t first : group_first) {
    members.clear();
    for (std::uint32_t m = first; m != kNoEvent; m = next_in_group[m]) members.push_back(m);
    if (!std::is_sorted(members.begin(), members.end(), key_less)) {
      std::sort(members.begin(), members.end(), key_less);
    }
    for (size_t from = 0; from < members.size(); from += HistoryRecord::kMaxGroupEvents) {
      const size_t to = std::min(members.size(), from + HistoryRecord::kMaxGroupEvents);
      items.clear();
      for (size_t m = from; m < to; ++m) {
        const StoredEvent& e = batch.events[members[m]];
        items.push_back({&e.record, e.subjects});
      }
      const HistoryRecord& head = batch.events[members[from]].record;
      actor_value.clear();
      HistoryRecord::EncodeActorGroup(seq, head.activity, items, &actor_value, interner);
      const std::string_view key = ActorKey(members[from]);
      wb->Put(actor_cf, rocksdb::Slice(key.data(), key.size()), actor_value);
      SegmentOf(segments, head.activity, UtcDay(head.time)).Add(key, actor_value);
    }
  }
}

void Store::CommitWork::WriteSubjectEntries(rocksdb::ColumnFamilyHandle* subject_cf,
                                            rocksdb::WriteBatch* wb) {
  std::sort(subject_entries.begin(), subject_entries.end(),
            [this](const SubjectEntry& a, const SubjectEntry& b) {
              if (a.head != b.head) return a.head < b.head;
              return View(subject_keys, a.key) < View(subject_keys, b.key);
            });
  for (const SubjectEntry& entry : subject_entries) {
    const std::string_view k = View(subject_keys, entry.key);
    const std::string_view v = View(subject_values, entry.value);
    wb->Put(subject_cf, rocksdb::Slice(k.data(), k.size()), rocksdb::Slice(v.data(), v.size()));
  }
}

// New dictionary entries: written with the history that first refers to them, summed into
// the batch's chain segments, and visible to readers before that history is.
void Store::WriteDictionary(const BatchInterner& interner, CommitWork* work,
                            rocksdb::WriteBatch* wb) {
  if (interner.added().empty()) return;
  auto* meta = cfs_.at("meta");
  SegmentSum& seg = work->segments[SegmentKey{std::string(kDictionarySegment), 0}];
  auto table = std::make_shared<StringTable>(*Dictionary());
  std::string value;
  for (const std::string& added : interner.added()) {
    table->push_back(added);
    const std::string key = keys::DictionaryKey(static_cast<std::uint32_t>(table->size()));
    EncodeDictionaryRow(work->seq, added, &value);
    wb->Put(meta, key, value);
    seg.Add(key, value);
  }
  dictionary_->Publish(std::move(table));
}

// A batch that stores history adds its chain entry and moves the head (integrity_chain.h).
void Store::ExtendChain(CommitWork* work, rocksdb::WriteBatch* wb) const {
  if (work->result.stored_events == 0) return;
  auto* meta = cfs_.at("meta");
  const std::string encoded = EncodeSegments(work->segments);
  work->new_head = ChainHead(head_, work->seq, encoded);
  wb->Put(meta, keys::ChainKey(work->seq), head_ + encoded);
  wb->Put(meta, "chain/head", EncodeChainHeadRow(work->seq, work->new_head));
  work->result.batch_seq = work->seq;
}

// The consumed offsets up to which the batch is complete (read back by Offsets), and the rows
// the detectors and the alert relay need to resume from exactly this batch.
void Store::WriteRows(const CommitBatch& batch, rocksdb::WriteBatch* wb) const {
  auto* meta = cfs_.at("meta");
  for (const auto& p : batch.positions) {
    std::string v(8, '\0');
    std::memcpy(v.data(), &p.next_offset, 8);
    wb->Put(meta, keys::OffsetKey(p.source, p.partition), v);
  }
  for (const auto& [k, v] : batch.state) wb->Put(cfs_.at("state"), k, v);
  for (const auto& [k, v] : batch.outbox) wb->Put(cfs_.at("outbox"), k, v);
  for (const auto& k : batch.outbox_deletes) wb->Delete(cfs_.at("outbox"), k);
  for (const AlertRow& row : batch.alerts) wb->Put(cfs_.at("alerts"), row.id, row.value);
}

Status Store::WriteToDb(rocksdb::WriteBatch* wb) {
  rocksdb::WriteOptions wo;
  wo.sync = options_.sync;
  Status st = FromRocks(db_->Write(wo, wb), "commit batch");
  // See the top of store.h: after a failed write the store refuses every later commit.
  if (!st.ok()) failure_ = st.message();
  return st;
}

// Only a written batch moves the chain, the dictionary index and the counters on.
void Store::AfterWrite(const CommitBatch& batch, const CommitWork& work, BatchInterner* interner) {
  if (work.result.stored_events > 0) {
    last_seq_ = work.seq;
    head_ = work.new_head;
  }
  dictionary_ids_.merge(interner->added_ids());
  inline_strings_.fetch_add(interner->inlined(), std::memory_order_relaxed);
  if (actor_keys_.size() > kMaxTrackedActors) actor_keys_.clear();
  if (!work.alert_counts.empty()) {
    MutexLock counts(&alert_counts_mu_);
    for (const auto& [key, count] : work.alert_counts) {
      const auto old = alert_counts_.find(key);
      const std::uint64_t before = old == alert_counts_.end() ? 0 : old->second;
      const std::pair<std::uint8_t, std::uint8_t> pair{std::get<0>(key), std::get<1>(key)};
      std::uint64_t& total = alert_totals_[pair];
      total = total - before + count;
      if (total == 0) alert_totals_.erase(pair);
      if (count == 0) {
        if (old != alert_counts_.end()) alert_counts_.erase(old);
      } else {
        alert_counts_[key] = count;
      }
    }
  }
  outbox_rows_ += batch.outbox.size();
  outbox_rows_ -= std::min<std::uint64_t>(outbox_rows_, batch.outbox_deletes.size());
}

}  // namespace inzage
