// The text of a citizen's report: counted in characters, not bytes, and stored without a BSN or
// phone number (runs of 8 or more digits) or control characters.
#include "api/report_text.h"

#include <gtest/gtest.h>

#include <string>

namespace inzage::api {
namespace {

TEST(ReportTextTest, RunsOfEightOrMoreDigitsAreRedacted) {
  EXPECT_EQ(RedactReportText("mijn BSN is 999993653."), "mijn BSN is [\u2026].");
  EXPECT_EQ(RedactReportText("bel 0612345678 of 12345678"), "bel [\u2026] of [\u2026]");
  EXPECT_EQ(RedactReportText("99999365399999365"), "[\u2026]") << "one run, one mark";
  EXPECT_EQ(RedactReportText("1234567"), "1234567") << "seven digits stay";
  EXPECT_EQ(RedactReportText("op 12-05-2024 om 09:30, huisnummer 12a, 1234 AB"),
            "op 12-05-2024 om 09:30, huisnummer 12a, 1234 AB");
  EXPECT_EQ(RedactReportText("BSN999993653einde"), "BSN[\u2026]einde");
  EXPECT_EQ(RedactReportText("999 99 3653"), "999 99 3653") << "only unbroken runs";
  EXPECT_EQ(RedactReportText(""), "");
}

TEST(ReportTextTest, ControlCharactersBecomeSpacesButLinesStay) {
  EXPECT_EQ(RedactReportText("a\nb\tc"), "a\nb\tc");
  EXPECT_EQ(RedactReportText(std::string("a\rb\x1b[31mc\x7f", 10)), "a b [31mc ");
  EXPECT_EQ(RedactReportText(std::string("a\0b", 3)), "a b");
  EXPECT_EQ(RedactReportText("één ☺ 12345678"), "één ☺ [\u2026]") << "UTF-8 is kept";
}

TEST(ReportTextTest, LengthIsInCharacters) {
  EXPECT_EQ(Utf8Chars(""), 0u);
  EXPECT_EQ(Utf8Chars("abc"), 3u);
  EXPECT_EQ(Utf8Chars("één"), 3u);
  EXPECT_EQ(Utf8Chars("☺"), 1u);
  EXPECT_EQ(Utf8Chars("\xF0\x9F\x98\x80"), 1u);  // outside the BMP: one code point
  std::string thousand;
  for (int i = 0; i < 1000; ++i) thousand += "é";
  EXPECT_EQ(thousand.size(), 2000u);
  EXPECT_EQ(Utf8Chars(thousand), kMaxReportChars);
}

}  // namespace
}  // namespace inzage::api
