#include "common/local_time.h"

#include <date/tz.h>

#include <cstdio>
#include <exception>

namespace inzage {
namespace {

const date::time_zone* Zone(std::string_view name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;  // no tzdata, or no such zone: the caller shows UTC only
  }
}

}  // namespace

std::string FormatLocalRfc3339(TimeMicros t, std::string_view zone) {
  static const date::time_zone* amsterdam = Zone(kCitizensTimeZone);
  const date::time_zone* z = zone == kCitizensTimeZone ? amsterdam : Zone(zone);
  if (z == nullptr) return {};
  const std::int64_t seconds =
      t >= 0 ? t / kMicrosPerSecond : -((-t + kMicrosPerSecond - 1) / kMicrosPerSecond);
  const date::sys_seconds instant{std::chrono::seconds{seconds}};
  const date::sys_info info = z->get_info(instant);
  const std::int64_t offset = info.offset.count();
  const auto local = date::local_seconds{std::chrono::seconds{seconds + offset}};
  const auto day = date::floor<date::days>(local);
  const date::year_month_day ymd{day};
  const date::hh_mm_ss<std::chrono::seconds> hms{local - day};
  char buf[40];
  const std::int64_t off_min = (offset < 0 ? -offset : offset) / 60;
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()),
                offset < 0 ? '-' : '+', static_cast<int>(off_min / 60),
                static_cast<int>(off_min % 60));
  return buf;
}

}  // namespace inzage
