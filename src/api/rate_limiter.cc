#include "api/rate_limiter.h"

#include <algorithm>
#include <iterator>

namespace inzage::api {

bool CitizenLimiter::Allow(const Pseudonym& who) {
  if (limit_ <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(&mu_);
  if (buckets_.size() > kMaxTracked) {
    // A bucket idle for a whole period is full again: dropping it changes nothing.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      it = now - it->second.last > period_ ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(who, Bucket{static_cast<double>(limit_), now});
  Bucket& b = it->second;
  if (!fresh) {
    const double periods = std::chrono::duration<double>(now - b.last) / period_;
    b.tokens = std::min<double>(limit_, b.tokens + periods * limit_);
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace inzage::api
