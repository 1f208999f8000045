// HourlyStats: counts per hour of event time survive their row encoding, only changed hours are
// written, an hour that left memory continues from its stored row, and a damaged row is
// refused rather than misread.
#include "detect/hourly_stats.h"

#include <gtest/gtest.h>

#include <map>

namespace inzage {
namespace {

constexpr TimeMicros kHour = TimeMicros{3600} * kMicrosPerSecond;

Decision Verdicted(Verdict v, std::initializer_list<RuleId> rules = {}) {
  Decision d;
  d.verdict = v;
  for (RuleId r : rules) d.hits[d.hit_count++].rule = r;
  return d;
}

TEST(HourlyStatsTest, CountsPerHourByVerdictRuleAndDepartment) {
  HourlyStats stats;
  const TimeMicros t0 = 1000 * kHour + 5;
  stats.Observe(t0, Verdicted(Verdict::kAllow), "burgerzaken");
  stats.Observe(t0 + 10, Verdicted(Verdict::kViolation, {RuleId::kAuthRoleNotPermitted}),
                "sociaal-domein");
  stats.Observe(t0 + 20, Verdicted(Verdict::kReview, {RuleId::kAuthRoleNotPermitted}), "x");
  stats.Observe(t0 + kHour, Verdicted(Verdict::kViolation), "sociaal-domein");
  stats.ObserveInvalid(t0 + kHour);

  std::vector<std::pair<std::string, std::string>> rows;
  stats.TakeChanged(&rows);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].first, HourlyStats::KeyOf(1000));
  EXPECT_LT(rows[0].first, rows[1].first) << "keys sort by hour";
  HourCounts first;
  ASSERT_TRUE(HourCounts::Decode(rows[0].second, &first));
  EXPECT_EQ(first.allow, 1u);
  EXPECT_EQ(first.review, 1u);
  EXPECT_EQ(first.violation, 1u);
  EXPECT_EQ(first.invalid, 0u);
  EXPECT_EQ(first.rules[static_cast<size_t>(RuleId::kAuthRoleNotPermitted)], 2u);
  EXPECT_EQ(first.violations_by_department,
            (std::map<std::string, std::uint64_t, std::less<>>{{"sociaal-domein", 1}}));
  HourCounts second;
  ASSERT_TRUE(HourCounts::Decode(rows[1].second, &second));
  EXPECT_EQ(second.violation, 1u);
  EXPECT_EQ(second.invalid, 1u);

  rows.clear();
  stats.TakeChanged(&rows);
  EXPECT_TRUE(rows.empty()) << "nothing changed since the last take";
}

TEST(HourlyStatsTest, NegativeTimesFallInTheHourBefore) {
  EXPECT_EQ(HourlyStats::HourOf(-1), -1);
  EXPECT_EQ(HourlyStats::HourOf(0), 0);
  EXPECT_EQ(HourlyStats::HourOf(kHour - 1), 0);
  EXPECT_LT(HourlyStats::KeyOf(-1), HourlyStats::KeyOf(0));
}

TEST(HourlyStatsTest, AnEvictedHourContinuesFromItsStoredRow) {
  std::map<std::string, std::string> store;
  HourlyStats stats;
  stats.set_loader([&store](const std::string& key) -> std::optional<std::string> {
    auto it = store.find(key);
    if (it == store.end()) return std::nullopt;
    return it->second;
  });
  auto flush = [&] {
    std::vector<std::pair<std::string, std::string>> rows;
    stats.TakeChanged(&rows);
    for (auto& [k, v] : rows) store[k] = v;
  };
  stats.Observe(0, Verdicted(Verdict::kAllow), "");
  flush();
  // Push hour 0 out of memory with newer hours.
  for (size_t h = 1; h <= HourlyStats::kHoursKept + 5; ++h) {
    stats.Observe(static_cast<TimeMicros>(h) * kHour, Verdicted(Verdict::kAllow), "");
    flush();
  }
  stats.Observe(10, Verdicted(Verdict::kAllow), "");  // a late event of hour 0
  flush();
  HourCounts hour0;
  ASSERT_TRUE(HourCounts::Decode(store.at(HourlyStats::KeyOf(0)), &hour0));
  EXPECT_EQ(hour0.allow, 2u) << "the late event adds to the stored count, not to zero";
}

TEST(HourlyStatsTest, RestoreReadsItsOwnRowsOnly) {
  HourCounts counts;
  counts.allow = 7;
  counts.violations_by_department["wijkteam"] = 3;
  HourlyStats stats;
  EXPECT_TRUE(stats.Restore(HourlyStats::KeyOf(42), counts.Encode()));
  EXPECT_FALSE(stats.Restore("actor/x", counts.Encode()));
  stats.Observe(42 * kHour, Verdicted(Verdict::kAllow), "");
  std::vector<std::pair<std::string, std::string>> rows;
  stats.TakeChanged(&rows);
  ASSERT_EQ(rows.size(), 1u);
  HourCounts back;
  ASSERT_TRUE(HourCounts::Decode(rows[0].second, &back));
  EXPECT_EQ(back.allow, 8u);
  EXPECT_EQ(back.violations_by_department.at("wijkteam"), 3u);
}

TEST(HourlyStatsTest, DamagedRowsAreRefused) {
  HourCounts counts;
  counts.rules[0] = 5;
  counts.violations_by_department["a"] = 1;
  const std::string row = counts.Encode();
  HourCounts out;
  EXPECT_FALSE(HourCounts::Decode("", &out));
  EXPECT_FALSE(HourCounts::Decode(std::string(1, '\x02') + row.substr(1), &out)) << "version";
  EXPECT_FALSE(HourCounts::Decode(row.substr(0, row.size() - 1), &out)) << "truncated";
  EXPECT_FALSE(HourCounts::Decode(row + "x", &out)) << "trailing bytes";
  std::string bad_rule = row;
  bad_rule[6] = static_cast<char>(kRuleCount);  // version, 4 counts, n, then the rule id
  EXPECT_FALSE(HourCounts::Decode(bad_rule, &out));
}

}  // namespace
}  // namespace inzage
