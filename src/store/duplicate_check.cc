// Commit's duplicate check, the store's half of exactly-once: an event already stored (same
// actor, time and event id; a re-delivered message, a replay) or repeated within its batch is
// counted as a duplicate and not stored again. PrepareBatch and DetectDuplicates are the first
// phases of Store::Commit (store/commit_phases.h); Store::actor_keys_ (store.h) is what lets
// them find most events new without reading the store.
#include <rocksdb/db.h>

#include <limits>
#include <memory>
#include <unordered_map>
#include <unordered_set>

#include "store/commit_phases.h"
#include "store/keys.h"
#include "store/rocksdb_status.h"

namespace inzage {

// An event whose actor key is newer than its actor's newest key so far (stored, or earlier in
// this batch) can be neither stored nor a repeat: only the others are looked up (replays,
// redeliveries, and events older than one before them in the batch), and only a batch that has
// such an event looks for repeats within itself. Keys go into one buffer (no allocation per
// event).
Status Store::PrepareBatch(const CommitBatch& batch, CommitWork* work) {
  work->actor_keys.reserve(batch.events.size());
  work->actor_of.reserve(batch.events.size());
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const auto& r = batch.events[i].record;
    CommitWork::Span key{work->actor_key_bytes.size(), 0};
    keys::AppendActorKey(&work->actor_key_bytes, r.actor, r.time, r.event_id);
    key.size = work->actor_key_bytes.size() - key.offset;
    work->actor_keys.push_back(key);
    Result<ActorKeys*> tracked = KeysOfActor(r.actor);
    if (!tracked.ok()) return tracked.status();
    work->actor_of.push_back(*tracked);
    if (work->ActorKey(i) <= (*tracked)->newest) {
      work->to_check.push_back(i);
    } else {
      // Raised before the write: should this commit fail, the key only costs later events
      // with older keys a lookup (and a failed write refuses every later commit anyway).
      (*tracked)->newest.assign(work->ActorKey(i));
    }
  }
  return Status::Ok();
}

// Events already stored: above their actor's floor, its recent keys say; below it, the store
// is read per (actor, group span), once per commit (an event may be any member of a group).
Status Store::DetectDuplicates(const CommitBatch& batch, CommitWork* work) const {
  work->stored.assign(batch.events.size(), false);
  std::unordered_map<std::string, std::unordered_set<std::string>> span_keys;
  for (size_t i : work->to_check) {
    const auto& r = batch.events[i].record;
    if (r.time > work->actor_of[i]->floor &&
        !work->actor_of[i]->InRecent(r.time, IdHash(r.event_id))) {
      continue;  // not stored
    }
    // Below the floor, or the same time and id hash as a recent event (most likely a repeat):
    // the store says for sure.
    const TimeMicros start = HistoryRecord::GroupStart(r.time);
    std::string span = keys::ActorPrefix(r.actor);
    keys::PutTime(&span, start);
    const auto emplaced = span_keys.try_emplace(std::move(span));
    std::unordered_set<std::string>& keys_of_span = emplaced.first->second;
    if (emplaced.second) {
      Status st = ForEachActorEventInSpan(
          r.actor, start, [&keys_of_span](std::string_view k) { keys_of_span.emplace(k); });
      if (!st.ok()) return st;
    }
    work->stored[i] = keys_of_span.contains(std::string(work->ActorKey(i)));
  }
  return Status::Ok();
}

Result<Store::ActorKeys*> Store::KeysOfActor(std::string_view actor) {
  if (auto it = actor_keys_.find(actor); it != actor_keys_.end()) return &it->second;
  // First event of this actor since the store was opened: its newest event is in the group span
  // of its last entry (groups lie within one span). Empty when the actor has none: every key is
  // then newer.
  const std::string prefix = keys::ActorPrefix(actor);
  std::string upper = prefix;
  while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) upper.pop_back();
  if (!upper.empty()) {
    upper.back() = static_cast<char>(static_cast<unsigned char>(upper.back()) + 1);
  }
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  if (!upper.empty()) ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_.at("history_actor")));
  it->SeekToLast();
  std::string newest;
  if (it->Valid() && it->key().starts_with(prefix) && it->key().size() >= prefix.size() + 8) {
    const TimeMicros last = keys::GetTime(
        std::string_view(it->key().data(), it->key().size()).substr(prefix.size(), 8));
    Status st =
        ForEachActorEventInSpan(actor, HistoryRecord::GroupStart(last), [&](std::string_view key) {
          if (key > newest) newest.assign(key);
        });
    if (!st.ok()) return st;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "duplicate check");
  ActorKeys& tracked = actor_keys_.emplace(std::string(actor), ActorKeys{}).first->second;
  // Every stored event is at or before the newest one: none is after the floor yet.
  tracked.floor = newest.size() >= prefix.size() + 8
                      ? keys::GetTime(std::string_view(newest).substr(prefix.size(), 8))
                      : std::numeric_limits<TimeMicros>::min();
  tracked.newest = std::move(newest);
  return &tracked;
}

Status Store::ForEachActorEventInSpan(std::string_view actor, TimeMicros start,
                                      const std::function<void(std::string_view)>& each) const {
  const std::string prefix = keys::ActorPrefix(actor);
  std::string from = prefix;
  keys::PutTime(&from, start);
  std::string to = prefix;
  keys::PutTime(&to, start + HistoryRecord::kGroupSpan);
  rocksdb::Slice to_slice(to);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &to_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cfs_.at("history_actor")));
  const auto dictionary = Dictionary();
  std::vector<HistoryRecord> records;
  std::string key;
  for (it->Seek(from); it->Valid(); it->Next()) {
    const std::string_view entry_key(it->key().data(), it->key().size());
    records.clear();
    if (!HistoryRecord::DecodeEntry(entry_key.substr(prefix.size()),
                                    std::string_view(it->value().data(), it->value().size()),
                                    &records, dictionary.get())
             .ok()) {
      each(entry_key);  // unreadable: at least its own key is taken
      continue;
    }
    for (const HistoryRecord& r : records) {
      key.clear();
      keys::AppendActorKey(&key, actor, r.time, r.event_id);
      each(key);
    }
  }
  return FromRocks(it->status(), "duplicate check");
}

}  // namespace inzage
