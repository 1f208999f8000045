// LocalClock: converts event time (UTC microseconds) to local wall-clock time in one time zone
// (Europe/Amsterdam for working hours, docs/contracts.md §2), with daylight-saving transitions from
// the operating system's time zone database (tzdata) through Howard Hinnant's date/tz; GCC 12 has
// no C++20 zones. Never a fixed offset.
//
// Cost: the offset period (begin, end, offset) of the last conversion is cached, so converting
// events of the same period is two comparisons and some arithmetic; crossing a transition costs
// one lookup in the zone's transition table.
//
// Ownership: the zone is owned by date's process-wide database. Thread safety: not thread-safe
// (the cache); one clock per detector.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/status.h"
#include "common/time.h"

namespace date {
class time_zone;
}

namespace inzage {

struct LocalTime {
  std::int64_t day = 0;   // local date as days since 1970-01-01
  int weekday = 0;        // 0 = Monday ... 6 = Sunday
  int minute_of_day = 0;  // 0 .. 1439
};

class LocalClock {
 public:
  static constexpr std::string_view kWorkingHoursZone = "Europe/Amsterdam";

  // Finds the zone in the time zone database; an error naming the zone when it cannot.
  static Result<LocalClock> Load(std::string_view zone = kWorkingHoursZone);

  [[nodiscard]] LocalTime ToLocal(TimeMicros t);

 private:
  explicit LocalClock(const date::time_zone* zone) : zone_(zone) {}

  const date::time_zone* zone_;
  // Cached offset period [begin_, end_) in UTC seconds; empty at first.
  std::int64_t begin_ = 1;
  std::int64_t end_ = 0;
  std::int64_t offset_seconds_ = 0;
};

}  // namespace inzage
