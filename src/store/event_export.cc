// Store::ReadEvents and Store::SubjectsOf: a store's events read back as Commit took them, so
// that `inzage hand-over` (app/store_commands.cc) can commit them into another store when an
// instance is retired. Commit skips an event the other store holds (same actor, time and event
// id), which makes the hand-over idempotent.
//
// The actor history is the one list of every event: an event with subjects sits in an actor
// group (its verdict and first 100 subjects) with the rest of its record in each subject's
// entry; an event without subjects has a full record of its own there (history_record.h).
#include <rocksdb/db.h>

#include <cstring>
#include <memory>

#include "store/keys.h"
#include "store/rocksdb_status.h"
#include "store/store.h"

namespace inzage {

Result<EventPage> Store::ReadEvents(const std::string& after, size_t limit) const {
  if (limit == 0) return Status::InvalidArgument("read events: limit must be positive");
  EventPage page;
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("history_actor")));
  // After the iterator: every entry it returns refers only to dictionary entries this holds.
  const auto dictionary = Dictionary();
  rocksdb::ColumnFamilyHandle* subject_cf = cfs_.at("history_subject");
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(after);
    if (it->Valid() && it->key() == after) it->Next();
  }
  std::vector<HistoryRecord> records;
  std::string details;
  for (; it->Valid() && page.events.size() < limit; it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view suffix = keys::HistoryKeySuffix(key, false);
    if (suffix.empty()) return Status::Corruption("actor history key too short");
    records.clear();
    Status st =
        HistoryRecord::DecodeEntry(suffix, std::string_view(it->value().data(), it->value().size()),
                                   &records, dictionary.get());
    if (!st.ok()) return st;
    for (HistoryRecord& r : records) {
      StoredEvent& e = page.events.emplace_back();
      if (r.subjects.empty()) {
        e.record = std::move(r);  // a full record of its own
        continue;
      }
      const std::string subject_key = keys::SubjectKey(r.subjects[0], r.time, r.event_id);
      const rocksdb::Status gs =
          db_->Get(rocksdb::ReadOptions(), subject_cf, subject_key, &details);
      if (!gs.ok()) {
        // Retention removes an event's subject entries and its actor group in the same
        // compaction pass only by chance: an event whose details are gone is not handed over.
        if (gs.IsNotFound()) {
          page.events.pop_back();
          continue;
        }
        return FromRocks(gs, "read event details");
      }
      st = HistoryRecord::Decode(std::string_view(subject_key).substr(16), details, &e.record,
                                 nullptr, dictionary.get());
      if (!st.ok()) return st;
      e.record.subjects.clear();
      e.record.subject_count = r.subject_count;  // the actor history's count is the event's
      e.subjects = std::move(r.subjects);
    }
    page.next.assign(key);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read events");
  if (!it->Valid()) page.next.clear();
  return page;
}

Result<std::map<std::string, std::vector<Pseudonym>>> Store::SubjectsOf(
    const std::set<std::string, std::less<>>& actor_keys) const {
  std::map<std::string, std::vector<Pseudonym>> out;
  if (actor_keys.empty()) return out;
  // A subject key ends with time and event id but not the actor: two actors' events may share
  // that suffix, so a matching entry's actor is read from its value.
  std::set<std::string_view, std::less<>> suffixes;
  for (const std::string& k : actor_keys) suffixes.insert(keys::HistoryKeySuffix(k, false));
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions(), cfs_.at("history_subject")));
  const auto dictionary = Dictionary();
  HistoryRecord record;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view suffix = keys::HistoryKeySuffix(key, true);
    if (suffix.empty() || !suffixes.contains(suffix)) continue;
    Status st =
        HistoryRecord::Decode(suffix, std::string_view(it->value().data(), it->value().size()),
                              &record, nullptr, dictionary.get());
    if (!st.ok()) return st;
    auto found = actor_keys.find(keys::ActorKey(record.actor, record.time, record.event_id));
    if (found == actor_keys.end()) continue;
    Pseudonym p;
    std::memcpy(p.bytes.data(), key.data(), p.bytes.size());
    out[*found].push_back(p);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "read subjects");
  return out;
}

}  // namespace inzage
