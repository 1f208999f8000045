#include "detect/invalid_rate.h"

#include <fmt/format.h>

#include <algorithm>

#include "detect/state_codec.h"

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

void InvalidRate::SerializeTo(std::string* out) const {
  StateWriter w(out);
  w.U8(1);
  w.Svarint(current_);
  w.U8(firing_ ? 1 : 0);
  size_t n = 0;
  for (const Bucket& b : buckets_) n += b.messages > 0 ? 1 : 0;
  w.Varint(n);
  for (const Bucket& b : buckets_) {
    if (b.messages == 0) continue;
    w.Svarint(b.number);
    w.Varint(b.messages);
    w.Varint(b.invalid);
  }
}

Status InvalidRate::Restore(std::string_view record) {
  StateReader r(record);
  if (r.U8() != 1) return Status::Corruption("invalid-rate window: unknown format");
  const std::int64_t current = r.Svarint();
  const bool firing = r.U8() != 0;
  const std::uint64_t n = r.Varint();
  if (!r.ok() || n > static_cast<std::uint64_t>(kBuckets)) {
    return Status::Corruption("invalid-rate window: malformed");
  }
  std::array<Bucket, kBuckets> buckets{};
  std::uint64_t messages = 0, invalid = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    Bucket b;
    b.number = r.Svarint();
    b.messages = r.Varint();
    b.invalid = r.Varint();
    if (!r.ok() || b.invalid > b.messages || b.number > current || b.number <= current - kBuckets) {
      return Status::Corruption("invalid-rate window: malformed bucket");
    }
    buckets[static_cast<size_t>(((b.number % kBuckets) + kBuckets) % kBuckets)] = b;
    messages += b.messages;
    invalid += b.invalid;
  }
  if (!r.AtEnd()) return Status::Corruption("invalid-rate window: trailing bytes");
  buckets_ = buckets;
  current_ = current;
  messages_ = messages;
  invalid_ = invalid;
  firing_ = firing;
  return Status::Ok();
}

std::string ExplainInvalidRate(const InvalidRate& rate, const Thresholds& thresholds) {
  return fmt::format(
      "{} of {} messages within {} s were not valid access events (limit: more than {} % or more "
      "than {}); an unaudited access may be hiding among them",
      rate.invalid(), rate.messages(), thresholds.invalid_rate_window / kMicrosPerSecond,
      thresholds.invalid_rate_percent, thresholds.invalid_rate_count);
}

}  // namespace inzage
