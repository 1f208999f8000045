// CitizenReadLimiter: reads of one citizen's history per minute. Every read is a stored access,
// so one token must not be able to flood the store: a token bucket per pseudonym, refilled at
// `per_minute` a minute and holding at most a minute's worth; idle buckets are dropped when
// many are tracked.
// Thread safety: Allow from any thread.
#pragma once

#include <chrono>
#include <unordered_map>

#include "common/mutex.h"
#include "common/pseudonym.h"

namespace inzage::api {

class CitizenReadLimiter {
 public:
  explicit CitizenReadLimiter(int per_minute) : per_minute_(per_minute) {}
  [[nodiscard]] bool Allow(const Pseudonym& who) EXCLUDES(mu_);

 private:
  static constexpr size_t kMaxTracked = 100000;
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point last;
  };
  const int per_minute_;
  Mutex mu_;
  std::unordered_map<Pseudonym, Bucket, PseudonymHash> buckets_ GUARDED_BY(mu_);
};

}  // namespace inzage::api
