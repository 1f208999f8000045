#include "detect/distinct_counter.h"

#include <algorithm>
#include <cmath>

#include "detect/hyperloglog.h"

namespace inzage {

void DistinctCounter::Add(const Pseudonym& subject) {
  if (!registers_.empty()) {
    hll::Add<kPrecision>(registers_.data(), hll::HashOf(subject));
    return;
  }
  auto it = std::lower_bound(exact_.begin(), exact_.end(), subject);
  if (it != exact_.end() && *it == subject) return;
  if (exact_.size() < kExact) {
    exact_.insert(it, subject);
    return;
  }
  registers_.assign(size_t{1} << kPrecision, 0);
  for (const Pseudonym& p : exact_) hll::Add<kPrecision>(registers_.data(), hll::HashOf(p));
  hll::Add<kPrecision>(registers_.data(), hll::HashOf(subject));
  exact_.clear();
  exact_.shrink_to_fit();
}

std::uint64_t DistinctCounter::Count() const {
  if (registers_.empty()) return exact_.size();
  const auto estimate =
      static_cast<std::uint64_t>(std::llround(hll::Estimate<kPrecision>(registers_.data())));
  return std::max<std::uint64_t>(kExact + 1, estimate);  // it overflowed, so more than kExact
}

void DistinctCounter::Serialize(StateWriter* w) const {
  w->Varint(exact_.size());
  for (const Pseudonym& p : exact_) w->Bytes(p.bytes.data(), p.bytes.size());
  if (exact_.empty()) {
    w->U8(registers_.empty() ? 0 : 1);
    if (!registers_.empty()) w->Bytes(registers_.data(), registers_.size());
  }
}

bool DistinctCounter::Restore(StateReader* r) {
  exact_.clear();
  registers_.clear();
  const std::uint64_t n = r->Varint();
  if (n > kExact) {
    r->Fail();
    return false;
  }
  for (std::uint64_t i = 0; i < n && r->ok(); ++i) {
    Pseudonym p;
    r->Bytes(p.bytes.data(), p.bytes.size());
    if (!exact_.empty() && !(exact_.back() < p)) r->Fail();  // must be sorted and unique
    exact_.push_back(p);
  }
  if (n == 0) {
    const std::uint8_t sketch = r->U8();
    if (sketch > 1) r->Fail();
    if (sketch == 1 && r->ok()) {
      registers_.assign(size_t{1} << kPrecision, 0);
      r->Bytes(registers_.data(), registers_.size());
      for (std::uint8_t v : registers_) {
        if (v > 64 - kPrecision + 1) r->Fail();
      }
    }
  }
  return r->ok();
}

}  // namespace inzage
