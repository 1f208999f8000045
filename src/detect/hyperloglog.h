// HyperLogLog register arithmetic (Flajolet et al. 2007, with the linear-counting correction
// for small cardinalities), for the bounded distinct-subject counts of the detector and alerts.
//
// The hash of a subject is taken from its pseudonym: an HMAC-SHA256 output is already uniformly
// distributed, so bytes 8..15 serve as a 64-bit hash (bytes 0..7 feed hash tables, see
// PseudonymHash; using other bytes keeps the two independent). Consequence: an estimate depends
// on the pseudonym key, so two runs with different keys can differ once a count is estimated.
//
// Thread safety: pure functions over caller-owned registers.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "common/pseudonym.h"

namespace inzage::hll {

inline std::uint64_t HashOf(const Pseudonym& subject) {
  std::uint64_t h;
  std::memcpy(&h, subject.bytes.data() + 8, sizeof h);
  return h;
}

// Adds a hash to registers[0 .. 2^precision).
template <int kPrecision>
inline void Add(std::uint8_t* registers, std::uint64_t hash) {
  static_assert(kPrecision >= 4 && kPrecision <= 16);
  const auto index = static_cast<size_t>(hash >> (64 - kPrecision));
  const std::uint64_t rest = hash << kPrecision;
  const auto rank =
      static_cast<std::uint8_t>(rest == 0 ? 64 - kPrecision + 1 : std::countl_zero(rest) + 1);
  registers[index] = std::max(registers[index], rank);
}

// The harmonic sum of the registers, sum(2^-r), is kept as an integer scaled by 2^kSumShift:
// exact, so an estimate is the same however the sum was reached (incrementally or recomputed
// after a restore). Ranks above kSumShift add nothing (they occur with probability 2^-51).
inline constexpr int kSumShift = 51;
inline std::uint64_t Term(std::uint8_t rank) {
  return rank > kSumShift ? 0 : std::uint64_t{1} << (kSumShift - rank);
}

// The cardinality estimate from the scaled harmonic sum and the number of zero registers.
template <int kPrecision>
inline double EstimateFromSum(std::uint64_t scaled_sum, int zeros) {
  constexpr int kM = 1 << kPrecision;
  constexpr double kAlpha = kM == 16   ? 0.673
                            : kM == 32 ? 0.697
                            : kM == 64 ? 0.709
                                       : 0.7213 / (1.0 + 1.079 / kM);
  const double sum = std::ldexp(static_cast<double>(scaled_sum), -kSumShift);
  const double raw = kAlpha * kM * kM / sum;
  if (raw <= 2.5 * kM && zeros > 0) return kM * std::log(static_cast<double>(kM) / zeros);
  return raw;  // 64-bit hashes: no large-range correction needed
}

// The cardinality estimate of registers[0 .. 2^precision).
template <int kPrecision>
inline double Estimate(const std::uint8_t* registers) {
  std::uint64_t sum = 0;
  int zeros = 0;
  for (int j = 0; j < (1 << kPrecision); ++j) {
    sum += Term(registers[j]);
    zeros += registers[j] == 0 ? 1 : 0;
  }
  return EstimateFromSum<kPrecision>(sum, zeros);
}

}  // namespace inzage::hll
