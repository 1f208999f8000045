// The Dutch citizen service number (BSN): normalisation and the "elfproef" (11-check).
//
// Contract (docs/contracts.md §1): 9 digits d1..d9, an 8-digit number gets a leading zero;
// 9*d1 + 8*d2 + ... + 2*d8 - 1*d9 must be divisible by 11 and the number must not be all zeros.
// Error texts never contain the number itself. Pure functions; thread-safe.
#pragma once

#include <array>
#include <string_view>

namespace inzage {

using NormalisedBsn = std::array<char, 9>;

// Returns nullptr and fills *out when text is a valid BSN; otherwise a static reason such as
// "fails the elfproef".
const char* CheckBsn(std::string_view text, NormalisedBsn* out);

inline bool IsValidBsn(std::string_view text) {
  NormalisedBsn unused;
  return CheckBsn(text, &unused) == nullptr;
}

}  // namespace inzage
