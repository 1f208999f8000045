// CitizenLimiter: how often one citizen may do something, as a token bucket per pseudonym that
// holds at most `limit` and refills at `limit` per `period`. Two uses:
// - reads of their history per minute: every read is a stored access, so one token must not be
//   able to flood the store;
// - reports ("I don't recognise this access") per day: each becomes an alert in the CISO's
//   queue, which one citizen must not be able to bury.
// Buckets live in this instance's memory: a restart refills them, and each instance of a
// deployment counts on its own. Idle buckets are dropped when many are tracked.
// Thread safety: Allow from any thread.
#pragma once

#include <chrono>
#include <unordered_map>

#include "common/mutex.h"
#include "common/pseudonym.h"

namespace inzage::api {

class CitizenLimiter {
 public:
  // limit <= 0: no limit.
  CitizenLimiter(int limit, std::chrono::seconds period) : limit_(limit), period_(period) {}
  [[nodiscard]] bool Allow(const Pseudonym& who) EXCLUDES(mu_);

 private:
  static constexpr size_t kMaxTracked = 100000;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  const int limit_;
  const std::chrono::seconds period_;
  Mutex mu_;
  std::unordered_map<Pseudonym, Bucket, PseudonymHash> buckets_ GUARDED_BY(mu_);
};

}  // namespace inzage::api
