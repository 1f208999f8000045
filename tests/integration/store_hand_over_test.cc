// `inzage hand-over` (app/store_commands.cc, Store::ReadEvents): a retired instance's history
// goes into another store on real RocksDB stores. Every event arrives with its record and all
// its subjects (also one with more than the actor history lists, and one without subjects);
// events the other store holds already are not stored twice, and a second run stores nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "app/commands.h"
#include "common/pseudonym.h"
#include "common/secret_file.h"
#include "store_test_util.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using testing::SyntheticEvent;
using testing::SyntheticSubject;
using testing::TempDir;

std::unique_ptr<Store> OpenStore(const std::string& path, const std::string& key_id) {
  StoreOptions options;
  options.key_id = key_id;
  auto store = Store::Open(path, options);
  EXPECT_TRUE(store.ok()) << store.status().message();
  return std::move(store).value();
}

std::uint64_t Events(const std::string& path, const std::string& key_id) {
  auto report = OpenStore(path, key_id)->Verify();
  EXPECT_OK(report);
  EXPECT_TRUE(report.ok() && report->ok) << (report.ok() ? report->first_problem : "");
  return report.ok() ? report->events : 0;
}

TEST(StoreHandOverTest, EveryEventArrivesOnceWithAllItsSubjects) {
  TempDir dir;
  const std::string key_file = dir.path() + "/key";
  ASSERT_OK(WriteRandomHexSecretFile(key_file, 32));
  auto key = Pseudonymizer::FromKeyFile(key_file);
  ASSERT_OK(key);
  const std::string retired = dir.path() + "/retired", kept = dir.path() + "/kept";
  const TimeMicros t0 = WallNow() - 3 * kMicrosPerDay;
  {
    auto store = OpenStore(retired, key->key_id());
    // 600 events of 3 actors over 3 days, in batches, so actor groups span days and commits.
    for (int batch = 0; batch < 6; ++batch) {
      CommitBatch b;
      for (int i = 0; i < 100; ++i) {
        const int n = batch * 100 + i;
        b.events.push_back(SyntheticEvent(n, t0 + n * 400 * kMicrosPerSecond,
                                          "emp-" + std::to_string(n % 3), "wmo-maatwerkvoorziening",
                                          1 + n % 3));
      }
      ASSERT_OK(store->Commit(b));
    }
    CommitBatch b;
    b.events.push_back(SyntheticEvent(1000, t0 + 5, "emp-bulk", "wmo-maatwerkvoorziening", 150));
    b.events.push_back(SyntheticEvent(1001, t0 + 6, "emp-search", "wmo-maatwerkvoorziening", 0));
    ASSERT_OK(store->Commit(b));
  }
  {
    // The receiving store holds 50 of those already (a partition that changed owner after a
    // crash) and 10 of its own.
    auto store = OpenStore(kept, key->key_id());
    CommitBatch b;
    for (int n = 100; n < 150; ++n) {
      b.events.push_back(SyntheticEvent(n, t0 + n * 400 * kMicrosPerSecond,
                                        "emp-" + std::to_string(n % 3), "wmo-maatwerkvoorziening",
                                        1 + n % 3));
    }
    for (int n = 5000; n < 5010; ++n) {
      b.events.push_back(SyntheticEvent(n, t0 + n, "emp-9", "wmo-maatwerkvoorziening", 1));
    }
    ASSERT_OK(store->Commit(b));
  }
  const app::HandOverOptions options{retired, kept, key_file};
  ASSERT_EQ(app::HandOver(options), 0);
  EXPECT_EQ(Events(kept, key->key_id()), 602U + 10U);
  ASSERT_EQ(app::HandOver(options), 0);  // idempotent
  EXPECT_EQ(Events(kept, key->key_id()), 602U + 10U);
  EXPECT_EQ(Events(retired, key->key_id()), 602U);

  auto store = OpenStore(kept, key->key_id());
  // The bulk event with all 150 subjects: the last one's own history has it, with the record.
  auto last = store->QuerySubject(SyntheticSubject(1000 * 7 + 149), t0, t0 + 10, 10, "");
  ASSERT_OK(last);
  ASSERT_EQ(last->entries.size(), 1U);
  EXPECT_EQ(last->entries[0].record.event_id, "ev-1000");
  EXPECT_EQ(last->entries[0].record.role, "wmo-consulent");
  EXPECT_EQ(last->entries[0].record.case_id, "zaak-0");
  EXPECT_EQ(last->entries[0].record.subject_count, 150U);
  // The event without subjects, in its actor's history.
  auto search = store->QueryActor("emp-search", t0, t0 + 10, 10, "");
  ASSERT_OK(search);
  ASSERT_EQ(search->entries.size(), 1U);
  EXPECT_EQ(search->entries[0].record.department, "sociaal-domein");
  // An ordinary event: the same record and subjects in both stores.
  auto original =
      OpenStore(retired, key->key_id())->QueryActor("emp-1", t0, t0 + kMicrosPerDay, 1000, "");
  auto copied = store->QueryActor("emp-1", t0, t0 + kMicrosPerDay, 1000, "");
  ASSERT_OK(original);
  ASSERT_OK(copied);
  ASSERT_EQ(original->entries.size(), copied->entries.size());
  for (size_t i = 0; i < original->entries.size(); ++i) {
    const HistoryRecord& a = original->entries[i].record;
    const HistoryRecord& b = copied->entries[i].record;
    EXPECT_EQ(a.event_id, b.event_id);
    EXPECT_EQ(a.time, b.time);
    EXPECT_EQ(a.case_id, b.case_id);
    EXPECT_EQ(a.subjects, b.subjects);
    EXPECT_EQ(a.subject_count, b.subject_count);
  }
}

TEST(StoreHandOverTest, RefusesTheSameStoreAStoreInUseAndAnotherKey) {
  TempDir dir;
  const std::string key_file = dir.path() + "/key", other_key = dir.path() + "/other";
  ASSERT_OK(WriteRandomHexSecretFile(key_file, 32));
  ASSERT_OK(WriteRandomHexSecretFile(other_key, 32));
  auto key = Pseudonymizer::FromKeyFile(key_file);
  ASSERT_OK(key);
  const std::string a = dir.path() + "/a", b = dir.path() + "/b";
  OpenStore(a, key->key_id());
  OpenStore(b, key->key_id());
  EXPECT_EQ(app::HandOver({a, a, key_file}), 1);
  {
    // The retired daemon still running (its store open): refused, nothing copied.
    auto running = OpenStore(a, key->key_id());
    EXPECT_EQ(app::HandOver({a, b, key_file}), 1);
  }
  // Pseudonyms under another key name other citizens: refused before anything is written.
  EXPECT_EQ(app::HandOver({a, b, other_key}), 1);
}

}  // namespace
}  // namespace inzage
