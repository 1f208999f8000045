#include "api/report_text.h"

namespace inzage::api {

size_t Utf8Chars(std::string_view text) {
  size_t n = 0;
  for (char c : text) {
    // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string RedactReportText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto is_digit = [&](size_t k) { return text[k] >= '0' && text[k] <= '9'; };
    if (is_digit(i)) {
      size_t end = i;
      while (end < text.size() && is_digit(end)) ++end;
      if (end - i >= kRedactDigitRun) {
        out.append(kRedacted);
      } else {
        out.append(text.substr(i, end - i));
      }
      i = end;
      continue;
    }
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F ? ' ' : text[i]);
    ++i;
  }
  return out;
}

}  // namespace inzage::api
