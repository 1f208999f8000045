// The store's alert index and counts (store/alert_index.h): kept by Commit with the alert rows
// across status, severity and deadline changes, replayed batches and restarts; the list's order,
// filters, cursor and budget; the deadline count; the rebuild for stores that predate the index.
#include "store/alert_index.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <map>
#include <string>
#include <vector>

#include "store/schema.h"
#include "store/store.h"
#include "store_test_util.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using testing::TempDir;
constexpr TimeMicros kHour = alert_index::kHour;
const TimeMicros kBase = TimeMicros{1'790'000'000} * 1'000'000;  // on an hour

AlertRow Row(const std::string& id, std::uint8_t status, std::uint8_t severity, TimeMicros deadline,
             std::uint8_t rule = 1, const std::string& municipality = "m1",
             const std::string& department = "d1", bool aggregating = false) {
  AlertRow r;
  r.id = id;
  r.value = "record of " + id;
  r.index.status = status;
  r.index.severity = severity;
  r.index.rule = rule;
  r.index.deadline = deadline;
  r.index.aggregating = aggregating;
  r.index.municipality = municipality;
  r.index.department = department;
  return r;
}

class AlertIndexTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open(bool read_only = false) {
    StoreOptions o;
    o.key_id = "key-a";
    o.read_only = read_only;
    auto s = Store::Open(dir_.sub("store"), o);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  static void Commit(Store& store, std::vector<AlertRow> rows) {
    CommitBatch batch;
    batch.alerts = std::move(rows);
    ASSERT_OK(store.Commit(batch));
  }
  // Every alert by walking the whole list, in order.
  static std::vector<std::string> All(const Store& store, const AlertListFilter& filter = {},
                                      size_t limit = 1000) {
    std::vector<std::string> out;
    std::optional<AlertListPosition> after;
    for (int pages = 0; pages < 1000; ++pages) {
      auto page = store.ListAlerts(filter, limit, after, 100000);
      EXPECT_OK(page);
      out.insert(out.end(), page->ids.begin(), page->ids.end());
      if (!page->next) break;
      after = page->next;
    }
    return out;
  }
  // The number of index entries of each kind, read raw.
  static std::map<char, size_t> Entries(const Store& store) {
    std::map<char, size_t> n;
    std::unique_ptr<rocksdb::Iterator> it(
        store.raw_db()->NewIterator(rocksdb::ReadOptions(), store.column_family("alert_index")));
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n[it->key()[0]];
    return n;
  }
  using Counts = std::map<std::pair<std::uint8_t, std::uint8_t>, std::uint64_t>;

  TempDir dir_;
};

TEST_F(AlertIndexTest, CountsAndIndexFollowChangesReplaysAndRestarts) {
  auto store = Open();
  ASSERT_TRUE(store->alert_index_complete()) << "a new store starts complete";
  Commit(*store, {Row("a", 0, 2, kBase), Row("b", 0, 3, kBase + kHour, 1, "m1", "d1", true),
                  Row("c", 1, 2, kBase + 2 * kHour)});
  EXPECT_EQ(store->AlertCounts(), (Counts{{{0, 2}, 1}, {{0, 3}, 1}, {{1, 2}, 1}}));
  // A status change, a severity change and an earlier deadline (first_seen moved back).
  Commit(*store, {Row("a", 1, 2, kBase), Row("b", 0, 4, kBase - 5 * kHour, 1, "m1", "d1", true),
                  Row("c", 1, 2, kBase + 2 * kHour)});
  const Counts expected{{{1, 2}, 2}, {{0, 4}, 1}};
  EXPECT_EQ(store->AlertCounts(), expected);
  EXPECT_EQ(All(*store), (std::vector<std::string>{"b", "a", "c"}));
  // The same batch again (a replay after a crash): nothing moves, nothing counts twice.
  Commit(*store, {Row("a", 1, 2, kBase), Row("b", 0, 4, kBase - 5 * kHour, 1, "m1", "d1", true)});
  EXPECT_EQ(store->AlertCounts(), expected);
  // One alert twice in one batch: the second moves from where the first put it.
  Commit(*store, {Row("c", 2, 2, kBase + 2 * kHour), Row("c", 5, 2, kBase + 2 * kHour)});
  const Counts after{{{1, 2}, 1}, {{0, 4}, 1}, {{5, 2}, 1}};
  EXPECT_EQ(store->AlertCounts(), after);
  auto entries = Entries(*store);
  EXPECT_EQ(entries['i'], 3u) << "one entry per alert, the old places deleted";
  EXPECT_EQ(entries['r'], 3u);
  EXPECT_EQ(entries['a'], 1u) << "b still aggregates";
  EXPECT_EQ(*store->AggregatingAlertIds(), std::vector<std::string>{"b"});
  Commit(*store, {Row("b", 0, 4, kBase - 5 * kHour, 1, "m1", "d1", false)});
  EXPECT_TRUE(store->AggregatingAlertIds()->empty());

  store.reset();
  store = Open();
  EXPECT_EQ(store->AlertCounts(), after) << "the counts are loaded from the store";
  EXPECT_EQ(All(*store), (std::vector<std::string>{"b", "a", "c"}));
  store.reset();
  store = Open(/*read_only=*/true);
  EXPECT_EQ(store->AlertCounts(), after);
}

TEST_F(AlertIndexTest, ListOrderFiltersCursorAndBudget) {
  auto store = Open();
  std::vector<AlertRow> rows;
  // 60 alerts: deadlines an hour apart in threes of one deadline with three severities.
  for (int i = 0; i < 60; ++i) {
    rows.push_back(Row(fmt::format("id-{:02}", i), static_cast<std::uint8_t>(i % 2),
                       static_cast<std::uint8_t>(1 + i % 3), kBase + (i / 3) * kHour,
                       static_cast<std::uint8_t>(i % 5), i % 4 == 0 ? "m2" : "m1",
                       i % 7 == 0 ? "" : "d1"));
  }
  Commit(*store, rows);
  // The expected order, computed independently.
  std::vector<AlertRow> sorted = rows;
  std::sort(sorted.begin(), sorted.end(), [](const AlertRow& a, const AlertRow& b) {
    if (a.index.deadline != b.index.deadline) return a.index.deadline < b.index.deadline;
    if (a.index.severity != b.index.severity) return a.index.severity > b.index.severity;
    return a.id < b.id;
  });
  const auto expect = [&](const AlertListFilter& f, auto&& keep) {
    std::vector<std::string> want;
    for (const AlertRow& r : sorted) {
      if (keep(r.index)) want.push_back(r.id);
    }
    for (size_t limit : {1, 7, 1000}) {
      EXPECT_EQ(All(*store, f, limit), want) << "limit " << limit;
    }
  };
  expect({}, [](const AlertIndexFields&) { return true; });
  AlertListFilter by_status;
  by_status.status = 1;
  expect(by_status, [](const AlertIndexFields& f) { return f.status == 1; });
  AlertListFilter by_severity;
  by_severity.severity = 3;
  expect(by_severity, [](const AlertIndexFields& f) { return f.severity == 3; });
  AlertListFilter mixed;
  mixed.status = 0;
  mixed.municipality = "m2";
  mixed.rule = 0;
  expect(mixed, [](const AlertIndexFields& f) {
    return f.status == 0 && f.municipality == "m2" && f.rule == 0;
  });
  AlertListFilter no_department;
  no_department.department = "";
  expect(no_department, [](const AlertIndexFields& f) { return f.department.empty(); });

  // A budget smaller than the walk to a full page: what was found, and where to go on.
  AlertListFilter rare;
  rare.department = "";
  auto page = store->ListAlerts(rare, 100, std::nullopt, 10);
  ASSERT_OK(page);
  EXPECT_TRUE(page->budget_exhausted);
  EXPECT_EQ(page->scanned, 10u);
  ASSERT_TRUE(page->next.has_value());
  EXPECT_EQ(page->next->id, sorted[9].id) << "continues after the last entry looked at";
  std::vector<std::string> found = page->ids;
  while (page->next) {
    page = store->ListAlerts(rare, 100, page->next, 10);
    ASSERT_OK(page);
    found.insert(found.end(), page->ids.begin(), page->ids.end());
  }
  EXPECT_EQ(found, All(*store, rare));
}

TEST_F(AlertIndexTest, DeadlineCountReadsOnlyTheBoundaryHour) {
  auto store = Open();
  Commit(*store, {Row("a", 0, 2, kBase - 30 * kHour), Row("b", 1, 3, kBase + 10),
                  Row("c", 0, 2, kBase + 20 * 60 * 1'000'000), Row("d", 0, 2, kBase + 3 * kHour),
                  Row("e", 4, 2, kBase - kHour)});  // reported: not counted below
  const std::vector<std::uint8_t> unresolved = {0, 1, 3};
  EXPECT_EQ(*store->CountAlertsDeadlineBefore(unresolved, kBase), 1u);
  EXPECT_EQ(*store->CountAlertsDeadlineBefore(unresolved, kBase + 11), 2u);
  EXPECT_EQ(*store->CountAlertsDeadlineBefore(unresolved, kBase + 30 * 60 * 1'000'000), 3u);
  EXPECT_EQ(*store->CountAlertsDeadlineBefore(unresolved, kBase + 10 * kHour), 4u);
  EXPECT_EQ(*store->CountAlertsDeadlineBefore({4}, kBase + 10 * kHour), 1u);
}

// A store whose alerts were written before the index: incomplete until rebuilt from the rows.
TEST_F(AlertIndexTest, RebuildFromAlertRowsOfAnOlderStore) {
  {
    auto store = Open();
    auto* db = store->raw_db();
    for (const char* id : {"x1", "x2", "x3"}) {
      ASSERT_OK(db->Put(rocksdb::WriteOptions(), store->column_family("alerts"), id, id));
    }
    ASSERT_OK(db->Delete(rocksdb::WriteOptions(), store->column_family("meta"),
                         std::string(alert_index::kCompleteMetaKey)));
  }
  auto store = Open();
  EXPECT_FALSE(store->alert_index_complete());
  ASSERT_OK(store->RebuildAlertIndex(
      [](std::string_view id, std::string_view) -> std::optional<AlertIndexFields> {
        if (id == "x3") return std::nullopt;  // unreadable: left out
        AlertIndexFields f;
        f.status = 0;
        f.severity = id == "x1" ? 2 : 3;
        f.deadline = kBase;
        f.aggregating = id == "x2";
        return f;
      }));
  EXPECT_TRUE(store->alert_index_complete());
  EXPECT_EQ(store->AlertCounts(), (Counts{{{0, 2}, 1}, {{0, 3}, 1}}));
  EXPECT_EQ(All(*store), (std::vector<std::string>{"x2", "x1"}));
  EXPECT_EQ(*store->AggregatingAlertIds(), std::vector<std::string>{"x2"});
  store.reset();
  store = Open();
  EXPECT_TRUE(store->alert_index_complete());
  EXPECT_EQ(store->AlertCounts(), (Counts{{{0, 2}, 1}, {{0, 3}, 1}}));
}

// The tools open stores read-only; one of schema 2 has no alert_index column family, which a
// read-only RocksDB cannot create.
TEST_F(AlertIndexTest, ReadOnlyOpenOfAStoreWithoutTheIndexColumnFamily) {
  {
    rocksdb::DBOptions o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    for (const char* name : kColumnFamilies) {
      if (std::string_view(name) != "alert_index")
        cfs.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    ASSERT_OK(rocksdb::DB::Open(o, dir_.sub("store"), cfs, &handles, &raw));
    rocksdb::ColumnFamilyHandle* meta = handles.back();
    ASSERT_OK(raw->Put(rocksdb::WriteOptions(), meta, "schema_version", "2"));
    ASSERT_OK(raw->Put(rocksdb::WriteOptions(), meta, "key_id", "key-a"));
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  auto store = Open(/*read_only=*/true);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->AlertCounts().empty());
  EXPECT_TRUE(All(*store).empty());
  store.reset();
  store = Open();  // writable: the column family is created, the schema upgraded
  ASSERT_NE(store, nullptr);
  EXPECT_NE(store->column_family("alert_index"), nullptr);
}

}  // namespace
}  // namespace inzage
