#include "event/bsn.h"

#include <gtest/gtest.h>

#include <string>

namespace inzage {
namespace {

TEST(BsnTest, AcceptsTestNumbersOfTheBrpTestSet) {
  EXPECT_TRUE(IsValidBsn("999993653"));
  EXPECT_TRUE(IsValidBsn("999990482"));
  EXPECT_TRUE(IsValidBsn("999990019"));
}

TEST(BsnTest, RejectsEveryOffByOneDigit) {
  const std::string valid = "999993653";
  for (size_t i = 0; i < valid.size(); ++i) {
    for (int delta : {-1, 1}) {
      std::string changed = valid;
      const int d = (changed[i] - '0' + delta + 10) % 10;
      changed[i] = static_cast<char>('0' + d);
      NormalisedBsn out;
      EXPECT_STREQ(CheckBsn(changed, &out), "fails the elfproef") << "position " << i;
    }
  }
}

TEST(BsnTest, EightDigitNumbersGetALeadingZero) {
  // 0 + 8*1 + 7*1 + 6*1 + 5*1 + 4*1 + 3*1 + 2*1 - 1*6 = 29 - no; construct one that passes.
  // 012345672: 9*0+8*1+7*2+6*3+5*4+4*5+3*6+2*7-2 = 8+14+18+20+20+18+14-2 = 110 -> divisible.
  NormalisedBsn out;
  EXPECT_EQ(CheckBsn("12345672", &out), nullptr);
  EXPECT_EQ(std::string(out.data(), out.size()), "012345672");
  EXPECT_EQ(CheckBsn("012345672", &out), nullptr);
}

TEST(BsnTest, RejectsAllZeros) {
  NormalisedBsn out;
  EXPECT_STREQ(CheckBsn("000000000", &out), "must not be all zeros");
  EXPECT_STREQ(CheckBsn("00000000", &out), "must not be all zeros");
}

TEST(BsnTest, RejectsNonDigitsAndWrongLengths) {
  NormalisedBsn out;
  EXPECT_STREQ(CheckBsn("99999365a", &out), "must be 8 or 9 digits");
  EXPECT_STREQ(CheckBsn(" 99993653", &out), "must be 8 or 9 digits");
  EXPECT_STREQ(CheckBsn("9999936530", &out), "must be 8 or 9 digits");
  EXPECT_STREQ(CheckBsn("9999936", &out), "must be 8 or 9 digits");
  EXPECT_STREQ(CheckBsn("", &out), "must be 8 or 9 digits");
  EXPECT_STREQ(CheckBsn("-99993653", &out), "must be 8 or 9 digits");
}

}  // namespace
}  // namespace inzage
