// Helpers shared by the detect tests: valid test BSNs, synthetic pseudonyms and a copy of the
// shipped policy that a test may edit.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/pseudonym.h"
#include "common/time.h"
#include "event/bsn.h"
#include "support/policy_copy.h"

namespace inzage::testing_util {

inline const std::string& kPolicyDir = testing::kShippedPolicyDir;

// The i-th number of the 9999xxxxx test range that passes the elfproef.
inline std::string Bsn(int i) {
  static const std::vector<std::string> kNumbers = [] {
    std::vector<std::string> out;
    for (int n = 999900000; n <= 999999999; ++n) {
      std::string s = std::to_string(n);
      if (IsValidBsn(s)) out.push_back(s);
    }
    return out;
  }();
  return kNumbers.at(static_cast<size_t>(i));
}

// A pseudonym-like value for subject n without HMAC (fast enough for a million subjects):
// splitmix64 output, uniformly distributed like a real pseudonym.
inline Pseudonym SyntheticSubject(std::uint64_t n) {
  auto mix = [](std::uint64_t z) {
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  Pseudonym p;
  const std::uint64_t a = mix(2 * n), b = mix(2 * n + 1);
  for (int i = 0; i < 8; ++i) {
    p.bytes[static_cast<size_t>(i)] = static_cast<std::uint8_t>(a >> (8 * i));
    p.bytes[static_cast<size_t>(8 + i)] = static_cast<std::uint8_t>(b >> (8 * i));
  }
  return p;
}

inline TimeMicros T(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(0);
}

inline constexpr TimeMicros kMinute = 60 * kMicrosPerSecond;
inline constexpr TimeMicros kHour = 60 * kMinute;

using inzage::testing::PolicyCopy;

}  // namespace inzage::testing_util
