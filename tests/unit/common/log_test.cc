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
  auto down = [&](std::chrono::seconds after) {
    return log.Log(LogLevel::kWarn, "test", "down", {}, t0 + after);
  };
  testing::internal::CaptureStderr();
  EXPECT_TRUE(down(std::chrono::seconds(0)));
  EXPECT_FALSE(down(std::chrono::seconds(1)));
  EXPECT_FALSE(down(std::chrono::seconds(59)));
  EXPECT_TRUE(down(std::chrono::seconds(60)));
  EXPECT_TRUE(down(std::chrono::seconds(200)));
  EXPECT_EQ(testing::internal::GetCapturedStderr(),
            "level=warn component=test msg=\"down\"\n"
            "level=warn component=test msg=\"down\" not_logged=2\n"
            "level=warn component=test msg=\"down\"\n");
}

// Values that could break a line or forge a field are quoted and escaped; plain values are not.
TEST(Log, EscapesWhatCouldBreakTheLine) {
  EXPECT_EQ(FormatLogLine(LogLevel::kWarn, "reference", "record ignored",
                          {{"partition", 3}, {"offset", 17LL}, {"ok", true}, {"ratio", 0.25}}),
            "level=warn component=reference msg=\"record ignored\" partition=3 offset=17 "
            "ok=true ratio=0.25");
  EXPECT_EQ(FormatLogLine(LogLevel::kError, "api", "say \"hi\"\nlevel=debug",
                          {{"error", "a b"}, {"path", "x=y"}, {"empty", ""}, {"back", "c:\\d"}}),
            "level=error component=api msg=\"say \\\"hi\\\"\\nlevel=debug\" error=\"a b\" "
            "path=\"x=y\" empty=\"\" back=\"c:\\\\d\"");
  EXPECT_EQ(FormatLogLine(LogLevel::kInfo, "x", "bell\x07", {}),
            "level=info component=x msg=\"bell\\x07\"");
}

TEST(Log, DropsLinesBelowTheLevelBeforeFormatting) {
  SetLogLevel(LogLevel::kWarn);
  testing::internal::CaptureStderr();
  Log(LogLevel::kInfo, "test", "hidden");
  Log(LogLevel::kError, "test", "shown");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "level=error component=test msg=\"shown\"\n");
  SetLogLevel(LogLevel::kInfo);
}

}  // namespace
}  // namespace inzage
