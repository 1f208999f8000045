#include "detect/invalid_rate.h"

#include <fmt/format.h>

#include <algorithm>

namespace inzage {

InvalidRate::InvalidRate(const Thresholds& thresholds)
    : bucket_micros_(std::max<TimeMicros>(1, thresholds.invalid_rate_window / kBuckets)),
      percent_(thresholds.invalid_rate_percent),
      count_limit_(static_cast<std::uint64_t>(std::max(0, thresholds.invalid_rate_count))) {}

void InvalidRate::Advance(std::int64_t bucket) {
  if (current_ != INT64_MIN && bucket <= current_) return;
  // Clear the buckets that leave the window: every slot between the old and the new current
  // bucket (all of them after a gap longer than the window, which empties the sums).
  const std::int64_t from =
      current_ == INT64_MIN ? bucket : std::max(current_ + 1, bucket - kBuckets + 1);
  for (std::int64_t b = from; b <= bucket; ++b) {
    Bucket& slot = buckets_[static_cast<size_t>(((b % kBuckets) + kBuckets) % kBuckets)];
    messages_ -= slot.messages;
    invalid_ -= slot.invalid;
    slot = Bucket{b, 0, 0};
  }
  current_ = bucket;
}

bool InvalidRate::Observe(TimeMicros now, bool invalid) {
  const std::int64_t b =
      now >= 0 ? now / bucket_micros_ : -((-now + bucket_micros_ - 1) / bucket_micros_);
  Advance(b);
  Bucket& slot = buckets_[static_cast<size_t>(((current_ % kBuckets) + kBuckets) % kBuckets)];
  ++slot.messages;
  ++messages_;
  if (invalid) {
    ++slot.invalid;
    ++invalid_;
  }
  const bool over_count = invalid_ > count_limit_;
  const bool over_share =
      messages_ >= kMinMessagesForShare &&
      static_cast<double>(invalid_) * 100.0 > percent_ * static_cast<double>(messages_);
  const bool now_firing = over_count || over_share;
  const bool fires = now_firing && !firing_;
  firing_ = now_firing;
  return fires;
}

std::string ExplainInvalidRate(const InvalidRate& rate, const Thresholds& thresholds) {
  return fmt::format(
      "{} of {} messages within {} s were not valid access events (limit: more than {} % or more "
      "than {}); an unaudited access may be hiding among them",
      rate.invalid(), rate.messages(), thresholds.invalid_rate_window / kMicrosPerSecond,
      thresholds.invalid_rate_percent, thresholds.invalid_rate_count);
}

}  // namespace inzage
