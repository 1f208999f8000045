#include "detect/local_clock.h"

#include <date/tz.h>

#include <exception>
#include <string>

namespace inzage {

Result<LocalClock> LocalClock::Load(std::string_view zone) {
  // date's database throws when tzdata is missing or the zone is unknown; this is start-up, a
  // cold boundary, so the exception becomes a Status here.
  try {
    return LocalClock(date::locate_zone(zone));
  } catch (const std::exception& e) {
    return Status::FailedPrecondition(
        "time zone " + std::string(zone) +
        " not found in the time zone database (install tzdata): " + e.what());
  }
}

LocalTime LocalClock::ToLocal(TimeMicros t) {
  const std::int64_t seconds =
      t >= 0 ? t / kMicrosPerSecond : -((-t + kMicrosPerSecond - 1) / kMicrosPerSecond);
  if (seconds < begin_ || seconds >= end_) {
    const date::sys_info info = zone_->get_info(date::sys_seconds{std::chrono::seconds{seconds}});
    begin_ = info.begin.time_since_epoch().count();
    end_ = info.end.time_since_epoch().count();
    offset_seconds_ = info.offset.count();
  }
  const std::int64_t local = seconds + offset_seconds_;
  LocalTime out;
  out.day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
  const std::int64_t second_of_day = local - out.day * 86400;
  out.minute_of_day = static_cast<int>(second_of_day / 60);
  out.weekday = static_cast<int>(((out.day % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
  return out;
}

}  // namespace inzage
