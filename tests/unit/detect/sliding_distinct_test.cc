// SubjectLru against a reference model, SlidingDistinct's exact and overflow behaviour and its
// binary record.
#include "detect/sliding_distinct.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <set>

#include "detect_test_util.h"

namespace inzage {
namespace {

using testing_util::kHour;
using testing_util::kMinute;
using testing_util::SyntheticSubject;

TEST(SubjectLruTest, MatchesAReferenceModelUnderRandomOperations) {
  SubjectLru lru;
  std::map<int, TimeMicros> model;  // subject -> last seen
  std::mt19937 rng(5);
  TimeMicros now = 0;
  for (int step = 0; step < 200000; ++step) {
    now += static_cast<TimeMicros>(rng() % 3);
    const int subject = static_cast<int>(rng() % 300);
    const Pseudonym p = SyntheticSubject(static_cast<std::uint64_t>(subject));
    if (rng() % 4 == 0 && !lru.empty()) {
      // Pop the oldest: the model's entry with the smallest last-seen time.
      const SubjectLru::Entry oldest = lru.Oldest();
      TimeMicros min_time = INT64_MAX;
      for (const auto& [s, t] : model) min_time = std::min(min_time, t);
      ASSERT_EQ(oldest.last_seen, min_time);
      lru.PopOldest();
      for (auto it = model.begin(); it != model.end(); ++it) {
        if (SyntheticSubject(static_cast<std::uint64_t>(it->first)) == oldest.subject) {
          model.erase(it);
          break;
        }
      }
    } else if (const std::uint32_t i = lru.Find(p); i != SubjectLru::kNone) {
      ASSERT_TRUE(model.count(subject));
      lru.Touch(i, now);
      model[subject] = now;
    } else {
      ASSERT_FALSE(model.count(subject));
      lru.PushNewest(p, now);
      model[subject] = now;
    }
    ASSERT_EQ(lru.size(), model.size());
  }
  // Oldest-first order is sorted by last-seen time.
  TimeMicros previous = INT64_MIN;
  size_t n = 0;
  lru.ForEachOldestFirst([&](const SubjectLru::Entry& e) {
    EXPECT_LE(previous, e.last_seen);
    previous = e.last_seen;
    ++n;
  });
  EXPECT_EQ(n, model.size());
}

TEST(SlidingDistinctTest, ExactWithinCapacity) {
  SlidingDistinct w;
  const TimeMicros window = kHour;
  for (int i = 0; i < 100; ++i) {
    w.Expire(i * kMinute - window);
    EXPECT_TRUE(w.Add(SyntheticSubject(static_cast<std::uint64_t>(i % 50)), i * kMinute, window) ==
                (i < 50));
  }
  // At minute 99 the window (39, 99] holds minutes 40..99: every subject 0..49 was seen there.
  EXPECT_EQ(w.Count(99 * kMinute - window), 50u);
  w.Expire(200 * kMinute - window);
  EXPECT_EQ(w.Count(200 * kMinute - window), 0u);
  EXPECT_TRUE(w.exact());
}

TEST(SlidingDistinctTest, OverflowEstimatesAndBecomesExactAgain) {
  SlidingDistinct w;
  const TimeMicros window = kHour;
  w.SetCapacity(128, window);
  // 5,000 distinct subjects in 50 minutes: far beyond the capacity.
  for (int i = 0; i < 5000; ++i) {
    const TimeMicros t = TimeMicros{i} * 600 * 1000;  // every 0.6 s
    w.Expire(t - window);
    w.Add(SyntheticSubject(static_cast<std::uint64_t>(i)), t, window);
  }
  EXPECT_FALSE(w.exact());
  const TimeMicros end = TimeMicros{4999} * 600 * 1000;
  const double estimate = static_cast<double>(w.Count(end - window));
  EXPECT_NEAR(estimate, 5000, 5000 * 0.25);
  // Later only 10 subjects: once every evicted subject has left the window, exact again.
  for (int i = 0; i < 10; ++i) {
    const TimeMicros t = end + 2 * kHour + i;
    w.Expire(t - window);
    w.Add(SyntheticSubject(1000000 + static_cast<std::uint64_t>(i)), t, window);
  }
  EXPECT_TRUE(w.exact());
  EXPECT_EQ(w.Count(end + 2 * kHour + 9 - window), 10u);
}

TEST(SlidingDistinctTest, SerializeRestoreRoundTripsInOverflow) {
  SlidingDistinct w;
  const TimeMicros window = kHour;
  for (int i = 0; i < 1000; ++i) w.Add(SyntheticSubject(static_cast<std::uint64_t>(i)), i, window);
  ASSERT_FALSE(w.exact());
  std::string bytes;
  StateWriter writer(&bytes);
  w.Serialize(&writer, 999);
  SlidingDistinct copy;
  StateReader reader(bytes);
  ASSERT_TRUE(copy.Restore(&reader, 999));
  EXPECT_TRUE(reader.AtEnd());
  EXPECT_EQ(copy.Count(999 - window), w.Count(999 - window));
  std::string again;
  StateWriter writer2(&again);
  copy.Serialize(&writer2, 999);
  EXPECT_EQ(again, bytes);
}

}  // namespace
}  // namespace inzage
