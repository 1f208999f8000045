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
#include <set>
#include <thread>

#include "store/keys.h"
#include "store_test_util.h"
#include "support/status_matchers.h"

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
  ASSERT_OK(window);
  EXPECT_EQ(window->entries.size(), 5u);
  auto other = store->QuerySubject(SyntheticSubject(43), kT0, kT0 + kMicrosPerDay, 100, "");
  EXPECT_TRUE(other->entries.empty());

  auto actor = store->QueryActor("emp-1", kT0, kT0 + kMicrosPerDay, 100, "");
  ASSERT_OK(actor);
  ASSERT_EQ(actor->entries.size(), 25u);
  EXPECT_EQ(actor->entries[0].record.subjects.size(), 1u);
  EXPECT_EQ(actor->entries[0].record.subjects[0], SyntheticSubject(42));
  EXPECT_EQ(store->Offsets().at({"inzage.access-events", 0}), 25);
  EXPECT_FALSE(store->QuerySubject(SyntheticSubject(42), kT0, kT0 + 1, 10, "zz").ok());
}

// The LDV read API's walk (history_scan.cc): a bounded number of keys a call, continued after
// the last key read, every entry once; keys outside the period skipped with a seek per subject.
TEST_F(StoreTest, ScanSubjectsWalksBoundedAndSkipsOutsideThePeriod) {
  auto store = Open();
  CommitBatch batch;
  for (std::uint64_t s = 0; s < 50; ++s) {
    for (int i = 0; i < 20; ++i) {
      StoredEvent e = SyntheticEvent(s * 100 + static_cast<std::uint64_t>(i),
                                     kT0 + i * kMicrosPerSecond, "emp-1");
      e.subjects = {SyntheticSubject(s)};
      batch.events.push_back(e);
    }
  }
  ASSERT_OK(store->Commit(batch));
  SubjectScan scan;
  scan.from = kT0 + 5 * kMicrosPerSecond;
  scan.to = kT0 + 7 * kMicrosPerSecond;
  scan.limit = 1000;
  scan.max_visited = 100000;
  auto all = store->ScanSubjects(scan);
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->entries.size(), 150u);
  EXPECT_TRUE(all->next.empty());
  // Per subject: the first key, three in the period, the first after it: 5 of its 20 keys.
  EXPECT_LE(all->visited, 50u * 5);

  // 13 keys a call: many calls, every entry once.
  scan.max_visited = 13;
  std::set<std::string> seen;
  size_t entries = 0;
  int calls = 0;
  do {
    auto page = store->ScanSubjects(scan);
    ASSERT_TRUE(page.ok()) << page.status().message();
    EXPECT_LE(page->visited, 13u);
    for (const QueryEntry& e : page->entries) {
      seen.insert(e.subject.Hex() + "/" + e.record.event_id);
      EXPECT_GE(e.record.time, scan.from);
      EXPECT_LE(e.record.time, scan.to);
    }
    entries += page->entries.size();
    scan.after = page->next;
    ++calls;
  } while (!scan.after.empty() && calls < 1000);
  EXPECT_EQ(entries, 150u);
  EXPECT_EQ(seen.size(), 150u);
  EXPECT_GE(calls, 250 / 13);

  // One subject, a page of 2 at a time, and a filter.
  scan = SubjectScan();
  scan.subject = SyntheticSubject(7);
  scan.from = kT0;
  scan.to = kT0 + kMicrosPerDay;
  scan.limit = 2;
  scan.match = [](const HistoryRecord& r) { return r.time % (2 * kMicrosPerSecond) == 0; };
  std::vector<TimeMicros> times;
  calls = 0;
  do {
    auto page = store->ScanSubjects(scan);
    ASSERT_TRUE(page.ok()) << page.status().message();
    for (const QueryEntry& e : page->entries) {
      EXPECT_EQ(e.subject, SyntheticSubject(7));
      times.push_back(e.record.time);
    }
    scan.after = page->next;
    ++calls;
  } while (!scan.after.empty() && calls < 100);
  EXPECT_EQ(times.size(), 10u);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  // A position of another subject is not this scan's.
  scan.after = all->entries.front().subject == SyntheticSubject(7)
                   ? std::string()
                   : keys::SubjectKey(all->entries.front().subject, kT0, "x");
  if (!scan.after.empty()) {
    EXPECT_FALSE(store->ScanSubjects(scan).ok());
  }
}

TEST_F(StoreTest, SameEventIdInOneBatchOrTwoIsStoredOnce) {
  auto store = Open();
  CommitBatch batch;
  batch.events.push_back(SyntheticEvent(1, kT0, "emp-1", "wmo-maatwerkvoorziening", 3));
  batch.events.push_back(SyntheticEvent(1, kT0, "emp-1", "wmo-maatwerkvoorziening", 3));
  auto r1 = store->Commit(batch);
  ASSERT_OK(r1);
  EXPECT_EQ(r1->stored_events, 1u);
  EXPECT_EQ(r1->duplicate_events, 1u);
  CommitBatch again;
  again.events.push_back(SyntheticEvent(1, kT0, "emp-1", "wmo-maatwerkvoorziening", 3));
  auto r2 = store->Commit(again);
  ASSERT_OK(r2);
  EXPECT_EQ(r2->stored_events, 0u);
  EXPECT_EQ(r2->duplicate_events, 1u);
  auto page = store->QueryActor("emp-1", kT0, kT0, 100, "");
  EXPECT_EQ(page->entries.size(), 1u);
  auto report = store->Verify();
  ASSERT_OK(report);
  EXPECT_TRUE(report->ok) << report->first_problem;
  EXPECT_EQ(report->entries, 4u);  // one actor entry, three subject entries
}

// A subject listed twice in one event gets one entry, in a short list (compared pairwise) and
// in a long one (through a set); verify counts exactly the entries written.
TEST_F(StoreTest, ASubjectListedTwiceInAnEventGetsOneEntry) {
  auto store = Open();
  CommitBatch batch;
  StoredEvent few = SyntheticEvent(1, kT0, "emp-1", "wmo-maatwerkvoorziening", 3);
  few.subjects.push_back(few.subjects[1]);
  StoredEvent many = SyntheticEvent(2, kT0 + 1, "emp-1", "wmo-maatwerkvoorziening", 20);
  many.subjects.push_back(many.subjects[0]);
  many.subjects.push_back(many.subjects[19]);
  batch.events.push_back(few);
  batch.events.push_back(many);
  ASSERT_OK(store->Commit(batch));
  EXPECT_EQ(store->QuerySubject(few.subjects[1], kT0, kT0 + 10, 100, "")->entries.size(), 1u);
  EXPECT_EQ(store->QuerySubject(many.subjects[0], kT0, kT0 + 10, 100, "")->entries.size(), 1u);
  EXPECT_EQ(store->QuerySubject(many.subjects[19], kT0, kT0 + 10, 100, "")->entries.size(), 1u);
  auto report = store->Verify();
  ASSERT_OK(report);
  EXPECT_TRUE(report->ok) << report->first_problem;
  // One actor group (one actor, activity and day) and 23 distinct subjects.
  EXPECT_EQ(report->entries, 1u + 3u + 20u);
}

// Within one batch, an actor's older event after a newer one is stored, and a repeat of either
// is caught, whether the batch also holds a redelivery or not.
TEST_F(StoreTest, ARepeatBehindANewerEventOfItsActorInOneBatchIsCaught) {
  auto store = Open();
  CommitBatch batch;
  batch.events.push_back(SyntheticEvent(1, kT0 + 10, "emp-1"));
  batch.events.push_back(SyntheticEvent(2, kT0 + 5, "emp-1"));
  batch.events.push_back(SyntheticEvent(3, kT0 + 20, "emp-2"));
  batch.events.push_back(SyntheticEvent(1, kT0 + 10, "emp-1"));
  batch.events.push_back(SyntheticEvent(2, kT0 + 5, "emp-1"));
  auto r = store->Commit(batch);
  ASSERT_OK(r);
  EXPECT_EQ(r->stored_events, 3u);
  EXPECT_EQ(r->duplicate_events, 2u);
  CommitBatch next;
  next.events.push_back(SyntheticEvent(4, kT0 + 30, "emp-2"));
  next.events.push_back(SyntheticEvent(4, kT0 + 30, "emp-2"));
  next.events.push_back(SyntheticEvent(5, kT0 + 1, "emp-1"));
  r = store->Commit(next);
  ASSERT_OK(r);
  EXPECT_EQ(r->stored_events, 2u);
  EXPECT_EQ(r->duplicate_events, 1u);
  EXPECT_EQ(store->QueryActor("emp-1", kT0, kT0 + 100, 100, "")->entries.size(), 3u);
  EXPECT_EQ(store->QueryActor("emp-2", kT0, kT0 + 100, 100, "")->entries.size(), 2u);
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

// The history_actor entries of a commit are actor groups (one per actor, activity and day).
// An actor's query still returns every event once, newest first, across pages and windows,
// when groups overlap in time (two activities, late events in a later batch, an event without
// subjects in an entry of its own); redeliveries of any group member are caught, also after a
// reopen.
TEST_F(StoreTest, ActorQueryMergesOverlappingGroupsNewestFirst) {
  struct Made {
    TimeMicros time;
    std::string id;
  };
  std::vector<Made> all;
  std::vector<std::vector<StoredEvent>> batches(3);
  const auto add = [&](size_t batch, std::uint64_t n, TimeMicros t, const char* activity,
                       int subjects = 1) {
    batches[batch].push_back(SyntheticEvent(n, t, "emp-1", activity, subjects));
    all.push_back({t, "ev-" + std::to_string(n)});
  };
  const TimeMicros s = kMicrosPerSecond;
  for (std::uint64_t n = 1; n <= 20; ++n) {
    add(0, n, kT0 + static_cast<TimeMicros>(n) * s,
        n % 2 == 0 ? "wmo-maatwerkvoorziening" : "sturing-verantwoording");
  }
  add(0, 21, kT0 + 7 * s + s / 2, "wmo-maatwerkvoorziening", 0);  // no subjects
  add(0, 22, kT0 + 3600 * s + 5 * s, "wmo-maatwerkvoorziening");  // the next hour
  add(1, 23, kT0 + 2 * s + s / 2, "wmo-maatwerkvoorziening");     // late, inside a group
  add(1, 24, kT0 + 10 * s + s / 2, "sturing-verantwoording");
  add(1, 25, kT0 + 3600 * s + 1 * s, "wmo-maatwerkvoorziening");
  add(1, 28, kT0 + 3600 * s + 10 * s, "wmo-maatwerkvoorziening");
  add(2, 26, kT0 + 4 * s, "wmo-maatwerkvoorziening");  // same time as ev-4, another id
  add(2, 27, kT0 + 4 * s, "sturing-verantwoording");
  add(2, 29, kT0 + kMicrosPerDay + 5 * s, "wmo-maatwerkvoorziening");  // the next day
  add(2, 30, kT0 - 10 * kMicrosPerDay, "wmo-maatwerkvoorziening");     // days before
  // Enough events in one day that a short page keeps only the newest of them while it reads.
  for (std::uint64_t n = 100; n < 300; ++n) {
    add(2, n, kT0 + 7200 * s + static_cast<TimeMicros>(n % 37) * s,
        n % 3 == 0 ? "wmo-maatwerkvoorziening" : "sturing-verantwoording");
  }
  // Another actor in between, whose entries must never show up.
  batches[1].push_back(SyntheticEvent(99, kT0 + 3 * s, "emp-2"));
  std::sort(all.begin(), all.end(), [](const Made& a, const Made& b) {
    return a.time != b.time ? a.time > b.time : a.id > b.id;
  });

  auto store = Open();
  size_t events = 0;
  for (auto& events_of_batch : batches) {
    CommitBatch batch;
    batch.events = events_of_batch;
    events += batch.events.size();
    auto r = store->Commit(batch);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->stored_events, events_of_batch.size());
  }
  const auto page_through = [&](Store& st, TimeMicros from, TimeMicros to, size_t limit) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = st.QueryActor("emp-1", from, to, limit, cursor);
      EXPECT_TRUE(page.ok()) << page.status().message();
      if (!page.ok()) break;
      EXPECT_LE(page->entries.size(), limit);
      for (const auto& e : page->entries) {
        ids.push_back(e.record.event_id);
        EXPECT_EQ(e.record.actor, "emp-1");
        // Details come from the subject entry (or the entry of its own).
        EXPECT_EQ(e.record.role, "wmo-consulent") << e.record.event_id;
      }
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    return ids;
  };
  const auto expected = [&](TimeMicros from, TimeMicros to) {
    std::vector<std::string> ids;
    for (const Made& m : all) {
      if (m.time >= from && m.time <= to) ids.push_back(m.id);
    }
    return ids;
  };
  const TimeMicros first = kT0 - 20 * kMicrosPerDay, last = kT0 + 2 * kMicrosPerDay;
  for (size_t limit : {1, 3, 7, 100, 1000}) {
    EXPECT_EQ(page_through(*store, first, last, limit), expected(first, last)) << "limit " << limit;
  }
  EXPECT_EQ(page_through(*store, kT0 + 4 * s, kT0 + 10 * s + s / 2, 2),
            expected(kT0 + 4 * s, kT0 + 10 * s + s / 2));
  EXPECT_EQ(page_through(*store, kT0 + 3600 * s, kT0 + 3600 * s + 2 * s, 5),
            expected(kT0 + 3600 * s, kT0 + 3600 * s + 2 * s));

  auto report = store->Verify();
  ASSERT_OK(report);
  EXPECT_TRUE(report->ok) << report->first_problem;
  EXPECT_LT(report->entries, 2 * events) << "the actor's events share entries";

  // Every event again, in one batch: all are caught, here and after a reopen.
  const auto redeliver = [&](Store& st) {
    CommitBatch again;
    for (const auto& b : batches) again.events.insert(again.events.end(), b.begin(), b.end());
    auto r = st.Commit(again);
    EXPECT_OK(r);
    EXPECT_EQ(r->stored_events, 0u);
    EXPECT_EQ(r->duplicate_events, events);
  };
  redeliver(*store);
  store.reset();
  store = Open();
  redeliver(*store);
  EXPECT_EQ(page_through(*store, first, last, 100), expected(first, last));
}

// A page of a busy actor's day decodes only the groups that can reach it; pages still return
// every event once, in order, also where one commit's last event and the next one's first
// share a time.
TEST_F(StoreTest, ActorPagesOfABusyDaySkipGroupsThatCannotReachThem) {
  auto store = Open();
  std::vector<std::string> expected;
  for (std::uint64_t b = 0; b < 6; ++b) {
    CommitBatch batch;
    for (std::uint64_t i = 0; i < 100; ++i) {
      const std::uint64_t n = 1000 + b * 100 + i;
      // Each commit starts at the time its predecessor ended.
      const TimeMicros t = kT0 + static_cast<TimeMicros>(b * 99 + i) * kMicrosPerSecond;
      batch.events.push_back(SyntheticEvent(n, t, "emp-9"));
      expected.push_back("ev-" + std::to_string(n));
    }
    ASSERT_OK(store->Commit(batch));
  }
  std::reverse(expected.begin(), expected.end());  // newest first; ids grow with time
  for (size_t limit : {1, 10, 99, 100, 101}) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = store->QueryActor("emp-9", kT0, kT0 + kMicrosPerDay, limit, cursor);
      ASSERT_OK(page);
      for (const auto& e : page->entries) ids.push_back(e.record.event_id);
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    EXPECT_EQ(ids, expected) << "limit " << limit;
  }
}

// After a reopen, an actor's newest stored event is looked for in every entry of its last day,
// not only the last key: here it is inside a group whose key sorts before another entry's.
TEST_F(StoreTest, TheNewestEventInsideAGroupIsADuplicateAfterAReopen) {
  const StoredEvent a1 = SyntheticEvent(1, kT0, "emp-3", "wmo-maatwerkvoorziening");
  const StoredEvent a2 = SyntheticEvent(2, kT0 + 10, "emp-3", "wmo-maatwerkvoorziening");
  const StoredEvent b1 = SyntheticEvent(3, kT0 + 5, "emp-3", "sturing-verantwoording");
  {
    auto store = Open();
    CommitBatch first;
    first.events = {a1, a2};  // one group, under a1's key
    ASSERT_OK(store->Commit(first));
    CommitBatch second;
    second.events = {b1};  // the last key of emp-3, but not its newest event
    ASSERT_OK(store->Commit(second));
  }
  auto store = Open();
  CommitBatch again;
  again.events = {a2};
  auto r = store->Commit(again);
  ASSERT_OK(r);
  EXPECT_EQ(r->stored_events, 0u);
  EXPECT_EQ(r->duplicate_events, 1u);
  EXPECT_EQ(store->QueryActor("emp-3", kT0, kT0 + 100, 100, "")->entries.size(), 3u);
}

// Schema 2 (actor groups): a schema 1 store is upgraded when opened for writing, so that an
// older inzage refuses it rather than misread its groups; read-only opens change nothing, and
// a newer schema is refused with both versions named.
TEST_F(StoreTest, SchemaOneIsUpgradedOnWritableOpenAndNewerIsRefused) {
  const auto set_schema = [&](const std::string& version) {
    auto store = Open();
    ASSERT_OK(store->raw_db()->Put(rocksdb::WriteOptions(), store->column_family("meta"),
                                   "schema_version", version));
  };
  const auto schema = [&](Store& store) {
    std::string v;
    EXPECT_OK(store.raw_db()->Get(rocksdb::ReadOptions(), store.column_family("meta"),
                                  "schema_version", &v));
    return v;
  };
  set_schema("1");
  {
    StoreOptions o;
    o.read_only = true;
    auto store = Store::Open(dir_.sub("store"), o);
    ASSERT_TRUE(store.ok()) << store.status().message();
    EXPECT_EQ(schema(**store), "1");
  }
  EXPECT_EQ(schema(*Open()), "4");
  set_schema("5");
  StoreOptions o;
  o.key_id = "key-a";
  auto refused = Store::Open(dir_.sub("store"), o);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(), HasSubstr("schema version 5"));
  EXPECT_THAT(refused.status().message(), HasSubstr("versions 1 to 4"));
}

// Events at or before their actor's newest one: those among its latest stored events are told
// apart in memory (a repeat is confirmed in the store), older ones are looked up in the store;
// either way a repeat is caught and a new event stored, also for an equal time.
TEST_F(StoreTest, LateEventsAreCheckedInMemoryOrInTheStore) {
  auto store = Open();
  const auto commit = [&](std::vector<StoredEvent> events) {
    CommitBatch batch;
    batch.events = std::move(events);
    auto r = store->Commit(batch);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : CommitResult{};
  };
  const TimeMicros s = kMicrosPerSecond;
  // 200 events, more than the actor's latest events kept in memory.
  std::vector<StoredEvent> first;
  for (std::uint64_t n = 0; n < 200; ++n) {
    first.push_back(SyntheticEvent(n, kT0 + static_cast<TimeMicros>(n) * s, "emp-5"));
  }
  EXPECT_EQ(commit(first).stored_events, 200u);
  // Repeats of a recent and of an old event; new events between recent ones, between old ones
  // and at the same time as a recent one.
  const CommitResult r = commit(
      {first[199], first[190], first[3], SyntheticEvent(500, kT0 + 195 * s + 1, "emp-5"),
       SyntheticEvent(501, kT0 + 5 * s + 1, "emp-5"), SyntheticEvent(502, kT0 + 190 * s, "emp-5")});
  EXPECT_EQ(r.duplicate_events, 3u);
  EXPECT_EQ(r.stored_events, 3u);
  // And again: now all six are repeats.
  const CommitResult again = commit(
      {first[199], first[190], first[3], SyntheticEvent(500, kT0 + 195 * s + 1, "emp-5"),
       SyntheticEvent(501, kT0 + 5 * s + 1, "emp-5"), SyntheticEvent(502, kT0 + 190 * s, "emp-5")});
  EXPECT_EQ(again.duplicate_events, 6u);
  EXPECT_EQ(again.stored_events, 0u);
  EXPECT_EQ(store->QueryActor("emp-5", kT0, kT0 + kMicrosPerDay, 1000, "")->entries.size(), 203u);
}

TEST_F(StoreTest, ReportsTheMemoryItHolds) {
  auto store = Open();
  const Store::MemoryUsage empty = store->memory_usage();
  CommitBatch batch;
  for (int i = 0; i < 200; ++i) {
    batch.events.push_back(SyntheticEvent(i, kT0 + i, "emp-" + std::to_string(i % 7)));
  }
  ASSERT_OK(store->Commit(batch));
  EXPECT_GT(store->memory_usage().memtables, empty.memtables);
  // Flushed to a table file, the entries are read through the block cache.
  ASSERT_OK(store->Flush());
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
    ASSERT_OK(store->Commit(batch));
  }
  auto clean = store->Verify();
  ASSERT_OK(clean);
  ASSERT_TRUE(clean->ok) << clean->first_problem;
  EXPECT_EQ(clean->batches, 5u);
  EXPECT_EQ(clean->events, 50u) << "each stored event once, whether or not in an actor group";

  // Event 23 was committed in batch 3. Flip one byte of its subject entry, as an attacker with
  // raw access to the database would.
  const std::string key =
      keys::SubjectKey(SyntheticSubject(23 * 7), kT0 + 23 * kMicrosPerSecond, "ev-23");
  std::string value;
  ASSERT_OK(store->raw_db()->Get(rocksdb::ReadOptions(), store->column_family("history_subject"),
                                 key, &value));
  const size_t at = value.find("zaak-23");
  ASSERT_NE(at, std::string::npos);
  value[at + 5] = '9';  // zaak-23 -> zaak-93: still a well-formed record
  ASSERT_OK(store->raw_db()->Put(rocksdb::WriteOptions(), store->column_family("history_subject"),
                                 key, value));
  auto broken = store->Verify();
  ASSERT_OK(broken);
  EXPECT_FALSE(broken->ok);
  EXPECT_THAT(broken->first_problem, HasSubstr("batch 3"));
  EXPECT_THAT(broken->first_problem, HasSubstr("wmo-maatwerkvoorziening/2026-11-24"));

  // An entry that no longer decodes is named by its key.
  std::string garbled = value;
  garbled[0] = 9;
  ASSERT_OK(store->raw_db()->Put(rocksdb::WriteOptions(), store->column_family("history_subject"),
                                 key, garbled));
  EXPECT_THAT(store->Verify()->first_problem, HasSubstr("cannot be decoded"));

  // Deleting an entry is found too: here batch 5's actor group, under its first event's key.
  ASSERT_OK(store->raw_db()->Delete(rocksdb::WriteOptions(), store->column_family("history_actor"),
                                    keys::ActorKey("emp-1", kT0 + 40 * kMicrosPerSecond, "ev-40")));
  value[at + 5] = '2';  // undo the first change, so that only the deletion remains
  ASSERT_OK(store->raw_db()->Put(rocksdb::WriteOptions(), store->column_family("history_subject"),
                                 key, value));
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
  ASSERT_OK(store->Commit(batch));
  ASSERT_OK(store->Flush());

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
  ASSERT_OK(page);
  ASSERT_EQ(page->entries.size(), 1u);
  EXPECT_EQ(page->entries[0].record.activity, "wmo-maatwerkvoorziening");
  EXPECT_TRUE(sst_contains("RETENTION-MARKER-2y")) << "still on disk before compaction";

  ASSERT_OK(store->CompactAll());
  EXPECT_FALSE(sst_contains("RETENTION-MARKER-2y")) << "compaction must remove the bytes";
  auto report = store->Verify();
  ASSERT_OK(report);
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
    ASSERT_OK(store->Commit(batch));
    ASSERT_OK(store->Backup(dir_.sub("backup"), 30 * kMicrosPerDay));
  }
  ASSERT_OK(Store::Restore(dir_.sub("backup"), dir_.sub("restored")));
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
  ASSERT_OK(store->Backup(dir_.sub("backup"), 30 * kMicrosPerDay));
  now_ = now_ + 40 * kMicrosPerDay;  // the store's clock moves on; the first backup is now old
  // BackupEngine stamps backups with the wall clock, so move our clock far ahead of it instead.
  now_ = now_ + 365 * kMicrosPerDay * 10;
  ASSERT_OK(store->Backup(dir_.sub("backup"), 30 * kMicrosPerDay));
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
  ASSERT_OK(report);
  EXPECT_TRUE(report->ok) << report->first_problem;
  EXPECT_GT(report->batches, 0u);
}

TEST_F(StoreTest, ReadOnlyAndBadPaths) {
  { auto store = Open(); }
  StoreOptions ro;
  ro.read_only = true;
  auto store = Store::Open(dir_.sub("store"), ro);
  ASSERT_OK(store);
  CommitBatch batch;
  batch.events.push_back(SyntheticEvent(1, kT0, "emp-1"));
  auto r = (*store)->Commit(batch);
  EXPECT_FALSE(r.ok()) << "a read-only store must refuse writes";
  EXPECT_EQ(r.status().message(), "the store is open read-only");
  std::ofstream(dir_.sub("file")) << "x";
  StoreOptions o;
  auto bad = Store::Open(dir_.sub("file"), o);
  EXPECT_FALSE(bad.ok());
  auto missing = Store::Open(dir_.sub("missing"), ro);
  EXPECT_FALSE(missing.ok());
}

HistoryRecord SampleRecord() {
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
  r.role = "wmo-consulent";
  r.department = "sociaal-domein";
  r.municipality = "dinkelland";
  r.domain = "wmo";
  r.activity = "wmo-toegang";
  r.case_id = "zaak-1";
  r.recipient = "zorgaanbieder-1";
  r.rules = {RuleId::kNtkNoRelationship, RuleId::kProvideNoTriage};
  r.subject_count = 3;
  r.subjects = {SyntheticSubject(1), SyntheticSubject(2)};
  return r;
}

void ExpectSameSubjectEntry(const HistoryRecord& back, const HistoryRecord& r) {
  EXPECT_EQ(back.batch_seq, r.batch_seq);
  EXPECT_EQ(back.time, r.time);
  EXPECT_EQ(back.event_id, r.event_id);
  EXPECT_EQ(back.action, r.action);
  EXPECT_EQ(back.info, r.info);
  EXPECT_EQ(back.verdict, r.verdict);
  EXPECT_EQ(back.recipient_kind, r.recipient_kind);
  EXPECT_EQ(back.categories, r.categories);
  EXPECT_EQ(back.actor, r.actor);
  EXPECT_EQ(back.role, r.role);
  EXPECT_EQ(back.department, r.department);
  EXPECT_EQ(back.municipality, r.municipality);
  EXPECT_EQ(back.domain, r.domain);
  EXPECT_EQ(back.activity, r.activity);
  EXPECT_EQ(back.case_id, r.case_id);
  EXPECT_EQ(back.recipient, r.recipient);
  EXPECT_EQ(back.rules, r.rules);
}

// A subject entry as versions 1 and 2 wrote it (every string inline), byte by byte, so that
// stores written before version 3 keep reading.
std::string OldSubjectEntry(const HistoryRecord& r, std::uint8_t version) {
  auto str = [](std::string* out, const std::string& s) {
    out->push_back(static_cast<char>(s.size()));
    out->append(s);
  };
  std::string v = {static_cast<char>(version), 0, static_cast<char>(r.batch_seq)};
  str(&v, r.activity);
  for (int b : {static_cast<int>(r.action), static_cast<int>(r.info), static_cast<int>(r.verdict),
                static_cast<int>(r.recipient_kind)}) {
    v.push_back(static_cast<char>(b));
  }
  v += "\x81\x02";  // categories 0x101 as a varint
  for (const std::string* s :
       {&r.actor, &r.role, &r.department, &r.municipality, &r.domain, &r.case_id, &r.recipient}) {
    str(&v, *s);
  }
  v.push_back(static_cast<char>(r.rules.size()));
  for (RuleId id : r.rules) v.push_back(static_cast<char>(id));
  if (version >= 2) v.push_back(static_cast<char>(r.subject_count));
  return v;
}

// Numbers strings in the order it first sees them, like the store's dictionary.
class CountingInterner : public Interner {
 public:
  std::uint32_t Intern(std::string_view s) override {
    for (size_t i = 0; i < table.size(); ++i) {
      if (table[i] == s) return static_cast<std::uint32_t>(i + 1);
    }
    table.push_back(std::string(s));
    return static_cast<std::uint32_t>(table.size());
  }
  StringTable table;
};

TEST(StringTableTest, ACopyKeepsItsEntriesWhileTheOriginalGrows) {
  constexpr size_t kChunk = StringTable::kChunk;
  StringTable table;
  for (size_t i = 0; i < kChunk + 10; ++i) table.push_back("entry-" + std::to_string(i));
  const StringTable snapshot = table;  // what a reader holds while the next commit appends
  const std::string* first = &snapshot[0];
  const std::string* last = &snapshot[kChunk + 9];
  for (size_t i = 0; i < 3 * kChunk; ++i) table.push_back("more-" + std::to_string(i));

  EXPECT_EQ(snapshot.size(), kChunk + 10);
  EXPECT_EQ(&snapshot[0], first);
  EXPECT_EQ(&snapshot[kChunk + 9], last) << "a reader's view never moves";
  EXPECT_EQ(*last, "entry-1033");
  EXPECT_EQ(table.size(), 4 * kChunk + 10);
  EXPECT_EQ(table[kChunk + 9], "entry-1033");
  EXPECT_EQ(table[kChunk + 10], "more-0");
  EXPECT_EQ(table.back(), "more-3071");
  EXPECT_EQ(&table[0], first) << "full chunks are shared, not copied";
  EXPECT_NE(&table[kChunk + 9], last) << "the shared last chunk is copied before it grows";
  EXPECT_FALSE(table == snapshot);
}

TEST(HistoryRecordTest, RoundTripBothFormsAndVersionCheck) {
  const HistoryRecord r = SampleRecord();
  const std::string key = keys::SubjectKey(SyntheticSubject(1), r.time, r.event_id);
  const std::string_view suffix = std::string_view(key).substr(16);

  std::string subject_value;
  r.EncodeTo(HistoryRecord::Form::kSubjectEntry, &subject_value);
  HistoryRecord back;
  HistoryRecord::Form form;
  ASSERT_OK(HistoryRecord::Decode(suffix, subject_value, &back, &form));
  EXPECT_EQ(form, HistoryRecord::Form::kSubjectEntry);
  ExpectSameSubjectEntry(back, r);
  EXPECT_EQ(back.subject_count, 3u) << "subject entries keep the subject count (version 2 on)";
  EXPECT_EQ(subject_value.find("e-1"), std::string::npos) << "the event id lives in the key";

  // Versions 1 and 2 (every string inline) still read.
  for (std::uint8_t version : {1, 2}) {
    HistoryRecord old;
    ASSERT_TRUE(HistoryRecord::Decode(suffix, OldSubjectEntry(r, version), &old).ok())
        << "version " << int{version};
    ExpectSameSubjectEntry(old, r);
    EXPECT_EQ(old.subject_count, version == 1 ? 0u : 3u);
  }

  std::string actor_value;
  r.EncodeTo(HistoryRecord::Form::kActorEntry, &actor_value);
  HistoryRecord actor_back;
  ASSERT_OK(HistoryRecord::Decode(suffix, actor_value, &actor_back, &form));
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

// Version 5: the trace context and confidentiality ride at the end of a subject entry, only when
// there is one; a version 4 entry (no trailer) still reads.
TEST(HistoryRecordTest, TraceContextRoundTripsAndCostsNothingWhenAbsent) {
  HistoryRecord r = SampleRecord();
  const std::string key = keys::SubjectKey(SyntheticSubject(1), r.time, r.event_id);
  const std::string_view suffix = std::string_view(key).substr(16);
  std::string without;
  r.EncodeTo(HistoryRecord::Form::kSubjectEntry, &without);
  r.has_trace_id = true;
  r.has_span_id = true;
  for (size_t i = 0; i < 16; ++i) r.trace_id[i] = static_cast<std::uint8_t>(0xa0 + i);
  for (size_t i = 0; i < 8; ++i) r.span_id[i] = static_cast<std::uint8_t>(i + 1);
  std::string with;
  r.EncodeTo(HistoryRecord::Form::kSubjectEntry, &with);
  EXPECT_EQ(with.size(), without.size() + 1 + 16 + 8);
  HistoryRecord back;
  ASSERT_OK(HistoryRecord::Decode(suffix, with, &back));
  EXPECT_TRUE(back.has_trace_id);
  EXPECT_TRUE(back.has_span_id);
  EXPECT_FALSE(back.confidential);
  EXPECT_EQ(back.trace_id, r.trace_id);
  EXPECT_EQ(back.span_id, r.span_id);
  ExpectSameSubjectEntry(back, r);

  r.has_trace_id = r.has_span_id = false;
  r.confidential = true;
  std::string confidential;
  r.EncodeTo(HistoryRecord::Form::kSubjectEntry, &confidential);
  EXPECT_EQ(confidential.size(), without.size() + 1);
  ASSERT_OK(HistoryRecord::Decode(suffix, confidential, &back));
  EXPECT_TRUE(back.confidential);
  EXPECT_FALSE(back.has_trace_id);

  // A version 4 entry is a version 5 entry without the trailer.
  std::string v4 = without;
  v4[0] = 4;
  ASSERT_OK(HistoryRecord::Decode(suffix, v4, &back));
  EXPECT_FALSE(back.has_trace_id || back.confidential);
  // A trailer on a version 4 entry, a truncated trace id or unknown flags are refused.
  std::string bad = with;
  bad[0] = 4;
  EXPECT_FALSE(HistoryRecord::Decode(suffix, bad, &back).ok());
  EXPECT_FALSE(HistoryRecord::Decode(suffix, with.substr(0, with.size() - 3), &back).ok());
  std::string flags = without;
  flags.push_back(8);
  EXPECT_FALSE(HistoryRecord::Decode(suffix, flags, &back).ok());
}

TEST(HistoryRecordTest, ActorGroupRoundTripAndBounds) {
  HistoryRecord a = SampleRecord();
  a.time = 10 * kMicrosPerSecond;
  HistoryRecord b = SampleRecord();
  b.time = a.time + 1'500'000;
  b.event_id = "e-2";
  b.verdict = Verdict::kAllow;
  HistoryRecord c = SampleRecord();
  c.time = b.time;
  c.event_id = "e-3";
  std::vector<Pseudonym> many;
  for (std::uint64_t i = 0; i < 130; ++i) many.push_back(SyntheticSubject(i));
  const std::vector<Pseudonym> one = {SyntheticSubject(7)};
  const std::vector<HistoryRecord::GroupItem> items = {{&a, a.subjects}, {&b, one}, {&c, many}};
  std::string value;
  CountingInterner interner;
  HistoryRecord::EncodeActorGroup(77, "wmo-toegang", items, &value, &interner);
  EXPECT_EQ(interner.table, StringTable{"wmo-toegang"});
  const std::string key = keys::ActorKey("emp-1", a.time, a.event_id);
  const std::string_view suffix = std::string_view(key).substr(6);

  std::vector<HistoryRecord> back;
  ASSERT_OK(HistoryRecord::DecodeEntry(suffix, value, &back, &interner.table));
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].event_id, "e-1");
  EXPECT_EQ(back[0].time, a.time);
  EXPECT_EQ(back[0].subjects, a.subjects);
  EXPECT_EQ(back[0].verdict, Verdict::kViolation);
  EXPECT_EQ(back[1].event_id, "e-2");
  EXPECT_EQ(back[1].time, b.time);
  EXPECT_EQ(back[1].verdict, Verdict::kAllow);
  EXPECT_EQ(back[1].subjects, one);
  EXPECT_EQ(back[2].subject_count, 130u);
  EXPECT_EQ(back[2].subjects.size(), HistoryRecord::kMaxActorSubjects);
  for (const HistoryRecord& r : back) {
    EXPECT_EQ(r.batch_seq, 77u);
    EXPECT_EQ(r.activity, "wmo-toegang");
  }
  // Its newest event's time, without decoding it; the other forms answer with the key's time.
  TimeMicros last = 0;
  ASSERT_TRUE(HistoryRecord::PeekLastTime(suffix, value, &last));
  EXPECT_EQ(last, c.time);
  std::string single_value;
  a.EncodeTo(HistoryRecord::Form::kActorEntry, &single_value);
  ASSERT_TRUE(HistoryRecord::PeekLastTime(suffix, single_value, &last));
  EXPECT_EQ(last, a.time);
  EXPECT_FALSE(HistoryRecord::PeekLastTime(suffix, value.substr(0, value.size() - 1), &last));
  // Retention and verify read its header like any entry's; Decode refuses it (several records).
  std::uint64_t seq = 0;
  std::string_view activity;
  ASSERT_TRUE(HistoryRecord::PeekHeader(value, &seq, &activity, &interner.table));
  EXPECT_EQ(seq, 77u);
  HistoryRecord single;
  EXPECT_FALSE(HistoryRecord::Decode(suffix, value, &single, nullptr, &interner.table).ok());
  // DecodeEntry reads the other forms as one record.
  std::string subject_value;
  a.EncodeTo(HistoryRecord::Form::kSubjectEntry, &subject_value);
  back.clear();
  ASSERT_OK(HistoryRecord::DecodeEntry(suffix, subject_value, &back));
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].case_id, a.case_id);

  // Truncated, padded, or reaching into the next day: malformed, and nothing is appended.
  for (const std::string& bad :
       {value.substr(0, value.size() - 1), value + "x", std::string(value.substr(0, 5))}) {
    back.clear();
    EXPECT_FALSE(HistoryRecord::DecodeEntry(suffix, bad, &back, &interner.table).ok());
    EXPECT_TRUE(back.empty());
  }
  HistoryRecord late = SampleRecord();
  late.time = HistoryRecord::GroupStart(a.time) + HistoryRecord::kGroupSpan;
  late.event_id = "e-4";
  const std::vector<HistoryRecord::GroupItem> crossing = {{&a, one}, {&late, one}};
  std::string crossing_value;
  HistoryRecord::EncodeActorGroup(77, "wmo-toegang", crossing, &crossing_value);
  back.clear();
  EXPECT_FALSE(HistoryRecord::DecodeEntry(suffix, crossing_value, &back).ok());
  // Members out of key order (the same time, a smaller id) are malformed too.
  HistoryRecord same_time = SampleRecord();
  same_time.time = a.time;
  same_time.event_id = "e-0";
  const std::vector<HistoryRecord::GroupItem> unordered = {{&a, one}, {&same_time, one}};
  std::string unordered_value;
  HistoryRecord::EncodeActorGroup(77, "wmo-toegang", unordered, &unordered_value);
  back.clear();
  EXPECT_FALSE(HistoryRecord::DecodeEntry(suffix, unordered_value, &back).ok());
  // An older inzage names the version it cannot read.
  value[0] = 3;
  EXPECT_FALSE(HistoryRecord::DecodeEntry(suffix, value, &back, &interner.table).ok());
}

TEST(HistoryRecordTest, DictionaryRefsReadBackOnlyWithTheDictionary) {
  const HistoryRecord r = SampleRecord();
  const std::string key = keys::SubjectKey(SyntheticSubject(1), r.time, r.event_id);
  const std::string_view suffix = std::string_view(key).substr(16);
  std::string inline_value, ref_value;
  r.EncodeTo(HistoryRecord::Form::kSubjectEntry, &inline_value);
  CountingInterner interner;
  r.EncodeTo(HistoryRecord::Form::kSubjectEntry, &ref_value, &interner);
  // The activity, actor, role, department, municipality, domain and recipient; the case id
  // stays inline.
  EXPECT_EQ(interner.table, (StringTable{"wmo-toegang", "emp-1", "wmo-consulent", "sociaal-domein",
                                         "dinkelland", "wmo", "zorgaanbieder-1"}));
  EXPECT_EQ(ref_value.size() + 78, inline_value.size()) << "seven strings became one byte each";
  EXPECT_NE(ref_value.find("zaak-1"), std::string::npos);

  HistoryRecord back;
  ASSERT_OK(HistoryRecord::Decode(suffix, ref_value, &back, nullptr, &interner.table));
  ExpectSameSubjectEntry(back, r);
  EXPECT_THAT(HistoryRecord::Decode(suffix, ref_value, &back).message(),
              HasSubstr("dictionary entry the store lacks"));
  StringTable shorter;
  for (size_t i = 0; i + 1 < interner.table.size(); ++i) shorter.push_back(interner.table[i]);
  EXPECT_FALSE(HistoryRecord::Decode(suffix, ref_value, &back, nullptr, &shorter).ok())
      << "the recipient's entry is missing";

  // Retention and verify read the activity of either form through the dictionary, and an
  // entry they cannot resolve is reported, not guessed (the retention filter then keeps it).
  std::string actor_value;
  r.EncodeTo(HistoryRecord::Form::kActorEntry, &actor_value, &interner);
  std::uint64_t seq = 0;
  std::string_view activity;
  ASSERT_TRUE(HistoryRecord::PeekHeader(actor_value, &seq, &activity, &interner.table));
  EXPECT_EQ(seq, 77u);
  EXPECT_EQ(activity, "wmo-toegang");
  EXPECT_FALSE(HistoryRecord::PeekHeader(actor_value, &seq, &activity));
  ASSERT_TRUE(HistoryRecord::PeekHeader(inline_value, &seq, &activity));
  EXPECT_EQ(activity, "wmo-toegang");
}

TEST_F(StoreTest, DictionaryIsSharedPersistedAndCoveredByVerify) {
  {
    auto store = Open();
    for (int b = 0; b < 3; ++b) {
      CommitBatch batch;
      for (int i = 0; i < 10; ++i) {
        const int n = b * 10 + i;
        // A new actor in every batch: batches 1-3 each add dictionary entries.
        batch.events.push_back(SyntheticEvent(
            static_cast<std::uint64_t>(n), kT0 + n * kMicrosPerSecond, "emp-" + std::to_string(b)));
      }
      ASSERT_OK(store->Commit(batch));
    }
    EXPECT_GE(store->dictionary_size(), 3u);
    EXPECT_LT(store->dictionary_size(), 30u) << "strings repeat; the dictionary must not";
    // The chain names the dictionary's segment with these exact bytes (stores depend on them).
    std::string chain;
    ASSERT_OK(store->raw_db()->Get(rocksdb::ReadOptions(), store->column_family("meta"),
                                   keys::ChainKey(1), &chain));
    EXPECT_NE(chain.find(std::string("\x0b\x01") + "dictionary"), std::string::npos);
    auto report = store->Verify();
    ASSERT_OK(report);
    EXPECT_TRUE(report->ok) << report->first_problem;
  }
  // After a restart the entries read back and new batches reuse the same numbers.
  auto store = Open();
  const size_t entries = store->dictionary_size();
  ASSERT_GE(entries, 3u);
  auto page = store->QueryActor("emp-2", kT0, kT0 + kMicrosPerDay, 100, "");
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->entries.size(), 10u);
  EXPECT_EQ(page->entries[0].record.actor, "emp-2");
  EXPECT_EQ(page->entries[0].record.activity, "wmo-maatwerkvoorziening");
  CommitBatch again;
  again.events.push_back(SyntheticEvent(100, kT0 + 100 * kMicrosPerSecond, "emp-1"));
  ASSERT_OK(store->Commit(again));
  EXPECT_EQ(store->dictionary_size(), entries);
  auto subject = store->QuerySubject(SyntheticSubject(100 * 7), kT0, kT0 + kMicrosPerDay, 10, "");
  ASSERT_OK(subject);
  ASSERT_EQ(subject->entries.size(), 1u);
  EXPECT_EQ(subject->entries[0].record.actor, "emp-1");

  // Rewriting a dictionary entry rewrites every entry that refers to it: Verify names the
  // batch that added it.
  const std::string dict_key = keys::DictionaryKey(static_cast<std::uint32_t>(entries));
  std::string value;
  auto* meta = store->column_family("meta");
  ASSERT_OK(store->raw_db()->Get(rocksdb::ReadOptions(), meta, dict_key, &value));
  ASSERT_EQ(value.substr(8), "emp-2");
  value.replace(8, std::string::npos, "emp-9");
  ASSERT_OK(store->raw_db()->Put(rocksdb::WriteOptions(), meta, dict_key, value));
  auto report = store->Verify();
  ASSERT_OK(report);
  EXPECT_FALSE(report->ok);
  EXPECT_THAT(report->first_problem, HasSubstr("batch 3: the dictionary"));
}

// Strings that could hold a BSN stay inline (the dictionary is never pruned by retention), and
// a store whose dictionary repeats an entry is refused rather than numbered wrongly.
TEST_F(StoreTest, DictionaryKeepsDigitRunsInlineAndRefusesRepeatedEntries) {
  {
    auto store = Open();
    CommitBatch batch;
    batch.events.push_back(SyntheticEvent(1, kT0, "emp-1"));
    batch.events.back().record.recipient = "ontvanger-999999011";
    ASSERT_OK(store->Commit(batch));
    auto page = store->QuerySubject(SyntheticSubject(7), kT0, kT0, 10, "");
    ASSERT_OK(page);
    ASSERT_EQ(page->entries.size(), 1u);
    EXPECT_EQ(page->entries[0].record.recipient, "ontvanger-999999011");
    EXPECT_EQ(store->inline_strings(), 1u);  // counted for inzage_store_inline_strings_total
    std::unique_ptr<rocksdb::Iterator> it(
        store->raw_db()->NewIterator(rocksdb::ReadOptions(), store->column_family("meta")));
    for (it->Seek("dict/"); it->Valid() && it->key().starts_with("dict/"); it->Next()) {
      EXPECT_EQ(it->value().ToString().find("999999011"), std::string::npos);
    }
    // Tamper: a second entry with the string of the first.
    std::string first;
    auto* meta = store->column_family("meta");
    ASSERT_OK(store->raw_db()->Get(rocksdb::ReadOptions(), meta, keys::DictionaryKey(1), &first));
    const auto next = static_cast<std::uint32_t>(store->dictionary_size() + 1);
    ASSERT_OK(
        store->raw_db()->Put(rocksdb::WriteOptions(), meta, keys::DictionaryKey(next), first));
  }
  StoreOptions o;
  o.key_id = "key-a";
  auto reopened = Store::Open(dir_.sub("store"), o);
  ASSERT_FALSE(reopened.ok());
  EXPECT_THAT(reopened.status().message(), HasSubstr("repeats an earlier one"));
}

// Readers on other threads see an entry only after the dictionary entries it refers to: a
// query racing the commits that add new actors never meets a number it cannot resolve.
TEST_F(StoreTest, ReadersNeverSeeARefBeforeItsDictionaryEntry) {
  auto store = Open();
  constexpr int kBatches = 200;
  std::atomic<int> committed{0};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::thread reader([&] {
    while (committed.load() < kBatches) {
      const int b = committed.load();  // the actor of the batch being committed now
      auto page = store->QueryActor("emp-" + std::to_string(b), kT0, kT0 + kMicrosPerDay, 10, "");
      if (!page.ok() ||
          (!page->entries.empty() && page->entries[0].record.actor != "emp-" + std::to_string(b))) {
        if (failures++ == 0) first_failure = page.ok() ? "wrong actor" : page.status().message();
      }
    }
  });
  for (int b = 0; b < kBatches; ++b) {
    CommitBatch batch;
    batch.events.push_back(SyntheticEvent(static_cast<std::uint64_t>(b), kT0 + b * kMicrosPerSecond,
                                          "emp-" + std::to_string(b)));
    batch.events.back().record.department = "afdeling-" + std::to_string(b);
    const bool ok = store->Commit(batch).ok();
    EXPECT_TRUE(ok);
    committed.store(ok ? b + 1 : kBatches);  // a failure ends the reader too
    if (!ok) break;
  }
  reader.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
  EXPECT_GE(store->dictionary_size(), 2u * kBatches);
}

// Verify reads the chain, the dictionary rows and the entries at one snapshot, so a store that
// is being written verifies clean at any moment.
TEST_F(StoreTest, VerifyOfAStoreBeingWrittenReportsNoProblem) {
  auto store = Open();
  constexpr int kBatches = 300;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      CommitBatch batch;
      for (int e = 0; e < 20; ++e) {
        const auto n = static_cast<std::uint64_t>(b * 20 + e);
        batch.events.push_back(SyntheticEvent(n,
                                              kT0 + static_cast<TimeMicros>(n) * kMicrosPerSecond,
                                              "emp-" + std::to_string(b % 7)));
      }
      if (!store->Commit(batch).ok()) break;
    }
    done = true;
  });
  int verified = 0;
  std::string first_problem;
  while (!done.load()) {
    auto report = store->Verify();
    ASSERT_TRUE(report.ok()) << report.status().message();
    if (!report->ok && first_problem.empty()) first_problem = report->first_problem;
    ++verified;
  }
  writer.join();
  EXPECT_EQ(first_problem, "") << "after " << verified << " verifications";
  EXPECT_GT(verified, 1);
  auto last = store->Verify();
  ASSERT_OK(last);
  EXPECT_TRUE(last->ok) << last->first_problem;
  EXPECT_EQ(last->batches, static_cast<std::uint64_t>(kBatches));
}

}  // namespace
}  // namespace inzage
