// input.invalid_rate: more than 1 % or more than 100 invalid messages within 5 minutes.
#include "detect/invalid_rate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "detect_test_util.h"
#include "support/status_matchers.h"

namespace inzage {
namespace {

using testing_util::kMinute;
using testing_util::T;

const TimeMicros kStart = T("2026-11-24T10:00:00Z");

TEST(InvalidRateTest, MoreThanAHundredInvalidMessagesFireNotAHundred) {
  InvalidRate rate{Thresholds{}};
  // 20,000 valid messages keep the share under 1 % (100 of 20,100 is 0.5 %).
  for (int i = 0; i < 20000; ++i) ASSERT_FALSE(rate.Observe(kStart + i, false));
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(rate.Observe(kStart + 20000 + i, true)) << i;
  EXPECT_TRUE(rate.Observe(kStart + 30000, true));
  EXPECT_EQ(rate.invalid(), 101u);
  // Once per crossing: the next invalid message does not fire again.
  EXPECT_FALSE(rate.Observe(kStart + 30001, true));
}

TEST(InvalidRateTest, MoreThanOnePercentFiresExactlyOnePercentDoesNot) {
  InvalidRate rate{Thresholds{}};
  for (int i = 0; i < 990; ++i) ASSERT_FALSE(rate.Observe(kStart + i, false));
  for (int i = 0; i < 10; ++i) ASSERT_FALSE(rate.Observe(kStart + 1000 + i, true));
  EXPECT_EQ(rate.messages(), 1000u);               // 10 of 1,000 = 1 %: not more than 1 %
  EXPECT_TRUE(rate.Observe(kStart + 2000, true));  // 11 of 1,001
  EXPECT_THAT(ExplainInvalidRate(rate, Thresholds{}),
              ::testing::HasSubstr("11 of 1001 messages within 300 s were not valid"));
}

TEST(InvalidRateTest, AFewMessagesAreNotARate) {
  InvalidRate rate{Thresholds{}};
  EXPECT_FALSE(rate.Observe(kStart, true));  // 1 of 1 is 100 %, but of too few messages
  EXPECT_FALSE(rate.Observe(kStart + 1, true));
  for (int i = 2; i < 99; ++i) EXPECT_FALSE(rate.Observe(kStart + i, false));
  EXPECT_EQ(rate.messages(), 99u);
  // From a hundred messages on the share counts: 2 of 100 is more than 1 %.
  EXPECT_TRUE(rate.Observe(kStart + 100, false));
}

// Many valid messages, so that only the count criterion can fire.
void Valid(InvalidRate* rate, TimeMicros t) {
  for (int i = 0; i < 20000; ++i) ASSERT_FALSE(rate->Observe(t, false));
}

TEST(InvalidRateTest, TheWindowSlidesAndTheRuleReArms) {
  InvalidRate rate{Thresholds{}};
  Valid(&rate, kStart);
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(rate.Observe(kStart + i * kMicrosPerSecond, true));
  EXPECT_TRUE(rate.Observe(kStart + 100 * kMicrosPerSecond, true));
  EXPECT_TRUE(rate.firing());
  // Ten minutes later the burst has left the window: quiet, and a new burst fires again.
  EXPECT_FALSE(rate.Observe(kStart + 10 * kMinute, false));
  EXPECT_FALSE(rate.firing());
  EXPECT_EQ(rate.invalid(), 0u);
  EXPECT_EQ(rate.messages(), 1u);
  Valid(&rate, kStart + 10 * kMinute);
  for (int i = 0; i < 100; ++i) {
    ASSERT_FALSE(rate.Observe(kStart + 10 * kMinute + i * kMicrosPerSecond, true));
  }
  EXPECT_TRUE(rate.Observe(kStart + 10 * kMinute + 100 * kMicrosPerSecond, true));
}

TEST(InvalidRateTest, OldMessagesLeaveTheWindowOneSecondBucketAtATime) {
  InvalidRate rate{Thresholds{}};
  Valid(&rate, kStart);
  for (int i = 0; i < 100; ++i) rate.Observe(kStart, true);
  // 299 seconds later they are still in the 5-minute window; the 101st fires.
  EXPECT_TRUE(rate.Observe(kStart + 299 * kMicrosPerSecond, true));
  InvalidRate later{Thresholds{}};
  Valid(&later, kStart);
  for (int i = 0; i < 100; ++i) later.Observe(kStart, true);
  // 300 seconds later they have left it.
  EXPECT_FALSE(later.Observe(kStart + 300 * kMicrosPerSecond, true));
  EXPECT_EQ(later.invalid(), 1u);
  EXPECT_EQ(later.messages(), 1u);
}

}  // namespace
}  // namespace inzage

namespace inzage {
namespace {

// The window survives a restart: serialised, restored, and the next message sees the same
// counts as without the restart; malformed records are refused.
TEST(InvalidRatePersistenceTest, RestoredWindowContinuesWhereItStopped) {
  Thresholds th;
  th.invalid_rate_window = 300 * kMicrosPerSecond;
  th.invalid_rate_percent = 1;
  th.invalid_rate_count = 100;
  InvalidRate uninterrupted(th);
  InvalidRate first(th);
  const TimeMicros t0 = 1'800'000'000LL * kMicrosPerSecond;
  for (int i = 0; i < 500; ++i) {
    const bool invalid = i % 50 == 0;
    uninterrupted.Observe(t0 + i * kMicrosPerSecond / 2, invalid);
    first.Observe(t0 + i * kMicrosPerSecond / 2, invalid);
  }
  std::string record;
  first.SerializeTo(&record);
  InvalidRate restored(th);
  ASSERT_OK(restored.Restore(record));
  EXPECT_EQ(restored.messages(), first.messages());
  EXPECT_EQ(restored.invalid(), first.invalid());
  EXPECT_EQ(restored.firing(), first.firing());
  for (int i = 500; i < 900; ++i) {
    const bool invalid = i % 7 == 0;
    EXPECT_EQ(restored.Observe(t0 + i * kMicrosPerSecond / 2, invalid),
              uninterrupted.Observe(t0 + i * kMicrosPerSecond / 2, invalid))
        << "message " << i;
  }
  EXPECT_EQ(restored.messages(), uninterrupted.messages());
  EXPECT_EQ(restored.invalid(), uninterrupted.invalid());
  InvalidRate bad(th);
  EXPECT_FALSE(bad.Restore("").ok());
  EXPECT_FALSE(bad.Restore(record.substr(0, record.size() - 1)).ok());
  EXPECT_FALSE(bad.Restore(record + "x").ok());
}

}  // namespace
}  // namespace inzage
