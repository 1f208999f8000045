// Time handling for event time: UTC microseconds since the Unix epoch.
//
// Every timestamp inside inzage is an int64 count of microseconds (UTC). Conversions from and to
// text happen at the edges: RFC 3339 for instants, YYYY-MM-DD for dates, ISO 8601 durations for
// policy thresholds. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inzage {

using TimeMicros = std::int64_t;  // UTC microseconds since 1970-01-01T00:00:00Z

inline constexpr TimeMicros kMicrosPerSecond = 1'000'000;
inline constexpr TimeMicros kMicrosPerDay = 86'400 * kMicrosPerSecond;

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool IsLeapYear(int year);
int DaysInMonth(int year, int month);

// Parses "2026-11-28T10:15:03.123Z" / "...+01:00" (RFC 3339 with a zone; 'T'/'t', 'Z'/'z';
// up to 9 fraction digits, truncated to microseconds; second 60 is read as 59.999999).
// Rejects calendar-impossible dates. Returns nullopt when not valid.
std::optional<TimeMicros> ParseRfc3339(std::string_view text);

// Parses "YYYY-MM-DD" into days since the epoch.
std::optional<std::int64_t> ParseDate(std::string_view text);

// "2026-11-28T10:15:03.123456Z" (fraction omitted when zero, otherwise trimmed to millis or
// micros).
std::string FormatRfc3339(TimeMicros t);
// The same, appended to out (no temporary string).
void AppendRfc3339(std::string& out, TimeMicros t);

// The wall clock now, in microseconds since the epoch.
TimeMicros WallNow();

// Days since the epoch of the UTC date of t.
inline std::int64_t UtcDay(TimeMicros t) {
  return (t >= 0 ? t : t - kMicrosPerDay + 1) / kMicrosPerDay;
}

// An ISO 8601 duration as used by the policy (P5Y, P30D, PT1H, PT5M, P1DT12H). Years and months
// are kept apart from the fixed part so that retention can add calendar years.
struct IsoDuration {
  int years = 0;
  int months = 0;
  std::int64_t fixed_micros = 0;  // days, hours, minutes, seconds

  // An upper bound on the length in microseconds (a year as 366 days, a month as 31), used where
  // erring long is safe; AddTo is exact.
  [[nodiscard]] TimeMicros ApproxMicros() const;
  // t + this duration, with calendar arithmetic for years and months (day clamped to the month).
  [[nodiscard]] TimeMicros AddTo(TimeMicros t) const;
};

std::optional<IsoDuration> ParseIsoDuration(std::string_view text);

}  // namespace inzage
