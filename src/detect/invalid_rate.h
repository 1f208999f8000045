// InvalidRate: the input.invalid_rate rule (policy-rules.md, "Input and integrity"): invalid
// messages exceeding a share of all messages (default 1 %) or a count (default 100) within a
// sliding window (default 5 minutes). A burst of messages that cannot be audited may hide an
// unaudited access, so it is alert-worthy.
//
// Time is whatever the caller has for a message: in the daemon and in `inzage replay` alike, the
// latest valid event time of the message's partition (an invalid message may have no readable
// time), one window per partition (ingest/invalid_rate_state.h), so both give the same alerts.
// Per-message times are kept in kBuckets buckets per window (1 s for 5 minutes), so the window
// slides at bucket resolution; times never go back (an earlier time counts in the current
// bucket).
//
// choices where the policy is silent: the share criterion needs at least kMinMessagesForShare
// messages in the window, so that one invalid message among a handful (a quiet night) is not a
// "rate"; the rule fires once when the condition becomes true and again only after it was false.
//
// Persistence: SerializeTo/Restore carry the window across restarts (the daemon commits it with
// each batch, so a restart neither forgets a burst nor counts a message twice).
//
// Thread safety: none; one per consumer. No allocation after construction.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "policy/policy.h"

namespace inzage {

class InvalidRate {
 public:
  static constexpr int kBuckets = 300;
  static constexpr std::uint64_t kMinMessagesForShare = 100;

  explicit InvalidRate(const Thresholds& thresholds);

  // Counts one message at `now`; true when this message makes the rule fire.
  bool Observe(TimeMicros now, bool invalid);

  // The window's counts after the last Observe (for the explanation and metrics).
  [[nodiscard]] std::uint64_t messages() const { return messages_; }
  [[nodiscard]] std::uint64_t invalid() const { return invalid_; }
  [[nodiscard]] bool firing() const { return firing_; }

  // Record: u8 format (1) | svarint current bucket | u8 firing | varint n | n × (svarint bucket
  // number, varint messages, varint invalid) for the buckets inside the window that hold
  // messages. Restore rejects anything else (Corruption) and keeps this window then.
  void SerializeTo(std::string* out) const;
  [[nodiscard]] Status Restore(std::string_view record);

 private:
  struct Bucket {
    std::int64_t number = INT64_MIN;
    std::uint64_t messages = 0;
    std::uint64_t invalid = 0;
  };
  void Advance(std::int64_t bucket);

  TimeMicros bucket_micros_;
  double percent_;
  std::uint64_t count_limit_;
  std::array<Bucket, kBuckets> buckets_{};
  std::int64_t current_ = INT64_MIN;  // bucket number of the latest time
  std::uint64_t messages_ = 0;        // sums over the buckets in the window
  std::uint64_t invalid_ = 0;
  bool firing_ = false;
};

// "12 of 240 messages in 5 min were not valid access events (limit: more than 1 % or more than
// 100)": the explanation of an input.invalid_rate alert, from the window's counts.
std::string ExplainInvalidRate(const InvalidRate& rate, const Thresholds& thresholds);

}  // namespace inzage
