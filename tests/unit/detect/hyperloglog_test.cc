// The HyperLogLog arithmetic on its own: ranks, small-range correction, accuracy, and that the
// scaled harmonic sum gives the same estimate however it was reached.
#include "detect/hyperloglog.h"

#include <gtest/gtest.h>

#include <array>
#include <random>

namespace inzage::hll {
namespace {

constexpr int kP = 8;  // 256 registers, as DistinctCounter uses
constexpr int kM = 1 << kP;

TEST(HyperLogLog, RankIsLeadingZerosOfTheRestPlusOne) {
  std::array<std::uint8_t, kM> r{};
  // Register 0 (top 8 bits zero); the rest starts with 1 bit: rank 1.
  Add<kP>(r.data(), std::uint64_t{1} << 55);
  EXPECT_EQ(r[0], 1);
  // Register 1; the rest starts with three zeros then a one: rank 4.
  Add<kP>(r.data(), (std::uint64_t{1} << 56) | (std::uint64_t{1} << 52));
  EXPECT_EQ(r[1], 4);
  // An all-zero rest gets the largest rank; a register keeps its maximum.
  Add<kP>(r.data(), std::uint64_t{2} << 56);
  EXPECT_EQ(r[2], 64 - kP + 1);
  Add<kP>(r.data(), (std::uint64_t{2} << 56) | (std::uint64_t{1} << 55));
  EXPECT_EQ(r[2], 64 - kP + 1);
}

TEST(HyperLogLog, EmptyRegistersEstimateZero) {
  std::array<std::uint8_t, kM> r{};
  EXPECT_EQ(Estimate<kP>(r.data()), 0.0);
}

// Within four standard errors (1.04 / sqrt(m) = 6.5 %) over the small range (linear counting)
// and the large one, for several seeds.
TEST(HyperLogLog, EstimatesAreWithinTheExpectedError) {
  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    for (int n : {10, 100, 1000, 20000}) {
      std::array<std::uint8_t, kM> r{};
      for (int i = 0; i < n; ++i) Add<kP>(r.data(), rng());
      const double estimate = Estimate<kP>(r.data());
      EXPECT_NEAR(estimate, n, std::max(2.0, n * 4 * 1.04 / std::sqrt(kM)))
          << "n=" << n << " seed=" << seed;
    }
  }
}

TEST(HyperLogLog, DuplicatesDoNotCount) {
  std::array<std::uint8_t, kM> once{}, thrice{};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 500; ++i) {
    const std::uint64_t h = rng();
    Add<kP>(once.data(), h);
    for (int k = 0; k < 3; ++k) Add<kP>(thrice.data(), h);
  }
  EXPECT_EQ(once, thrice);
}

TEST(HyperLogLog, IncrementalSumEqualsRecomputedSum) {
  std::array<std::uint8_t, kM> r{};
  std::uint64_t sum = static_cast<std::uint64_t>(kM) * Term(0);
  int zeros = kM;
  std::mt19937_64 rng(11);
  for (int i = 0; i < 3000; ++i) {
    const std::uint64_t h = rng();
    const auto index = static_cast<size_t>(h >> (64 - kP));
    const std::uint8_t before = r[index];
    Add<kP>(r.data(), h);
    if (r[index] != before) {
      sum = sum - Term(before) + Term(r[index]);
      if (before == 0) --zeros;
    }
  }
  EXPECT_EQ(EstimateFromSum<kP>(sum, zeros), Estimate<kP>(r.data()));
}

TEST(HyperLogLog, TheHashComesFromThePseudonymsUpperBytes) {
  Pseudonym p;
  for (size_t i = 0; i < p.bytes.size(); ++i) p.bytes[i] = static_cast<std::uint8_t>(i);
  std::uint64_t expected;
  std::memcpy(&expected, p.bytes.data() + 8, sizeof expected);
  EXPECT_EQ(HashOf(p), expected);
}

}  // namespace
}  // namespace inzage::hll
