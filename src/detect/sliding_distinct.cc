#include "detect/sliding_distinct.h"

#include <algorithm>
#include <cmath>

#include "detect/hyperloglog.h"

namespace inzage {
namespace {

constexpr std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

// Upper bounds that a restored state must respect (a corrupt record must not make us allocate
// gigabytes).
constexpr std::uint64_t kMaxRestoredEntries = 1u << 20;

}  // namespace

WindowSketch::WindowSketch(TimeMicros window)
    : bucket_micros_(std::max<TimeMicros>(1, (window + kBuckets - 1) / kBuckets)) {
  bucket_.fill(kNoTime);
}

void WindowSketch::Add(const Pseudonym& subject, TimeMicros t) {
  const std::int64_t bucket = FloorDiv(t, bucket_micros_);
  const auto slot = static_cast<size_t>(((bucket % kSlots) + kSlots) % kSlots);
  if (bucket_[slot] != bucket) {
    // A slot holds an older bucket (now out of the window: kSlots buckets span more than the
    // window) or a newer one (then this subject's bucket has already left the window).
    if (bucket_[slot] != kNoTime && bucket_[slot] > bucket) return;
    bucket_[slot] = bucket;
    registers_[slot].fill(0);
  }
  const std::uint64_t hash = hll::HashOf(subject);
  hll::Add<kPrecision>(registers_[slot].data(), hash);
  if (merged_first_ != kNoTime && bucket >= merged_first_) {
    const auto j = static_cast<size_t>(hash >> (64 - kPrecision));
    const std::uint8_t rank = registers_[slot][j];
    if (rank > merged_[j]) {
      merged_sum_ -= hll::Term(merged_[j]);
      merged_zeros_ -= merged_[j] == 0 ? 1 : 0;
      merged_[j] = rank;
      merged_sum_ += hll::Term(rank);
    }
  }
}

void WindowSketch::Merge(std::int64_t first) const {
  merged_.fill(0);
  for (size_t s = 0; s < kSlots; ++s) {
    if (bucket_[s] == kNoTime || bucket_[s] < first) continue;
    for (size_t j = 0; j < kRegisters; ++j) merged_[j] = std::max(merged_[j], registers_[s][j]);
  }
  merged_sum_ = 0;
  merged_zeros_ = 0;
  for (std::uint8_t r : merged_) {
    merged_sum_ += hll::Term(r);
    merged_zeros_ += r == 0 ? 1 : 0;
  }
  merged_first_ = first;
}

double WindowSketch::Estimate(TimeMicros cutoff) const {
  // Bucket b covers [b * len, (b + 1) * len); it holds a time after the cutoff when
  // b >= floor((cutoff + 1) / len). A slot overwritten since the cache was built held a bucket
  // older than the window, which moves `first` and rebuilds the cache.
  const std::int64_t first = FloorDiv(cutoff + 1, bucket_micros_);
  if (first != merged_first_) Merge(first);
  return hll::EstimateFromSum<kPrecision>(merged_sum_, merged_zeros_);
}

void WindowSketch::Serialize(StateWriter* w) const {
  w->Varint(static_cast<std::uint64_t>(bucket_micros_));
  for (size_t s = 0; s < kSlots; ++s) {
    w->Svarint(bucket_[s]);
    w->Bytes(registers_[s].data(), kRegisters);
  }
}

std::unique_ptr<WindowSketch> WindowSketch::Restore(StateReader* r) {
  std::unique_ptr<WindowSketch> sketch(new WindowSketch());
  const std::uint64_t len = r->Varint();
  if (len == 0 || len > static_cast<std::uint64_t>(INT64_MAX)) r->Fail();
  sketch->bucket_micros_ = static_cast<TimeMicros>(len);
  for (size_t s = 0; s < kSlots; ++s) {
    sketch->bucket_[s] = r->Svarint();
    r->Bytes(sketch->registers_[s].data(), kRegisters);
    for (std::uint8_t v : sketch->registers_[s]) {
      if (v > 64 - kPrecision + 1) r->Fail();
    }
  }
  if (!r->ok()) return nullptr;
  return sketch;
}

void SlidingDistinct::SetCapacity(std::uint32_t capacity, TimeMicros window) {
  capacity_ = std::max<std::uint32_t>(1, capacity);
  while (set_.size() > capacity_) EvictOldest(window);
}

void SlidingDistinct::EvictOldest(TimeMicros window) {
  const SubjectLru::Entry oldest = set_.Oldest();
  if (sketch_ == nullptr) {
    // Seed the sketch with everything the window holds, so that it counts the whole window.
    sketch_ = std::make_unique<WindowSketch>(window);
    set_.ForEachOldestFirst(
        [this](const SubjectLru::Entry& e) { sketch_->Add(e.subject, e.last_seen); });
  }
  overflow_horizon_ = std::max(overflow_horizon_, oldest.last_seen);
  set_.PopOldest();
}

void SlidingDistinct::Expire(TimeMicros cutoff) {
  while (!set_.empty() && set_.Oldest().last_seen <= cutoff) set_.PopOldest();
  if (sketch_ != nullptr && overflow_horizon_ <= cutoff) {
    // Every evicted subject has left the window: the exact set is the window again.
    sketch_.reset();
    overflow_horizon_ = kNoTime;
  }
}

bool SlidingDistinct::Add(const Pseudonym& subject, TimeMicros t, TimeMicros window) {
  const std::uint32_t index = set_.Find(subject);
  const bool fresh = index == SubjectLru::kNone;
  if (fresh) {
    if (set_.size() >= capacity_) EvictOldest(window);
    set_.PushNewest(subject, t);
  } else {
    set_.Touch(index, t);
  }
  if (sketch_ != nullptr) sketch_->Add(subject, t);
  return fresh;
}

std::uint64_t SlidingDistinct::Count(TimeMicros cutoff) const {
  const std::uint64_t exact = set_.size();
  if (sketch_ == nullptr) return exact;
  const auto estimate = static_cast<std::uint64_t>(std::llround(sketch_->Estimate(cutoff)));
  return std::max(exact, estimate);
}

size_t SlidingDistinct::MemoryBytes() const {
  return set_.MemoryBytes() + (sketch_ != nullptr ? sizeof(WindowSketch) : 0);
}

void SlidingDistinct::Serialize(StateWriter* w, TimeMicros now) const {
  w->Varint(capacity_);
  w->Varint(set_.size());
  set_.ForEachOldestFirst([&](const SubjectLru::Entry& e) {
    w->Bytes(e.subject.bytes.data(), e.subject.bytes.size());
    w->Varint(static_cast<std::uint64_t>(now - e.last_seen));
  });
  w->U8(sketch_ != nullptr ? 1 : 0);
  if (sketch_ != nullptr) {
    w->Varint(static_cast<std::uint64_t>(now - overflow_horizon_));
    sketch_->Serialize(w);
  }
}

bool SlidingDistinct::Restore(StateReader* r, TimeMicros now) {
  set_.Clear();
  sketch_.reset();
  overflow_horizon_ = kNoTime;
  const std::uint64_t capacity = r->Varint();
  if (capacity == 0 || capacity > kMaxRestoredEntries) r->Fail();
  capacity_ = static_cast<std::uint32_t>(capacity);
  const std::uint64_t n = r->Varint();
  if (n > capacity) r->Fail();
  TimeMicros previous = INT64_MIN;
  for (std::uint64_t i = 0; i < n && r->ok(); ++i) {
    Pseudonym p;
    r->Bytes(p.bytes.data(), p.bytes.size());
    const std::uint64_t age = r->Varint();
    const TimeMicros t = now - static_cast<TimeMicros>(age);
    // Oldest first, no duplicates: anything else was not written by Serialize.
    if (age > static_cast<std::uint64_t>(INT64_MAX) || t < previous ||
        set_.Find(p) != SubjectLru::kNone) {
      r->Fail();
      break;
    }
    set_.PushNewest(p, t);
    previous = t;
  }
  const std::uint8_t overflow = r->U8();
  if (overflow > 1) r->Fail();
  if (overflow == 1 && r->ok()) {
    overflow_horizon_ = now - static_cast<TimeMicros>(r->Varint());
    sketch_ = WindowSketch::Restore(r);
    if (sketch_ == nullptr) r->Fail();
  }
  return r->ok();
}

}  // namespace inzage
