// Local wall-clock time for people: an instant written as RFC 3339 with the offset in force in
// a time zone ("2026-12-03T10:15:03+01:00" in Europe/Amsterdam), from the operating system's
// time zone database (tzdata) through date/tz; GCC 12 has no C++20 zones.
// Thread safety: any thread (the zone database is read-only once loaded).
#pragma once

#include <string>
#include <string_view>

#include "common/time.h"

namespace inzage {

inline constexpr std::string_view kCitizensTimeZone = "Europe/Amsterdam";

// Whole seconds, with the zone's offset; an empty string when the zone is unknown.
std::string FormatLocalRfc3339(TimeMicros t, std::string_view zone = kCitizensTimeZone);

}  // namespace inzage
