// The integrity chain (BIO 8.15): how a commit's history is summed into the chain in meta, and
// the pieces Store::Verify recomputes it with (Verify itself is in integrity_chain.cc).
//
// Each commit that stores history adds one chain entry, "chain/<seq>" -> previous head (32) |
// segments, and moves "chain/head" -> seq (8, host order) | head (32), where
// head = SHA-256(previous head | seq | segments). A segment is the entries of one activity on
// one UTC day (and one for the batch's new dictionary entries): their count and an additive
// 256-bit sum of SHA-256(key length | key | value). A sum does not depend on the order entries
// are read in, so Verify can scan each column family once; and retention deletes whole
// segments, so an expired segment is skipped without breaking the chain of heads.
// docs/store.md describes the chain with the rest of the store's layout.
//
// Thread safety: values and pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <utility>

#include "common/sha256.h"

namespace inzage {

// A 256-bit sum (little-endian 64-bit limbs): an order-independent multiset hash of entries.
struct Sum256 {
  std::array<std::uint64_t, 4> limb{};
  void Add(const unsigned char digest[32]) {
    std::uint64_t carry = 0;
    for (size_t i = 0; i < 4; ++i) {
      std::uint64_t d;
      std::memcpy(&d, digest + 8 * i, 8);
      const std::uint64_t partial = limb[i] + d;
      const std::uint64_t carry1 = partial < d ? 1 : 0;
      limb[i] = partial + carry;
      carry = carry1 + (limb[i] < partial ? 1 : 0);
    }
  }
  friend bool operator==(const Sum256&, const Sum256&) = default;
};

// SHA-256(key length (4, host order) | key | value) of one stored entry.
inline void EntryDigest(std::string_view key, std::string_view value, unsigned char out[32]) {
  const auto n = static_cast<std::uint32_t>(key.size());
  const Sha256Digest d = Sha256Hasher().Update(&n, sizeof n).Update(key).Update(value).Finish();
  std::memcpy(out, d.data(), d.size());
}

// A segment of a batch: the entries of one activity on one UTC day.
struct SegmentKey {
  std::string activity;
  std::int64_t day = 0;
};
struct SegmentSum {
  std::uint64_t count = 0;
  Sum256 sum;

  // Counts the entry (key, value) into the segment.
  void Add(std::string_view key, std::string_view value) {
    unsigned char digest[32];
    EntryDigest(key, value, digest);
    sum.Add(digest);
    ++count;
  }
};
// Looks a segment up by (activity, day) without building a SegmentKey: Commit does that once
// per stored event, and an activity longer than 15 bytes would cost an allocation each time.
struct SegmentLess {
  using is_transparent = void;
  using View = std::pair<std::string_view, std::int64_t>;
  static View Of(const SegmentKey& k) { return {k.activity, k.day}; }
  static View Of(const View& v) { return v; }
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return Of(a) < Of(b);
  }
};
using Segments = std::map<SegmentKey, SegmentSum, SegmentLess>;

// The segment (activity, day) of `segments`, added when absent.
inline SegmentSum& SegmentOf(Segments& segments, std::string_view activity, std::int64_t day) {
  auto it = segments.find(SegmentLess::View{activity, day});
  if (it == segments.end()) {
    it = segments.emplace(SegmentKey{std::string(activity), day}, SegmentSum{}).first;
  }
  return it->second;
}

// The chain segment that covers a batch's new dictionary entries. Activities are printable
// (event parser), so no history segment can take this name; it never expires.
// Two literals: "\x01dictionary" would be the byte 0x1d followed by "ictionary".
inline constexpr std::string_view kDictionarySegment =
    "\x01"
    "dictionary";

// How Verify names a segment in a problem: "segment <activity>/<YYYY-MM-DD>" or "the
// dictionary".
[[nodiscard]] std::string SegmentName(const SegmentKey& key);

// Segments as a chain entry holds them after the previous head: count (4) | per segment:
// u8 activity length, activity, day (8), count (8), sum (32); numbers in host order.
[[nodiscard]] std::string EncodeSegments(const Segments& segments);
// False when `in` is not exactly such an encoding.
[[nodiscard]] bool DecodeSegments(std::string_view in, Segments* out);

// SHA-256(prev | seq (8, host order) | segments), 32 bytes.
[[nodiscard]] std::string ChainHead(std::string_view prev, std::uint64_t seq,
                                    std::string_view segments);

// The value of "chain/head": seq (8, host order) | head (32).
[[nodiscard]] std::string EncodeChainHeadRow(std::uint64_t seq, std::string_view head);
// False unless `row` is 40 bytes; `head` then points into it.
[[nodiscard]] bool DecodeChainHeadRow(std::string_view row, std::uint64_t* seq,
                                      std::string_view* head);

}  // namespace inzage
