// Store::Commit's working state, handed from phase to phase (internal to the store: commit.cc
// and duplicate_check.cc include it). The phases, in order:
//   PrepareBatch      each event's history_actor key; which events may be stored already
//   DetectDuplicates  which of those are (the tracked actors' recent events, else the store)
//   WriteHistory      subject entries, actor groups and actor entries; chain segment sums
//   WriteDictionary   the dictionary entries the history first refers to
//   ExtendChain       the batch's chain entry and the new head
//   WriteRows         consumed offsets, detector state, outbox and alert rows
//   WriteAlertIndex   the alert rows' index entries and the counts they change
//   WriteToDb         one atomic write; then AfterWrite updates what the store keeps in memory
// docs/store.md explains why each is there.
//
// Ownership: a CommitWork lives for one Commit, on its stack; the views it holds point into the
// batch being committed and into its own buffers. Thread safety: the writer thread's alone
// (Commit holds commit_mu_ throughout).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/pseudonym.h"
#include "store/history_record.h"
#include "store/integrity_chain.h"
#include "store/store.h"

namespace rocksdb {
class WriteBatch;
}  // namespace rocksdb

namespace inzage {

// The hash of an event id that an actor's recent events are told apart by (Store::ActorKeys).
inline std::uint64_t IdHash(std::string_view event_id) {
  return std::hash<std::string_view>()(event_id);
}

inline void Store::ActorKeys::Remember(TimeMicros time, std::uint64_t id_hash) {
  const Recent added{time, id_hash};
  if (recent.size() < kRecentPerActor) {
    recent.push_back(added);
  } else {
    floor = std::max(floor, recent[next].time);
    recent[next] = added;
    next = (next + 1) % kRecentPerActor;
  }
}

inline bool Store::ActorKeys::InRecent(TimeMicros time, std::uint64_t id_hash) const {
  for (const Recent& e : recent) {
    if (e.time == time && e.id_hash == id_hash) return true;
  }
  return false;
}

// The events of one actor group (history_record.h): actor, activity and group span; the views
// point into the batch being committed.
struct ActorGroupKey {
  std::string_view actor;
  std::string_view activity;
  TimeMicros start = 0;
  bool operator==(const ActorGroupKey&) const = default;
};
struct ActorGroupKeyHash {
  size_t operator()(const ActorGroupKey& k) const {
    const std::hash<std::string_view> h;
    return h(k.actor) ^ (h(k.activity) * 31) ^ std::hash<TimeMicros>()(k.start) * 1000003;
  }
};

struct Store::CommitWork {
  // Bytes of one of the buffers below: keys and values are appended to a few buffers instead of
  // being allocated one by one.
  struct Span {
    size_t offset = 0;
    size_t size = 0;
  };
  static std::string_view View(const std::string& buffer, Span s) {
    return std::string_view(buffer).substr(s.offset, s.size);
  }
  // A subject entry's key and value, and the key's first 8 bytes (of a random pseudonym) as a
  // number: most comparisons of the sort end there, without a memcmp.
  struct SubjectEntry {
    std::uint64_t head = 0;
    Span key;
    Span value;
  };
  static constexpr std::uint32_t kNoEvent = UINT32_MAX;

  // The history_actor key of event i.
  [[nodiscard]] std::string_view ActorKey(size_t i) const {
    return View(actor_key_bytes, actor_keys[i]);
  }

  // WriteHistory's steps that touch nothing but this commit (commit.cc).
  void AddToActorGroup(std::uint32_t event, const HistoryRecord& record);
  void AddSubjectEntries(const StoredEvent& e, Interner* interner, SegmentSum* segment);
  void WriteActorGroups(const CommitBatch& batch, Interner* interner,
                        rocksdb::ColumnFamilyHandle* actor_cf, rocksdb::WriteBatch* wb);
  void WriteSubjectEntries(rocksdb::ColumnFamilyHandle* subject_cf, rocksdb::WriteBatch* wb);

  std::uint64_t seq = 0;  // of this commit, if it stores history
  CommitResult result;

  // PrepareBatch: every event's history_actor key, its actor's tracked keys (looked up once per
  // event; actor_keys_ is not cleared before the end of the commit), and the events that may be
  // stored already or repeat within the batch; the others are new for sure.
  std::string actor_key_bytes;
  std::vector<Span> actor_keys;
  std::vector<ActorKeys*> actor_of;
  std::vector<size_t> to_check;

  // DetectDuplicates: the events stored by an earlier commit.
  std::vector<bool> stored;

  // WriteHistory: the batch's chain segments, and its subject entries, which are put in key
  // order after all events are encoded: a citizen's entries of this batch then reach the
  // memtable one after the other, in time order, where its insert hint (rocksdb_options.cc)
  // places each next to the one before. An event's subjects share its value.
  Segments segments;
  std::string subject_keys;
  std::string subject_values;
  std::vector<SubjectEntry> subject_entries;
  // Actor groups: each group's events are linked in batch order through next_in_group.
  std::unordered_map<ActorGroupKey, size_t, ActorGroupKeyHash> group_index;
  std::vector<std::uint32_t> group_first, group_last;
  std::vector<std::uint32_t> next_in_group;
  // Reused from event to event.
  std::string actor_value;
  std::unordered_set<Pseudonym, PseudonymHash> seen_subjects;

  // ExtendChain: the chain head after this commit.
  std::string new_head;

  // WriteAlertIndex: the counts this commit changes (store/alert_index.h), as they will be
  // after it; AfterWrite publishes them (0: the count's row is deleted).
  std::map<std::tuple<std::uint8_t, std::uint8_t, TimeMicros>, std::uint64_t> alert_counts;
};

}  // namespace inzage
