// DistinctCounter: exact up to kExact, a bounded estimate beyond, and its binary record.
#include "detect/distinct_counter.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "detect/state_codec.h"

namespace inzage {
namespace {

Pseudonym Subject(std::uint64_t n) {
  // Spread over all bytes, as HMAC output is (the sketch hashes bytes 8..15).
  std::mt19937_64 rng(n);
  Pseudonym p;
  for (size_t i = 0; i < p.bytes.size(); i += 8) {
    const std::uint64_t v = rng();
    std::memcpy(p.bytes.data() + i, &v, 8);
  }
  return p;
}

TEST(DistinctCounter, CountsEachSubjectOnceWhileExact) {
  DistinctCounter c;
  EXPECT_EQ(c.Count(), 0u);
  for (int round = 0; round < 3; ++round) {
    for (std::uint64_t i = 0; i < 100; ++i) c.Add(Subject(i));
  }
  EXPECT_EQ(c.Count(), 100u);
  EXPECT_TRUE(c.exact());
  for (std::uint64_t i = 100; i < DistinctCounter::kExact; ++i) c.Add(Subject(i));
  EXPECT_EQ(c.Count(), DistinctCounter::kExact);
  EXPECT_TRUE(c.exact());
}

TEST(DistinctCounter, EstimatesBeyondTheExactLimitWithinTheSketchsError) {
  DistinctCounter c;
  constexpr std::uint64_t kN = 50'000;
  for (std::uint64_t i = 0; i < kN; ++i) c.Add(Subject(i));
  EXPECT_FALSE(c.exact());
  // 256 registers: a standard error of 6.5 %; four of them.
  EXPECT_NEAR(static_cast<double>(c.Count()), kN, kN * 0.26);
  const std::uint64_t before = c.Count();
  for (std::uint64_t i = 0; i < kN; ++i) c.Add(Subject(i));
  EXPECT_EQ(c.Count(), before) << "subjects seen again changed the estimate";
}

TEST(DistinctCounter, SerializeAndRestoreKeepTheCountInBothModes) {
  for (std::uint64_t n : {std::uint64_t{0}, std::uint64_t{7}, std::uint64_t{5000}}) {
    DistinctCounter c;
    for (std::uint64_t i = 0; i < n; ++i) c.Add(Subject(i));
    std::string blob;
    StateWriter w(&blob);
    c.Serialize(&w);
    EXPECT_LE(blob.size(), 16u * 1024u + 16u);
    DistinctCounter back;
    StateReader r(blob);
    ASSERT_TRUE(back.Restore(&r)) << "n=" << n;
    EXPECT_EQ(back.Count(), c.Count()) << "n=" << n;
    EXPECT_EQ(back.exact(), c.exact());
    // A restored counter goes on counting as the original does.
    back.Add(Subject(n + 1));
    c.Add(Subject(n + 1));
    EXPECT_EQ(back.Count(), c.Count());
  }
}

TEST(DistinctCounter, RestoreRefusesATruncatedRecord) {
  DistinctCounter c;
  for (std::uint64_t i = 0; i < 10; ++i) c.Add(Subject(i));
  std::string blob;
  StateWriter w(&blob);
  c.Serialize(&w);
  blob.resize(blob.size() / 2);
  DistinctCounter back;
  StateReader r(blob);
  EXPECT_FALSE(back.Restore(&r) && r.ok());
}

}  // namespace
}  // namespace inzage
