// DistinctCounter: how many distinct subjects (pseudonyms) an alert concerns, exact up to
// kExact subjects (a sorted vector, grown as needed) and a HyperLogLog estimate beyond (256
// registers, about 6.5 % error), so an alert stays small however many subjects its incident
// touches. Unlike SlidingDistinct there is no window: an incident counts everything it
// aggregated. An estimate depends on the pseudonym key (hyperloglog.h).
//
// Ownership: a value (copyable). Thread safety: none.
#pragma once

#include <cstdint>
#include <vector>

#include "common/pseudonym.h"
#include "detect/state_codec.h"

namespace inzage {

class DistinctCounter {
 public:
  static constexpr size_t kExact = 1024;
  static constexpr int kPrecision = 8;

  void Add(const Pseudonym& subject);
  [[nodiscard]] std::uint64_t Count() const;
  [[nodiscard]] bool exact() const { return registers_.empty(); }

  // varint n (exact subjects, sorted) + n × 16 bytes; when n == 0, u8 (1 = sketch follows) and
  // then 256 register bytes. At most 16 KB.
  void Serialize(StateWriter* w) const;
  [[nodiscard]] bool Restore(StateReader* r);

 private:
  std::vector<Pseudonym> exact_;         // sorted; emptied when the sketch takes over
  std::vector<std::uint8_t> registers_;  // empty while exact
};

}  // namespace inzage
