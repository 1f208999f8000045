// The history store on a real RocksDB in a temporary directory.
#include "store/store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "store/keys.h"
#include "store_test_util.h"

namespace inzage {
namespace {

using ::testing::HasSubstr;
using testing::SyntheticEvent;
using testing::SyntheticSubject;
using testing::TempDir;

const TimeMicros kT0 = *ParseRfc3339("2026-11-24T09:00:00Z");

class StoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(const std::string& key_id = "key-a") {
    StoreOptions o;
    o.key_id = key_id;
    o.retention = testing::TestRetention();
    o.now = [this] { return now_.load(); };
    auto s = Store::Open(dir_.sub("store"), o);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  TempDir dir_;
  std::atomic<TimeMicros> now_{kT0 + kMicrosPerDay};
};

TEST_F(StoreTest, CommitThenQuerySubjectNewestFirstWithCursor) {
  auto store = Open();
  CommitBatch batch;
  for (int i = 0; i < 25; ++i) {
    StoredEvent e =
        SyntheticEvent(static_cast<std::uint64_t>(i), kT0 + i * kMicrosPerSecond, "emp-1");
    e.subjects = {SyntheticSubject(42)};
    batch.events.push_back(e);
  }
  batch.positions = {{"inzage.access-events", 0, 25}};
  auto r = store->Commit(batch);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stored_events, 25u);
  EXPECT_EQ(r->batch_seq, 1u);

  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page =
        store->QuerySubject(SyntheticSubject(42), kT0, kT0 + 3600 * kMicrosPerSecond, 10, cursor);
    ASSERT_TRUE(page.ok()) << page.status().message();
    for (const auto& e : page->entries) seen.push_back(e.record.event_id);
    cursor = page->next_cursor;
    ++pages;
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "ev-24");
  EXPECT_EQ(seen.back(), "ev-0");

  auto window = store->QuerySubject(SyntheticSubject(42), kT0 + 5 * kMicrosPerSecond,
                                    kT0 + 9 * kMicrosPerSecond, 100, "");
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(window->entries.size(), 5u);
  auto other = store->QuerySubject(SyntheticSubject(43), kT0, kT0 + kMicrosPerDay, 100, "");
  EXPECT_TRUE(other->entries.empty());

  auto actor = store->QueryActor("emp-1", kT0, kT0 + kMicrosPerDay, 100, "");
  ASSERT_TRUE(actor.ok());
  ASSERT_EQ(actor->entries.size(), 25u);
  EXPECT_EQ(actor->entries[0].record.subjects.size(), 1u);
  EXPECT_EQ(actor->entries[0].record.subjects[0], SyntheticSubject(42));
  EXPECT_EQ(store->Offsets().at({"inzage.access-events", 0}), 25);
  EXPECT_FALSE(store->QuerySubject(SyntheticSubject(42), kT0, kT0 + 1, 10, "zz").ok());
}

TEST_F(StoreTest, SameEventIdInOneBatchOrTwoIsStoredOnce) {
  auto store = Open();
  CommitBatch batch;
  batch.events.push_back(SyntheticEvent(1, kT0, "emp-1", "wmo-maatwerkvoorziening", 3));
  batch.events.push_back(SyntheticEvent(1, kT0, "emp-1", "wmo-maatwerkvoorziening", 3));
  auto r1 = store->Commit(batch);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(r1->stored_events, 1u);
  EXPECT_EQ(r1->duplicate_events, 1u);
  CommitBatch again;
  again.events.push_back(SyntheticEvent(1, kT0, "emp-1", "wmo-maatwerkvoorziening", 3));
  auto r2 = store->Commit(again);
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->stored_events, 0u);
  EXPECT_EQ(r2->duplicate_events, 1u);
  auto page = store->QueryActor("emp-1", kT0, kT0, 100, "");
  EXPECT_EQ(page->entries.size(), 1u);
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->first_problem;
  EXPECT_EQ(report->entries, 4u);  // one actor entry, three subject entries
}

// The duplicate check reads the store only for events at or before their actor's newest stored
// entry; an older event redelivered late and one redelivered after a reopen are still caught.
TEST_F(StoreTest, LateAndReopenedDuplicatesAreStillFound) {
  auto commit = [](Store& store, std::vector<StoredEvent> events) {
    CommitBatch batch;
    batch.events = std::move(events);
    auto r = store.Commit(batch);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : CommitResult{};
  };
  {
    auto store = Open();
    EXPECT_EQ(commit(*store, {SyntheticEvent(1, kT0, "emp-1"), SyntheticEvent(2, kT0, "emp-2"),
                              SyntheticEvent(3, kT0 + 10, "emp-1")})
                  .stored_events,
              3u);
    // Redelivered out of order, next to a new event of the same actor and time.
    const CommitResult r =
        commit(*store, {SyntheticEvent(1, kT0, "emp-1"), SyntheticEvent(4, kT0, "emp-1")});
    EXPECT_EQ(r.stored_events, 1u);
    EXPECT_EQ(r.duplicate_events, 1u);
  }
  auto store = Open();
  const CommitResult r =
      commit(*store, {SyntheticEvent(3, kT0 + 10, "emp-1"), SyntheticEvent(2, kT0, "emp-2"),
                      SyntheticEvent(5, kT0 + 20, "emp-2")});
  EXPECT_EQ(r.stored_events, 1u);
  EXPECT_EQ(r.duplicate_events, 2u);
  EXPECT_EQ(store->QueryActor("emp-1", kT0, kT0 + 100, 100, "")->entries.size(), 3u);
  EXPECT_EQ(store->QueryActor("emp-2", kT0, kT0 + 100, 100, "")->entries.size(), 2u);
}

TEST_F(StoreTest, ReportsTheMemoryItHolds) {
  auto store = Open();
  const Store::MemoryUsage empty = store->memory_usage();
  CommitBatch batch;
  for (int i = 0; i < 200; ++i) {
    batch.events.push_back(SyntheticEvent(i, kT0 + i, "emp-" + std::to_string(i % 7)));
  }
  ASSERT_TRUE(store->Commit(batch).ok());
  EXPECT_GT(store->memory_usage().memtables, empty.memtables);
  // Flushed to a table file, the entries are read through the block cache.
  ASSERT_TRUE(store->Flush().ok());
  ASSERT_EQ(store->QueryActor("emp-1", kT0, kT0 + 1000, 100, "")->entries.size(), 29u);
  EXPECT_GT(store->memory_usage().block_cache, 0u);
}

TEST_F(StoreTest, RefusesAnotherPseudonymKey) {
  { auto store = Open("key-a"); }
  StoreOptions o;
  o.key_id = "key-b";
  auto s = Store::Open(dir_.sub("store"), o);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.status().message(), HasSubstr("pseudonym key id key-a"));
  EXPECT_THAT(s.status().message(), HasSubstr("key-b"));
}

TEST_F(StoreTest, VerifyNamesTheBatchOfAFlippedByte) {
  auto store = Open();
  for (int b = 0; b < 5; ++b) {
    CommitBatch batch;
    for (int i = 0; i < 10; ++i) {
      const int n = b * 10 + i;
      batch.events.push_back(
          SyntheticEvent(static_cast<std::uint64_t>(n), kT0 + n * kMicrosPerSecond, "emp-1"));
    }
    ASSERT_TRUE(store->Commit(batch).ok());
  }
  auto clean = store->Verify();
  ASSERT_TRUE(clean.ok());
  ASSERT_TRUE(clean->ok) << clean->first_problem;
  EXPECT_EQ(clean->batches, 5u);

  // Event 23 was committed in batch 3. Flip one byte of its subject entry, as an attacker with
  // raw access to the database would.
  const std::string key =
      keys::SubjectKey(SyntheticSubject(23 * 7), kT0 + 23 * kMicrosPerSecond, "ev-23");
  std::string value;
  ASSERT_TRUE(
      store->raw_db()
          ->Get(rocksdb::ReadOptions(), store->column_family("history_subject"), key, &value)
          .ok());
  const size_t at = value.find("zaak-23");
  ASSERT_NE(at, std::string::npos);
  value[at + 5] = '9';  // zaak-23 -> zaak-93: still a well-formed record
  ASSERT_TRUE(
      store->raw_db()
          ->Put(rocksdb::WriteOptions(), store->column_family("history_subject"), key, value)
          .ok());
  auto broken = store->Verify();
  ASSERT_TRUE(broken.ok());
  EXPECT_FALSE(broken->ok);
  EXPECT_THAT(broken->first_problem, HasSubstr("batch 3"));
  EXPECT_THAT(broken->first_problem, HasSubstr("wmo-maatwerkvoorziening/2026-11-24"));

  // An entry that no longer decodes is named by its key.
  std::string garbled = value;
  garbled[0] = 9;
  ASSERT_TRUE(
      store->raw_db()
          ->Put(rocksdb::WriteOptions(), store->column_family("history_subject"), key, garbled)
          .ok());
  EXPECT_THAT(store->Verify()->first_problem, HasSubstr("cannot be decoded"));

  // Deleting an entry is found too.
  ASSERT_TRUE(store->raw_db()
                  ->Delete(rocksdb::WriteOptions(), store->column_family("history_actor"),
                           keys::ActorKey("emp-1", kT0 + 41 * kMicrosPerSecond, "ev-41"))
                  .ok());
  value[at + 5] = '2';  // undo the first change, so that only the deletion remains
  ASSERT_TRUE(
      store->raw_db()
          ->Put(rocksdb::WriteOptions(), store->column_family("history_subject"), key, value)
          .ok());
  auto deleted = store->Verify();
  EXPECT_FALSE(deleted->ok);
  EXPECT_THAT(deleted->first_problem, HasSubstr("batch 5"));
}

// Retention: entries past their activity's retention are never returned, compaction removes
// their bytes from the SST files, and verification still passes afterwards.
TEST_F(StoreTest, RetentionHidesThenCompactionRemovesBytes) {
  auto store = Open();
  CommitBatch batch;
  StoredEvent old_event = SyntheticEvent(1, kT0, "emp-1", "sturing-verantwoording");
  old_event.record.event_id = "RETENTION-MARKER-2y";
  batch.events.push_back(old_event);
  batch.events.push_back(SyntheticEvent(2, kT0, "emp-1", "wmo-maatwerkvoorziening"));
  ASSERT_TRUE(store->Commit(batch).ok());
  ASSERT_TRUE(store->Flush().ok());

  auto sst_contains = [&](const std::string& needle) {
    for (const auto& f : std::filesystem::directory_iterator(dir_.sub("store"))) {
      if (f.path().extension() != ".sst") continue;
      std::ifstream in(f.path(), std::ios::binary);
      const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (bytes.find(needle) != std::string::npos) return true;
    }
    return false;
  };
  // The values are LZ4-compressed in upper levels; the key (with the event id) is visible.
  EXPECT_TRUE(sst_contains("RETENTION-MARKER-2y"));

  // Two years and two days later the 2-year activity has expired, the 5-year one has not.
  now_ = kT0 + (2 * 366 + 2) * kMicrosPerDay;
  auto page = store->QueryActor("emp-1", kT0 - kMicrosPerDay, kT0 + kMicrosPerDay, 10, "");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].record.activity, "wmo-maatwerkvoorziening");
  EXPECT_TRUE(sst_contains("RETENTION-MARKER-2y")) << "still on disk before compaction";

  ASSERT_TRUE(store->CompactAll().ok());
  EXPECT_FALSE(sst_contains("RETENTION-MARKER-2y")) << "compaction must remove the bytes";
  auto report = store->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->first_problem;
  EXPECT_EQ(report->expired_segments_skipped, 1u);
}

TEST_F(StoreTest, BackupAndRestoreResumeFromOwnOffsets) {
  {
    auto store = Open();
    CommitBatch batch;
    for (int i = 0; i < 100; ++i)
      batch.events.push_back(SyntheticEvent(static_cast<std::uint64_t>(i), kT0 + i, "emp-2"));
    batch.positions = {{"inzage.access-events", 3, 100}};
    ASSERT_TRUE(store->Commit(batch).ok());
    ASSERT_TRUE(store->Backup(dir_.sub("backup"), 30 * kMicrosPerDay).ok());
  }
  ASSERT_TRUE(Store::Restore(dir_.sub("backup"), dir_.sub("restored")).ok());
  StoreOptions o;
  o.key_id = "key-a";
  auto restored = Store::Open(dir_.sub("restored"), o);
  ASSERT_TRUE(restored.ok()) << restored.status().message();
  EXPECT_EQ((*restored)->Offsets().at({"inzage.access-events", 3}), 100);
  EXPECT_EQ((*restored)->QueryActor("emp-2", kT0, kT0 + 1000, 1000, "")->entries.size(), 100u);
  EXPECT_TRUE((*restored)->Verify()->ok);
}

TEST_F(StoreTest, OldBackupsArePrunedByAge) {
  auto store = Open();
  ASSERT_TRUE(store->Backup(dir_.sub("backup"), 30 * kMicrosPerDay).ok());
  now_ = now_ + 40 * kMicrosPerDay;  // the store's clock moves on; the first backup is now old
  // BackupEngine stamps backups with the wall clock, so move our clock far ahead of it instead.
  now_ = now_ + 365 * kMicrosPerDay * 10;
  ASSERT_TRUE(store->Backup(dir_.sub("backup"), 30 * kMicrosPerDay).ok());
  int backups = 0;
  for (const auto& f : std::filesystem::directory_iterator(dir_.sub("backup") + "/meta")) {
    (void)f;
    ++backups;
  }
  EXPECT_EQ(backups, 0) << "every backup older than max-age was pruned (clock far ahead)";
}

// A full disk: the store lives on a 4 MiB tmpfs mounted in a private mount namespace (needs
// root, as CI and the development machines run; the test fails loudly otherwise).
TEST_F(StoreTest, DiskFullGivesAClearErrorAndNoCorruption) {
  const std::string mnt = dir_.sub("small-disk");
  std::filesystem::create_directories(mnt);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::unshare(CLONE_NEWNS) != 0) ::_exit(20);
    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr);
    if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=4m") != 0) ::_exit(21);
    StoreOptions o;
    o.key_id = "key-a";
    o.retention = testing::TestRetention();
    auto store = Store::Open(mnt + "/store", o);
    if (!store.ok()) ::_exit(22);
    int exit_code = 10;  // "no error seen"
    std::string message;
    for (int b = 0; b < 2000 && exit_code == 10; ++b) {
      CommitBatch batch;
      for (int i = 0; i < 100; ++i) {
        batch.events.push_back(
            SyntheticEvent(static_cast<std::uint64_t>(b * 100 + i), kT0 + b * 100 + i, "emp-3"));
      }
      auto r = (*store)->Commit(batch);
      if (!r.ok()) {
        exit_code = r.status().code() == Status::Code::kIoError ? 0 : 11;
        message = r.status().message();
      }
    }
    std::fprintf(stderr, "commit error: %s\n", message.c_str());
    // Copy the full store out of the namespace for the parent to reopen and verify.
    store->reset();
    std::error_code ec;
    std::filesystem::copy(mnt + "/store", dir_.sub("copied"), ec);
    ::_exit(ec ? 23 : exit_code);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child crashed instead of reporting an error";
  ASSERT_NE(WEXITSTATUS(status), 20) << "unshare(CLONE_NEWNS) failed: this test needs root";
  ASSERT_NE(WEXITSTATUS(status), 21) << "mounting a tmpfs failed: this test needs root";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "expected a clear I/O error from Commit";
  StoreOptions o;
  o.key_id = "key-a";
  auto store = Store::Open(dir_.sub("copied"), o);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto report = (*store)->Verify();
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->first_problem;
  EXPECT_GT(report->batches, 0u);
}

TEST_F(StoreTest, ReadOnlyAndBadPaths) {
  { auto store = Open(); }
  StoreOptions ro;
  ro.read_only = true;
  auto store = Store::Open(dir_.sub("store"), ro);
  ASSERT_TRUE(store.ok());
  CommitBatch batch;
  batch.events.push_back(SyntheticEvent(1, kT0, "emp-1"));
  auto r = (*store)->Commit(batch);
  EXPECT_FALSE(r.ok()) << "a read-only store must refuse writes";
  std::ofstream(dir_.sub("file")) << "x";
  StoreOptions o;
  auto bad = Store::Open(dir_.sub("file"), o);
  EXPECT_FALSE(bad.ok());
  auto missing = Store::Open(dir_.sub("missing"), ro);
  EXPECT_FALSE(missing.ok());
}

TEST(HistoryRecordTest, RoundTripBothFormsAndVersionCheck) {
  HistoryRecord r;
  r.batch_seq = 77;
  r.time = -5;
  r.action = Action::kProvide;
  r.info = InfoLevel::kDat;
  r.verdict = Verdict::kViolation;
  r.recipient_kind = 2;
  r.categories = 0x101;
  r.event_id = "e-1";
  r.actor = "emp-1";
  r.activity = "wmo-toegang";
  r.case_id = "zaak-1";
  r.rules = {RuleId::kNtkNoRelationship, RuleId::kProvideNoTriage};
  r.subject_count = 3;
  r.subjects = {SyntheticSubject(1), SyntheticSubject(2)};
  const std::string key = keys::SubjectKey(SyntheticSubject(1), r.time, r.event_id);
  const std::string_view suffix = std::string_view(key).substr(16);

  std::string subject_value;
  r.EncodeTo(HistoryRecord::Form::kSubjectEntry, &subject_value);
  HistoryRecord back;
  HistoryRecord::Form form;
  ASSERT_TRUE(HistoryRecord::Decode(suffix, subject_value, &back, &form).ok());
  EXPECT_EQ(form, HistoryRecord::Form::kSubjectEntry);
  EXPECT_EQ(back.batch_seq, 77u);
  EXPECT_EQ(back.time, -5);
  EXPECT_EQ(back.event_id, "e-1");
  EXPECT_EQ(back.action, Action::kProvide);
  EXPECT_EQ(back.rules, r.rules);
  EXPECT_EQ(back.case_id, "zaak-1");
  EXPECT_EQ(back.activity, "wmo-toegang");
  EXPECT_EQ(back.subject_count, 3u) << "version 2 keeps the subject count in subject entries";
  EXPECT_EQ(subject_value.find("e-1"), std::string::npos) << "the event id lives in the key";
  // A version 1 subject entry (no subject count at the end) still reads.
  std::string v1 = subject_value.substr(0, subject_value.size() - 1);
  v1[0] = 1;
  HistoryRecord old;
  ASSERT_TRUE(HistoryRecord::Decode(suffix, v1, &old).ok());
  EXPECT_EQ(old.rules, r.rules);
  EXPECT_EQ(old.subject_count, 0u);

  std::string actor_value;
  r.EncodeTo(HistoryRecord::Form::kActorEntry, &actor_value);
  HistoryRecord actor_back;
  ASSERT_TRUE(HistoryRecord::Decode(suffix, actor_value, &actor_back, &form).ok());
  EXPECT_EQ(form, HistoryRecord::Form::kActorEntry);
  EXPECT_EQ(actor_back.subjects, r.subjects);
  EXPECT_EQ(actor_back.subject_count, 3u);
  EXPECT_EQ(actor_back.verdict, Verdict::kViolation);

  std::uint64_t seq = 0;
  std::string_view activity;
  ASSERT_TRUE(HistoryRecord::PeekHeader(actor_value, &seq, &activity));
  EXPECT_EQ(seq, 77u);
  EXPECT_EQ(activity, "wmo-toegang");
  subject_value[0] = 9;
  EXPECT_THAT(HistoryRecord::Decode(suffix, subject_value, &back).message(),
              HasSubstr("version 9"));
  EXPECT_FALSE(HistoryRecord::Decode(suffix, "", &back).ok());
}

}  // namespace
}  // namespace inzage
