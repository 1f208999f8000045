#include "common/time.h"

#include <gtest/gtest.h>

namespace inzage {
namespace {

TEST(TimeTest, ParsesUtcAndOffsets) {
  auto t = ParseRfc3339("2026-11-28T10:15:03.123Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-28T10:15:03.123Z");
  auto plus_one = ParseRfc3339("2026-11-28T11:15:03.123+01:00");
  ASSERT_TRUE(plus_one);
  EXPECT_EQ(*plus_one, *t);
  auto lower = ParseRfc3339("2026-11-28t10:15:03.123z");
  ASSERT_TRUE(lower);
  EXPECT_EQ(*lower, *t);
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00Z"), 0);
}

TEST(TimeTest, FractionsUpToNineDigitsTruncatedToMicros) {
  EXPECT_EQ(*ParseRfc3339("1970-01-01T00:00:00.123456789Z"), 123456);
  EXPECT_FALSE(ParseRfc3339("1970-01-01T00:00:00.1234567890Z"));
  EXPECT_FALSE(ParseRfc3339("1970-01-01T00:00:00.Z"));
}

TEST(TimeTest, RejectsMissingZoneAndImpossibleDates) {
  EXPECT_FALSE(ParseRfc3339("2026-11-28T10:15:03"));
  EXPECT_FALSE(ParseRfc3339("2026-02-29T10:15:03Z"));
  EXPECT_TRUE(ParseRfc3339("2028-02-29T10:15:03Z"));
  EXPECT_FALSE(ParseRfc3339("2026-04-31T10:15:03Z"));
  EXPECT_FALSE(ParseRfc3339("2026-13-01T10:15:03Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-28T24:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-28 10:15:03Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-28T10:15:03Z "));
  EXPECT_FALSE(ParseRfc3339("2026-11-28T10:15:03+0100"));
}

TEST(TimeTest, LeapSecondReadsAsLastMicrosecond) {
  EXPECT_EQ(*ParseRfc3339("2016-12-31T23:59:60Z"), *ParseRfc3339("2016-12-31T23:59:59.999999Z"));
}

TEST(TimeTest, Dates) {
  EXPECT_EQ(*ParseDate("1970-01-02"), 1);
  EXPECT_FALSE(ParseDate("2026-02-30"));
  EXPECT_FALSE(ParseDate("2026-2-03"));
}

TEST(TimeTest, IsoDurations) {
  auto d = ParseIsoDuration("P30D");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->fixed_micros, 30 * kMicrosPerDay);
  EXPECT_EQ(ParseIsoDuration("PT1H")->fixed_micros, 3600 * kMicrosPerSecond);
  EXPECT_EQ(ParseIsoDuration("PT5M")->fixed_micros, 300 * kMicrosPerSecond);
  EXPECT_EQ(ParseIsoDuration("P5Y")->years, 5);
  EXPECT_FALSE(ParseIsoDuration("P"));
  EXPECT_FALSE(ParseIsoDuration("PT"));
  EXPECT_FALSE(ParseIsoDuration("5D"));
  EXPECT_FALSE(ParseIsoDuration("P1H"));
  // Calendar years: 2024-02-29 + 1 year clamps to 2025-02-28.
  auto t = *ParseRfc3339("2024-02-29T12:00:00Z");
  EXPECT_EQ(FormatRfc3339(ParseIsoDuration("P1Y")->AddTo(t)), "2025-02-28T12:00:00Z");
}

}  // namespace
}  // namespace inzage
