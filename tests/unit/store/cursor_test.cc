// Cursors are kept by clients and exchanged between peers: their text form must not change.
#include "store/cursor.h"

#include <gtest/gtest.h>

#include "store/keys.h"

namespace inzage {
namespace {

TEST(Cursor, TextFormIsTheHexOfTheHistoryKeySuffix) {
  // Time 0 is 0x8000000000000000 once its sign bit is flipped (store/keys.h); "e1" is 65 31.
  EXPECT_EQ(CursorOf(0, "e1"), "80000000000000006531");
  EXPECT_EQ(CursorOf(-1, ""), "7fffffffffffffff");
  const TimeMicros t = 1'795'000'000'123'456;
  const std::string key = keys::SubjectKey(Pseudonym{}, t, "01JD2Q9V");
  EXPECT_EQ(CursorOf(t, "01JD2Q9V"), CursorOf(PagePosition{t, "01JD2Q9V"}));
  EXPECT_EQ(PagePosition({t, "01JD2Q9V"}).KeySuffix(), key.substr(16));
}

TEST(Cursor, ParsesWhatItWrites) {
  for (const PagePosition& p : {PagePosition{0, "e1"}, PagePosition{-5, ""},
                                PagePosition{1'795'000'000'000'000, std::string("a\0\xff", 3)}}) {
    const auto parsed = ParseCursor(CursorOf(p));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, p);
  }
  // Upper case is read as the store always has.
  EXPECT_EQ(ParseCursor("80000000000000006A"), (PagePosition{0, "j"}));
}

TEST(Cursor, RefusesTextItNeverWrites) {
  EXPECT_FALSE(ParseCursor("zz").has_value());
  EXPECT_FALSE(ParseCursor("00").has_value());               // shorter than a time
  EXPECT_FALSE(ParseCursor("800000000000000").has_value());  // odd length
  EXPECT_TRUE(InCursorAlphabet(""));
  EXPECT_TRUE(InCursorAlphabet("0123456789abcdef"));
  EXPECT_FALSE(InCursorAlphabet("0A"));
  EXPECT_FALSE(InCursorAlphabet("zz"));
}

}  // namespace
}  // namespace inzage
