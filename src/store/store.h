// Store: the system of record for "who looked at whose data" (RocksDB).
//
// Column families (keys in store/keys.h, values in store/history_record.h):
//   history_subject  per-citizen history, one entry per (subject, event); pseudonym-prefixed
//   history_actor    per-actor history (investigations), one entry per actor, activity and
//                    UTC day of each commit (an actor group, history_record.h)
//   state            detector state blobs (per actor), written with the events that changed it
//   alerts, outbox   alert rows and the outbox the relay drains to Kafka
//   alert_index      the alerts by (status, severity, breach deadline), and their counts
//                    (store/alert_index.h): the CISO's queue and the metrics read these
//   reference        reference tables (the compacted topic's image)
//   meta             schema version, pseudonym key id, consumed offsets, the integrity chain,
//                    the dictionary of strings that history entries refer to by number
//
// Exactly-once: Commit() writes one atomic WriteBatch holding the history of a batch of events,
// state, outbox rows and the consumed offsets up to which the batch is complete. After a crash
// the store holds a consistent prefix (RocksDB recovers the WAL atomically), and Offsets() says
// where to resume. An event already stored (same actor, time and event id) is skipped, so a
// re-delivered message is stored once.
//
// Each concept has a file of its own (docs/store.md puts them together for a newcomer):
//   schema.h, store_open.cc   the column families, schema versions, Open and its upgrade
//   commit.cc                 Commit, phase by phase (store/commit_phases.h), and the
//                             duplicate check in duplicate_check.cc
//   integrity_chain.h         the integrity chain (BIO 8.15) and Verify's recomputation
//   dictionary.h              strings that history entries refer to by number
//   retention.h               RetentionTable (each activity's retention, from the policy's
//                             register) and the compaction filter that drops expired history;
//                             queries never return expired entries either
//   rocksdb_options.h         RocksDB's tuning and its logger
//   queries.cc, cursor.h      the subject and actor queries and their page cursors
//   outbox.cc, backup.h       the alert outbox; backups
//   alert_index.h             the alert index and counts that Commit keeps with the alert rows
//   event_export.cc           every stored event read back as Commit took it (hand-over)
//
// Failure: after a failed write (disk full, I/O error) the store refuses further commits with
// the first error, and closing it does not flush (RocksDB would hit the same disk again and,
// in Debian's build, abort on an assertion). The process should exit and be restarted; on
// reopen RocksDB recovers the last complete commit.
//
// Ownership: a Store owns its RocksDB database and column family handles; the block cache and
// the retention filter factory are shared with RocksDB, the dictionary with the filter.
//
// Thread safety: Commit is called from one writer thread; queries, Offsets and Verify may run
// concurrently from other threads (RocksDB is thread-safe; the commit sequence is guarded).
#pragma once

#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/pseudonym.h"
#include "common/status.h"
#include "common/string_map.h"
#include "common/time.h"
#include "store/alert_index.h"
#include "store/history_record.h"
#include "store/retention.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
}  // namespace rocksdb

namespace inzage {

class BatchInterner;
class SharedDictionary;

struct StoreOptions {
  bool sync = false;                     // fsync every commit (WAL is always on)
  std::string key_id;                    // Pseudonymizer::key_id(); checked against the store
  RetentionTable retention;              // empty: use the one the last writer stored in meta
  std::function<TimeMicros()> now;       // wall clock for retention; tests inject one
  size_t block_cache_bytes = 256 << 20;  // bounds the store's read memory (RSS)
  bool read_only = false;
};

struct StoredEvent {
  HistoryRecord record;             // batch_seq is filled by Commit
  std::vector<Pseudonym> subjects;  // every subject of the event
};

struct SourcePosition {
  std::string source;  // topic name, or "file:<id>" for ingested files
  std::int32_t partition = 0;
  std::int64_t next_offset = 0;  // the first offset not yet in the store
};

struct CommitBatch {
  std::vector<StoredEvent> events;
  std::vector<std::pair<std::string, std::string>> state;   // key -> blob
  std::vector<std::pair<std::string, std::string>> outbox;  // key -> row
  std::vector<std::string> outbox_deletes;
  std::vector<AlertRow> alerts;  // stored by id; the index follows them
  std::vector<SourcePosition> positions;
};

struct CommitResult {
  std::uint64_t batch_seq = 0;  // 0 when the batch held no new history
  size_t stored_events = 0;
  size_t duplicate_events = 0;
};

struct QueryEntry {
  Pseudonym subject;  // history_subject queries only
  HistoryRecord record;
};

struct QueryPage {
  std::vector<QueryEntry> entries;
  std::string next_cursor;  // empty when there is nothing more (store/cursor.h)
};

struct SubjectScan {
  std::optional<Pseudonym> subject;  // only this subject's entries; unset: every subject's
  TimeMicros from = 0;
  TimeMicros to = 0;
  std::string after;  // a previous page's `next`; empty: from the start
  size_t limit = 100;
  size_t max_visited = 10000;
  std::function<bool(const HistoryRecord&)> match;  // empty: every entry
};

struct SubjectScanPage {
  std::vector<QueryEntry> entries;
  std::string next;  // the last key read (a raw history_subject key); empty when done
  size_t visited = 0;
};

// A page of stored events as Commit took them (Store::ReadEvents). An event with more subjects
// than the actor history keeps (record.subject_count > subjects.size(), over
// kMaxActorSubjects) holds the first ones only; SubjectsOf finds the rest.
struct EventPage {
  std::vector<StoredEvent> events;
  std::string next;  // where the next page starts; empty when this was the last
};

struct VerifyReport {
  bool ok = true;
  std::uint64_t batches = 0;
  std::uint64_t entries = 0;  // rows of the two history column families
  std::uint64_t events = 0;   // stored events (the actor history's records)
  std::uint64_t expired_segments_skipped = 0;
  std::string first_problem;  // e.g. "batch 17: segment wmo-maatwerkvoorziening/2026-11-24 ..."
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const std::string& path, StoreOptions options);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  [[nodiscard]] Result<CommitResult> Commit(CommitBatch& batch) EXCLUDES(commit_mu_);
  [[nodiscard]] std::map<std::pair<std::string, std::int32_t>, std::int64_t> Offsets() const;

  // Which entries a reader may see (e.g. a citizen: no confidential activities). Filtered
  // before the page is cut, so neither the page size nor the cursor betrays a hidden entry.
  using Visible = std::function<bool(const HistoryRecord&)>;

  // Newest first, from <= time <= to, at most limit entries; cursor from a previous page.
  [[nodiscard]] Result<QueryPage> QuerySubject(const Pseudonym& subject, TimeMicros from,
                                               TimeMicros to, size_t limit,
                                               const std::string& cursor,
                                               const Visible& visible = nullptr) const;
  [[nodiscard]] Result<QueryPage> QueryActor(const std::string& actor, TimeMicros from,
                                             TimeMicros to, size_t limit,
                                             const std::string& cursor) const;
  // Subject entries in key order (by pseudonym, then oldest first) with from <= time <= to that
  // `match` accepts, reading at most max_visited keys (history_scan.cc): the LDV read API's
  // queries by trace or activity, which no index answers. The page ends when it holds `limit`
  // entries or the keys are used up; `next` says where the next scan continues.
  [[nodiscard]] Result<SubjectScanPage> ScanSubjects(const SubjectScan& scan) const;

  // Every key and value of a small column family ("state", "alerts"), for restoring at start.
  // Counted (full_scans): nothing that answers a request may call it.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> ScanColumnFamily(
      const std::string& name) const;
  [[nodiscard]] std::uint64_t full_scans() const { return full_scans_.load(); }
  // At most `limit` rows of a column family whose keys start with `prefix`, in key order, after
  // `after` (from the first when empty); and their deletion. Rows a relay drains (the state
  // changelog's outbox, ingest/state_changelog.h). Thread safe.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> ListRows(
      const std::string& column_family, std::string_view prefix, std::string_view after,
      size_t limit) const;
  [[nodiscard]] Status DeleteRows(const std::string& column_family,
                                  const std::vector<std::string>& keys);
  // One value of a column family by key ("alerts" by alert id); nullopt when absent.
  [[nodiscard]] Result<std::optional<std::string>> Get(const std::string& column_family,
                                                       const std::string& key) const;
  // The alert outbox, oldest first (keys are increasing sequence numbers), at most `limit`
  // rows with keys after `after` (all rows when empty). Seeking past rows already handed out
  // keeps the relay from walking over their deletion markers on every pass.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> ListOutbox(
      size_t limit, std::string_view after = {}) const;
  [[nodiscard]] Status DeleteOutbox(const std::vector<std::string>& keys);
  [[nodiscard]] std::uint64_t outbox_rows() const { return outbox_rows_.load(); }

  // The alert index (store/alert_index.h). Thread safe; none of these scans a column family.
  // Alerts by (status, severity), from the counts kept in memory.
  [[nodiscard]] std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint64_t> AlertCounts() const
      EXCLUDES(alert_counts_mu_);
  // Alerts in any of `statuses` whose breach deadline is before `before`: the counts of the
  // whole hours before it, and the index entries of the hour it falls in.
  [[nodiscard]] Result<std::uint64_t> CountAlertsDeadlineBefore(
      const std::vector<std::uint8_t>& statuses, TimeMicros before) const
      EXCLUDES(alert_counts_mu_);
  // A page of alert ids in list order (alert_index.h) after `after`, walking the index with the
  // filters until `limit` match or `budget` entries were looked at, whichever comes first.
  [[nodiscard]] Result<AlertListPage> ListAlerts(const AlertListFilter& filter, size_t limit,
                                                 const std::optional<AlertListPosition>& after,
                                                 size_t budget) const;
  // The alerts whose incident still aggregates (restored at start).
  [[nodiscard]] Result<std::vector<std::string>> AggregatingAlertIds() const;
  // False on a store whose alerts predate the index until RebuildAlertIndex ran.
  [[nodiscard]] bool alert_index_complete() const { return alert_index_complete_.load(); }
  // Builds the index anew from every alert row, asking `fields_of` what each row holds
  // (nullopt: leave it out). Before the pipeline starts: no Commit may run meanwhile.
  using AlertFieldsOf =
      std::function<std::optional<AlertIndexFields>(std::string_view id, std::string_view value)>;
  [[nodiscard]] Status RebuildAlertIndex(const AlertFieldsOf& fields_of)
      EXCLUDES(commit_mu_, alert_counts_mu_);

  // What RocksDB holds in memory now, for the metrics: memtables (all column families, mutable
  // and not yet flushed), the block cache (shared, bounded by block_cache_bytes) and the table
  // readers outside the cache. Thread safe.
  struct MemoryUsage {
    std::uint64_t memtables = 0;
    std::uint64_t block_cache = 0;
    std::uint64_t table_readers = 0;
  };
  [[nodiscard]] MemoryUsage memory_usage() const;

  // Every stored event, in the actor history's key order (actor, time, event id), at least
  // `limit` per page unless the history ends (an actor group is not split): what `inzage
  // hand-over` copies into another store, where Commit skips what is there (event_export.cc).
  [[nodiscard]] Result<EventPage> ReadEvents(const std::string& after, size_t limit) const;
  // Every subject of the events given by actor history key (keys::ActorKey), by that key, read
  // from the subject history in one pass over it.
  [[nodiscard]] Result<std::map<std::string, std::vector<Pseudonym>>> SubjectsOf(
      const std::set<std::string, std::less<>>& actor_keys) const;

  // Decodes a stored history value (tests and tools reading the raw column families): like
  // HistoryRecord::DecodeEntry (an actor group holds several records), with this store's
  // dictionary.
  [[nodiscard]] Status DecodeHistory(std::string_view key_suffix, std::string_view value,
                                     std::vector<HistoryRecord>* out) const;
  [[nodiscard]] size_t dictionary_size() const;
  // Strings this process wrote inline instead of as dictionary refs (the dictionary is full,
  // or the string holds a run of 8+ digits or is over 255 bytes). Once the dictionary is full,
  // this grows with every event, and so does the store's size per event.
  [[nodiscard]] std::uint64_t inline_strings() const { return inline_strings_.load(); }

  [[nodiscard]] Result<VerifyReport> Verify() const;
  [[nodiscard]] Status CompactAll();
  [[nodiscard]] Status Flush();
  void SetRetention(RetentionTable retention);

  // Backups with RocksDB's BackupEngine. Backup also deletes backups older than max_age, which
  // is how retention reaches backups (README: "Retention and backups").
  [[nodiscard]] Status Backup(const std::string& backup_dir, TimeMicros max_age_micros);
  [[nodiscard]] static Status Restore(const std::string& backup_dir, const std::string& store_path);

  // For tests: the raw DB and a column family by name.
  [[nodiscard]] rocksdb::DB* raw_db() const { return db_.get(); }
  [[nodiscard]] rocksdb::ColumnFamilyHandle* column_family(const std::string& name) const;
  [[nodiscard]] std::uint64_t last_batch_seq() const EXCLUDES(commit_mu_);

 private:
  // See actor_keys_.
  struct ActorKeys {
    struct Recent {
      TimeMicros time = 0;
      std::uint64_t id_hash = 0;  // of the event id
    };
    std::string newest;
    TimeMicros floor = 0;        // events after it that are stored are all in `recent`
    std::vector<Recent> recent;  // a ring of up to kRecentPerActor, oldest at `next` when full
    size_t next = 0;

    // Records a stored event; when the ring is full, its oldest event leaves it and raises the
    // floor (store/commit_phases.h).
    void Remember(TimeMicros time, std::uint64_t id_hash);
    // Whether `recent` holds an event with this time and id hash.
    [[nodiscard]] bool InRecent(TimeMicros time, std::uint64_t id_hash) const;
  };
  // The state of one Commit, handed from phase to phase (store/commit_phases.h).
  struct CommitWork;

  Store();

  // Open's steps (store_open.cc; CountOutboxRows in outbox.cc). The schema check (schema.h)
  // runs between OpenDb and LoadRetention.
  [[nodiscard]] Status OpenDb(const std::string& path, StoreOptions options);
  [[nodiscard]] Status LoadRetention(const std::string& path);
  void CountOutboxRows();
  [[nodiscard]] Status LoadDictionary(const std::string& path) REQUIRES(commit_mu_);

  // A snapshot of the dictionary. Take it after creating the iterator (or RocksDB snapshot)
  // to read with: every entry that iterator returns then refers only to entries it holds.
  [[nodiscard]] std::shared_ptr<const StringTable> Dictionary() const;

  // Commit's phases, in the order Commit calls them (commit.cc, duplicate_check.cc).
  [[nodiscard]] Status CheckWritable() const REQUIRES(commit_mu_);
  [[nodiscard]] Status PrepareBatch(const CommitBatch& batch, CommitWork* work)
      REQUIRES(commit_mu_);
  [[nodiscard]] Status DetectDuplicates(const CommitBatch& batch, CommitWork* work) const
      REQUIRES(commit_mu_);
  void WriteHistory(CommitBatch& batch, BatchInterner* interner, CommitWork* work,
                    rocksdb::WriteBatch* wb) REQUIRES(commit_mu_);
  void WriteDictionary(const BatchInterner& interner, CommitWork* work, rocksdb::WriteBatch* wb)
      REQUIRES(commit_mu_);
  void ExtendChain(CommitWork* work, rocksdb::WriteBatch* wb) const REQUIRES(commit_mu_);
  void WriteRows(const CommitBatch& batch, rocksdb::WriteBatch* wb) const;
  // The alert rows' index entries and count changes (alert_index.cc).
  [[nodiscard]] Status WriteAlertIndex(const CommitBatch& batch, CommitWork* work,
                                       rocksdb::WriteBatch* wb) REQUIRES(commit_mu_)
      EXCLUDES(alert_counts_mu_);
  [[nodiscard]] Status LoadAlertCounts() EXCLUDES(alert_counts_mu_);
  [[nodiscard]] Status WriteToDb(rocksdb::WriteBatch* wb) REQUIRES(commit_mu_);
  void AfterWrite(const CommitBatch& batch, const CommitWork& work, BatchInterner* interner)
      REQUIRES(commit_mu_);

  // The tracked keys of `actor` (see actor_keys_); at first sight, `newest` and `floor` are its
  // newest stored key (empty when it has none). The pointer is valid until actor_keys_ is
  // cleared.
  [[nodiscard]] Result<ActorKeys*> KeysOfActor(std::string_view actor) REQUIRES(commit_mu_);
  // Calls `each` with the history_actor key (store/keys.h) of every event of `actor` stored in
  // the group span that starts at `start`, whether in a group or an entry of its own.
  [[nodiscard]] Status ForEachActorEventInSpan(
      std::string_view actor, TimeMicros start,
      const std::function<void(std::string_view)>& each) const;

  std::unique_ptr<rocksdb::DB> db_;
  std::map<std::string, rocksdb::ColumnFamilyHandle*> cfs_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::shared_ptr<RetentionFilterFactory> filter_factory_;
  StoreOptions options_;
  mutable Mutex commit_mu_;
  std::uint64_t last_seq_ GUARDED_BY(commit_mu_) = 0;
  std::string failure_ GUARDED_BY(commit_mu_);  // set after a failed write
  std::string head_ GUARDED_BY(commit_mu_);     // of the integrity chain (32 bytes)
  // Per actor id (bounded by kMaxTrackedActors actors, then cleared): the newest history_actor
  // key committed (or being committed), and its latest stored events (time and a hash of the
  // id). An event whose key is newer than `newest` cannot be stored yet. An event after `floor`
  // is stored only if `recent` holds its time and hash: `floor` was the newest event's time
  // when tracking began, and every event stored since passes through Commit (those let go of
  // raise `floor`). Only older events, and the rare hash matches, read the store, which must
  // scan their actor's day (an event in an actor group has no key of its own). Without
  // `recent`, an actor whose events arrive a little out of order (two source systems) cost a
  // scan of its day in every commit: 11 times slower to store (BM_StoreCommit1000LateEvents,
  // bench/README.md).
  static constexpr size_t kMaxTrackedActors = 65'536;
  static constexpr size_t kRecentPerActor = 64;  // 1 KiB per actor
  std::unordered_map<std::string, ActorKeys, StringHash, std::equal_to<>> actor_keys_
      GUARDED_BY(commit_mu_);
  std::atomic<std::uint64_t> outbox_rows_{0};
  mutable std::atomic<std::uint64_t> full_scans_{0};
  // The alert index's counts (alert_index.h), by (status, severity, deadline hour): loaded at
  // open, moved on by AfterWrite.
  using AlertCountKey = std::tuple<std::uint8_t, std::uint8_t, TimeMicros>;
  mutable Mutex alert_counts_mu_;
  std::map<AlertCountKey, std::uint64_t> alert_counts_ GUARDED_BY(alert_counts_mu_);
  // The same summed over the hours, kept beside them: /metrics and the list read these, and
  // walking ~10,000 hours per request was 84 % of their time with 1 M alerts over 400 days.
  std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint64_t> alert_totals_
      GUARDED_BY(alert_counts_mu_);
  void SetAlertCounts(std::map<AlertCountKey, std::uint64_t> counts) REQUIRES(alert_counts_mu_) {
    alert_counts_ = std::move(counts);
    alert_totals_.clear();
    for (const auto& [key, n] : alert_counts_) {
      alert_totals_[{std::get<0>(key), std::get<1>(key)}] += n;
    }
  }
  std::atomic<bool> alert_index_complete_{false};
  std::atomic<std::uint64_t> inline_strings_{0};
  // The dictionary (store/dictionary.h), shared with the retention filter, which reads
  // activities through it.
  std::shared_ptr<SharedDictionary> dictionary_;
  StringMap<std::uint32_t> dictionary_ids_ GUARDED_BY(commit_mu_);  // string -> entry
  // Reused by every Commit, up to a bound (kMaxKeptBatchBytes, commit.cc).
  rocksdb::WriteBatch commit_wb_ GUARDED_BY(commit_mu_);
};

}  // namespace inzage
