// SlidingDistinct: the number of distinct subjects an actor touched in a sliding window of event
// time, exact up to a capacity and bounded in memory beyond it.
//
// Exact part: a SubjectLru of at most `capacity` subjects with their last-seen times. The window
// (cutoff, now] holds exactly the subjects whose last-seen time is after the cutoff, so expiring
// is popping the oldest entries. The detector sets the capacity above the rule's limit (at least
// 1024, growing on demand), so every count up to the limit + 1 is exact.
//
// Overflow: when a new subject does not fit, the oldest entry is evicted and a WindowSketch is
// started, seeded with every entry the set holds (including the evicted one), and fed every later
// subject. While it exists the count is max(exact entries, sketch estimate). The approximation,
// documented once: (1) the estimate has the HyperLogLog error (about 9 % with 128 registers);
// (2) the sketch keeps time in 12 buckets per window, so a subject can stay counted up to one
// bucket (window/12, 5 minutes for an hour) too long; (3) a subject that was evicted and comes
// back is reported as new in the window (Add returns true). When the cutoff passes the last-seen
// time of the newest evicted subject, every evicted subject has left the window, the exact set
// is complete again, and the sketch is dropped: overflow episodes end by themselves.
//
// Memory: SubjectLru (32 bytes per entry, plus a table of 4-byte slots at most half full) up to
// the capacity, plus 1.8 KB while a sketch exists; independent of how many subjects stream by.
// Contract: times never decrease (see SubjectLru). Thread safety: none; one actor's state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "common/pseudonym.h"
#include "common/time.h"
#include "detect/state_codec.h"
#include "detect/subject_lru.h"

namespace inzage {

inline constexpr TimeMicros kNoTime = INT64_MIN;

// HyperLogLog registers per time bucket; the union of the buckets that overlap the window
// estimates the distinct subjects in it.
class WindowSketch {
 public:
  static constexpr int kBuckets = 12;  // per window; one more slot holds the bucket being filled
  static constexpr int kPrecision = 7;
  static constexpr int kRegisters = 1 << kPrecision;

  explicit WindowSketch(TimeMicros window);

  void Add(const Pseudonym& subject, TimeMicros t);
  // Distinct subjects seen after `cutoff` (bucket-granular: a bucket that straddles the cutoff
  // counts whole).
  [[nodiscard]] double Estimate(TimeMicros cutoff) const;

  void Serialize(StateWriter* w) const;
  // Reads what Serialize wrote; false when malformed.
  static std::unique_ptr<WindowSketch> Restore(StateReader* r);

 private:
  WindowSketch() = default;
  static constexpr int kSlots = kBuckets + 1;

  void Merge(std::int64_t first) const;

  TimeMicros bucket_micros_ = 1;
  std::array<std::int64_t, kSlots> bucket_{};  // bucket number held by each slot; kNoTime = none
  std::array<std::array<std::uint8_t, kRegisters>, kSlots> registers_{};
  // Cache: the union of the buckets from merged_first_ on, with its harmonic sum, kept up to date
  // by Add and rebuilt when the window's first bucket moves (once per bucket, not per event).
  mutable std::int64_t merged_first_ = kNoTime;  // kNoTime = not built
  mutable std::array<std::uint8_t, kRegisters> merged_{};
  mutable std::uint64_t merged_sum_ = 0;
  mutable int merged_zeros_ = 0;
};

class SlidingDistinct {
 public:
  static constexpr std::uint32_t kDefaultCapacity = 128;

  SlidingDistinct() = default;
  SlidingDistinct(SlidingDistinct&&) noexcept = default;
  SlidingDistinct& operator=(SlidingDistinct&&) noexcept = default;
  SlidingDistinct(const SlidingDistinct&) = delete;
  SlidingDistinct& operator=(const SlidingDistinct&) = delete;
  ~SlidingDistinct() = default;

  // Most subjects held exactly. Shrinking below the current size evicts the oldest (entering
  // overflow); `window` sizes a sketch started by that.
  void SetCapacity(std::uint32_t capacity, TimeMicros window);
  [[nodiscard]] std::uint32_t capacity() const { return capacity_; }

  // Forgets subjects last seen at or before `cutoff` (= now - window). Cutoffs never decrease.
  void Expire(TimeMicros cutoff);
  // Records `subject` at time t. True when it was not in the exact set: new in the window (or,
  // during an overflow, possibly an evicted subject coming back).
  bool Add(const Pseudonym& subject, TimeMicros t, TimeMicros window);
  // Distinct subjects in the window after Expire(cutoff).
  [[nodiscard]] std::uint64_t Count(TimeMicros cutoff) const;

  [[nodiscard]] bool exact() const { return sketch_ == nullptr; }
  [[nodiscard]] bool empty() const { return set_.empty() && sketch_ == nullptr; }
  [[nodiscard]] size_t MemoryBytes() const;

  // Encoding (times relative to `now`, the actor's latest event time, which every time in the
  // state is at or before):
  //   varint capacity
  //   varint n, then n × (16-byte pseudonym, varint now - last_seen), oldest first
  //   u8 overflow (0/1); if 1: varint now - horizon, then the sketch:
  //     varint bucket_micros, 13 × (svarint bucket number or kNoTime, 128 register bytes)
  void Serialize(StateWriter* w, TimeMicros now) const;
  [[nodiscard]] bool Restore(StateReader* r, TimeMicros now);

 private:
  void EvictOldest(TimeMicros window);

  SubjectLru set_;
  std::uint32_t capacity_ = kDefaultCapacity;
  // Latest last-seen time of a subject evicted from the exact set; the sketch is needed while it
  // is inside the window.
  TimeMicros overflow_horizon_ = kNoTime;
  std::unique_ptr<WindowSketch> sketch_;
};

}  // namespace inzage
