// Log levels: names, and which lines pass the configured threshold.
#include "common/log.h"

#include <gtest/gtest.h>

namespace inzage {
namespace {

TEST(LogLevel, ParsesTheConfiguredNames) {
  EXPECT_EQ(ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(ParseLogLevel("error"), LogLevel::kError);
  EXPECT_FALSE(ParseLogLevel("verbose").has_value());
}

TEST(LogLevel, ThresholdDropsLessSevereLines) {
  SetLogLevel(LogLevel::kWarn);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kWarn));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  SetLogLevel(LogLevel::kInfo);
  EXPECT_TRUE(LogEnabled(LogLevel::kInfo));
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
}

// A problem that repeats while it lasts is logged at once, then at most once per interval with
// the number of lines left out in between.
TEST(ThrottledLog, WritesTheFirstLineThenOnePerIntervalWithTheCountLeftOut) {
  SetLogLevel(LogLevel::kInfo);
  ThrottledLog log(std::chrono::seconds(60));
  const ThrottledLog::Clock::time_point t0{std::chrono::hours(1)};
  testing::internal::CaptureStderr();
  EXPECT_TRUE(log.Log("level=warn component=test msg=\"down\"", t0));
  EXPECT_FALSE(log.Log("level=warn component=test msg=\"down\"", t0 + std::chrono::seconds(1)));
  EXPECT_FALSE(log.Log("level=warn component=test msg=\"down\"", t0 + std::chrono::seconds(59)));
  EXPECT_TRUE(log.Log("level=warn component=test msg=\"down\"", t0 + std::chrono::seconds(60)));
  EXPECT_TRUE(log.Log("level=warn component=test msg=\"down\"", t0 + std::chrono::seconds(200)));
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "level=warn component=test msg=\"down\"\n"
            "level=warn component=test msg=\"down\" not_logged=2\n"
            "level=warn component=test msg=\"down\"\n");
}

}  // namespace
}  // namespace inzage
