// The text a citizen adds to a report ("I don't recognise this access"): bounded in characters
// and made safe to store before it leaves the API. A citizen may type their BSN or a phone
// number to be helpful; the store holds no BSN, so every run of 8 or more ASCII digits becomes
// "[…]" (8, not 9: a BSN written without its leading zero, and Dutch phone numbers, are
// covered too; dates and house numbers stay readable). Control characters other than newline
// and tab become spaces.
//
// The text is never logged. Thread safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace inzage::api {

inline constexpr size_t kMaxReportChars = 1000;
inline constexpr size_t kRedactDigitRun = 8;
inline constexpr std::string_view kRedacted = "[\xE2\x80\xA6]";  // "[…]" in UTF-8

// Characters (Unicode code points) of valid UTF-8 text, which the JSON parser guarantees.
[[nodiscard]] size_t Utf8Chars(std::string_view text);

// The text with each run of kRedactDigitRun or more ASCII digits replaced by kRedacted, and
// control characters other than '\n' and '\t' by spaces.
[[nodiscard]] std::string RedactReportText(std::string_view text);

}  // namespace inzage::api
