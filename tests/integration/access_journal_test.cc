// AccessJournal: a row holds the whole access (the record as decided, every subject), survives a
// reopen, and goes when deleted.
#include "store/access_journal.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/keys.h"
#include "store_test_util.h"
#include "support/status_matchers.h"
#include "support/temp_dir.h"

namespace inzage {
namespace {

using testing::TempDir;

StoredEvent ReadOfHistory(const std::string& id, int subjects) {
  StoredEvent e =
      testing::SyntheticEvent(7, 1'764'000'000'000'000, "citizen-ab12", "inzage-verzoek", subjects);
  e.record.event_id = id;
  e.record.verdict = Verdict::kReview;
  e.record.rules = {RuleId::kPurposeMissing};
  e.record.department = "burgerzaken";
  e.record.case_id = "zaak-1";
  return e;
}

TEST(AccessJournalTest, ARowHoldsTheWholeAccessAndOutlivesAReopen) {
  TempDir dir;
  std::vector<std::string> keys;
  {
    auto journal = AccessJournal::Open(dir.sub("journal"), /*sync=*/true);
    ASSERT_OK(journal);
    for (int i = 0; i < 3; ++i) {
      auto key = (*journal)->Put(ReadOfHistory("api-read-" + std::to_string(i), i));
      ASSERT_OK(key);
      keys.push_back(*key);
    }
    EXPECT_EQ((*journal)->rows(), 3U);
  }
  auto journal = AccessJournal::Open(dir.sub("journal"), /*sync=*/false);
  ASSERT_OK(journal);
  EXPECT_EQ((*journal)->rows(), 3U) << "rows are counted at open";
  std::vector<StoredEvent> read;
  ASSERT_OK((*journal)->ForEach(
      [&read](const std::string& /*key*/, StoredEvent e) { read.push_back(std::move(e)); }));
  ASSERT_EQ(read.size(), 3U);
  for (int i = 0; i < 3; ++i) {
    const StoredEvent want = ReadOfHistory("api-read-" + std::to_string(i), i);
    const StoredEvent& got = read[static_cast<size_t>(i)];
    EXPECT_EQ(got.record.event_id, want.record.event_id);
    EXPECT_EQ(got.record.time, want.record.time);
    EXPECT_EQ(got.record.actor, want.record.actor);
    EXPECT_EQ(got.record.activity, want.record.activity);
    EXPECT_EQ(got.record.department, want.record.department);
    EXPECT_EQ(got.record.case_id, want.record.case_id);
    EXPECT_EQ(got.record.verdict, want.record.verdict);
    EXPECT_EQ(got.record.rules, want.record.rules);
    EXPECT_EQ(got.subjects, want.subjects);
  }
  ASSERT_OK((*journal)->Delete({keys[0], keys[2]}));
  EXPECT_EQ((*journal)->rows(), 1U);
  size_t left = 0;
  ASSERT_OK((*journal)->ForEach([&left](const std::string&, StoredEvent e) {
    ++left;
    EXPECT_EQ(e.record.event_id, "api-read-1");
  }));
  EXPECT_EQ(left, 1U);
}

TEST(AccessJournalTest, AMalformedRowIsCorruptionNotACrash) {
  StoredEvent out;
  const std::string key = keys::ActorKey("citizen-ab12", 1'764'000'000'000'000, "api-read-1");
  EXPECT_EQ(AccessJournal::Decode(key, "", &out).code(), Status::Code::kCorruption);
  EXPECT_EQ(AccessJournal::Decode(key, std::string("\xff\xff\xff\x7f", 4), &out).code(),
            Status::Code::kCorruption);
  EXPECT_FALSE(AccessJournal::Decode("", AccessJournal::Encode(ReadOfHistory("x", 1)), &out).ok());
}

}  // namespace
}  // namespace inzage
