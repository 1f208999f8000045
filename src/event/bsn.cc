#include "event/bsn.h"

namespace inzage {

const char* CheckBsn(std::string_view text, NormalisedBsn* out) {
  if (text.size() != 8 && text.size() != 9) return "must be 8 or 9 digits";
  const size_t pad = 9 - text.size();
  (*out)[0] = '0';
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return "must be 8 or 9 digits";
    (*out)[pad + i] = c;
  }
  int sum = 0;
  bool all_zero = true;
  for (size_t i = 0; i < 8; ++i) {
    const int d = (*out)[i] - '0';
    all_zero = all_zero && d == 0;
    sum += static_cast<int>(9 - i) * d;
  }
  const int last = (*out)[8] - '0';
  all_zero = all_zero && last == 0;
  sum -= last;
  if (all_zero) return "must not be all zeros";
  if (sum % 11 != 0) return "fails the elfproef";
  return nullptr;
}

}  // namespace inzage
