#include "api/rate_limiter.h"

#include <algorithm>
#include <iterator>

namespace inzage::api {

bool CitizenReadLimiter::Allow(const Pseudonym& who) {
  if (per_minute_ <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  MutexLock lock(&mu_);
  if (buckets_.size() > kMaxTracked) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      it = now - it->second.last > std::chrono::minutes(2) ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, fresh] = buckets_.try_emplace(who, Bucket{static_cast<double>(per_minute_), now});
  Bucket& b = it->second;
  if (!fresh) {
    const double minutes = std::chrono::duration<double>(now - b.last).count() / 60.0;
    b.tokens = std::min<double>(per_minute_, b.tokens + minutes * per_minute_);
    b.last = now;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace inzage::api
