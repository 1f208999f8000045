#include "common/time.h"

#include <array>
#include <chrono>
#include <cstdio>

namespace inzage {
namespace {

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly n digits at text[pos..], advancing pos.
bool ReadDigits(std::string_view text, size_t& pos, int n, int& out) {
  if (pos + static_cast<size_t>(n) > text.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[pos + static_cast<size_t>(i)];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  pos += static_cast<size_t>(n);
  out = v;
  return true;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

Civil CivilFromDays(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

}  // namespace

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[static_cast<size_t>(month - 1)];
}

std::optional<TimeMicros> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-') return {};
  if (!ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-') return {};
  if (!ReadDigits(text, pos, 2, day) || pos >= text.size()) return {};
  const char t = text[pos++];
  if (t != 'T' && t != 't') return {};
  if (!ReadDigits(text, pos, 2, hour) || pos >= text.size() || text[pos++] != ':') return {};
  if (!ReadDigits(text, pos, 2, minute) || pos >= text.size() || text[pos++] != ':') return {};
  if (!ReadDigits(text, pos, 2, second)) return {};
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return {};
  if (hour > 23 || minute > 59 || second > 60) return {};
  TimeMicros fraction = 0;
  bool leap = second == 60;
  if (leap) second = 59;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    TimeMicros scale = 100000;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (digits < 6) {
        fraction += (text[pos] - '0') * scale;
        scale /= 10;
      }
      ++digits;
      ++pos;
    }
    if (digits < 1 || digits > 9) return {};
  }
  if (leap) fraction = kMicrosPerSecond - 1;
  if (pos >= text.size()) return {};
  std::int64_t offset_minutes = 0;
  const char z = text[pos++];
  if (z == 'Z' || z == 'z') {
    offset_minutes = 0;
  } else if (z == '+' || z == '-') {
    int oh = 0, om = 0;
    if (!ReadDigits(text, pos, 2, oh) || pos >= text.size() || text[pos++] != ':') return {};
    if (!ReadDigits(text, pos, 2, om)) return {};
    if (oh > 23 || om > 59) return {};
    offset_minutes = (std::int64_t{oh} * 60 + om) * (z == '+' ? 1 : -1);
  } else {
    return {};
  }
  if (pos != text.size()) return {};
  const std::int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const std::int64_t seconds = days * 86400 + std::int64_t{hour} * 3600 +
                               std::int64_t{minute} * 60 + second -
                               std::int64_t{offset_minutes} * 60;
  return seconds * kMicrosPerSecond + fraction;
}

std::optional<std::int64_t> ParseDate(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!ReadDigits(text, pos, 4, year) || pos >= text.size() || text[pos++] != '-') return {};
  if (!ReadDigits(text, pos, 2, month) || pos >= text.size() || text[pos++] != '-') return {};
  if (!ReadDigits(text, pos, 2, day) || pos != text.size()) return {};
  if (month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month)) return {};
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

void AppendRfc3339(std::string& out, TimeMicros t) {
  const std::int64_t days = UtcDay(t);
  const TimeMicros in_day = t - days * kMicrosPerDay;
  const Civil c = CivilFromDays(days);
  const auto secs = static_cast<int>(in_day / kMicrosPerSecond);
  const auto micros = static_cast<int>(in_day % kMicrosPerSecond);
  // Digits by hand: this runs once per entry of every API answer (snprintf was a hot spot).
  char buf[40];
  char* p = buf;
  auto digits = [&p](long long v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
    p += width;
  };
  const long long year = static_cast<long long>(c.year);
  if (year < 0 || year > 9999) {
    int n = std::snprintf(buf, sizeof buf, "%04lld", year);
    p = buf + n;
  } else {
    digits(year, 4);
  }
  *p++ = '-';
  digits(c.month, 2);
  *p++ = '-';
  digits(c.day, 2);
  *p++ = 'T';
  digits(secs / 3600, 2);
  *p++ = ':';
  digits((secs / 60) % 60, 2);
  *p++ = ':';
  digits(secs % 60, 2);
  if (micros != 0) {
    *p++ = '.';
    if (micros % 1000 == 0) {
      digits(micros / 1000, 3);
    } else {
      digits(micros, 6);
    }
  }
  *p++ = 'Z';
  out.append(buf, static_cast<size_t>(p - buf));
}

std::string FormatRfc3339(TimeMicros t) {
  std::string out;
  AppendRfc3339(out, t);
  return out;
}

TimeMicros IsoDuration::ApproxMicros() const {
  return fixed_micros +
         (static_cast<TimeMicros>(years) * 366 + static_cast<TimeMicros>(months) * 31) *
             kMicrosPerDay;
}

TimeMicros IsoDuration::AddTo(TimeMicros t) const {
  if (years != 0 || months != 0) {
    const std::int64_t days = UtcDay(t);
    const TimeMicros in_day = t - days * kMicrosPerDay;
    Civil c = CivilFromDays(days);
    std::int64_t total_months =
        std::int64_t{c.year} * 12 + (c.month - 1) + std::int64_t{years} * 12 + months;
    const std::int64_t year = total_months / 12;
    const auto month = static_cast<unsigned>(total_months % 12 + 1);
    const auto max_day =
        static_cast<unsigned>(DaysInMonth(static_cast<int>(year), static_cast<int>(month)));
    c = {year, month, c.day > max_day ? max_day : c.day};
    t = DaysFromCivil(c.year, c.month, c.day) * kMicrosPerDay + in_day;
  }
  return t + fixed_micros;
}

std::optional<IsoDuration> ParseIsoDuration(std::string_view text) {
  if (text.size() < 3 || text[0] != 'P') return {};
  IsoDuration d;
  bool in_time = false;
  bool any = false;
  size_t pos = 1;
  while (pos < text.size()) {
    if (text[pos] == 'T') {
      if (in_time) return {};
      in_time = true;
      ++pos;
      continue;
    }
    std::int64_t n = 0;
    size_t digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      n = n * 10 + (text[pos] - '0');
      if (++digits > 9) return {};
      ++pos;
    }
    if (digits == 0 || pos >= text.size()) return {};
    const char unit = text[pos++];
    any = true;
    if (!in_time && unit == 'Y') {
      d.years += static_cast<int>(n);
    } else if (!in_time && unit == 'M') {
      d.months += static_cast<int>(n);
    } else if (!in_time && unit == 'W') {
      d.fixed_micros += n * 7 * kMicrosPerDay;
    } else if (!in_time && unit == 'D') {
      d.fixed_micros += n * kMicrosPerDay;
    } else if (in_time && unit == 'H') {
      d.fixed_micros += n * 3600 * kMicrosPerSecond;
    } else if (in_time && unit == 'M') {
      d.fixed_micros += n * 60 * kMicrosPerSecond;
    } else if (in_time && unit == 'S') {
      d.fixed_micros += n * kMicrosPerSecond;
    } else {
      return {};
    }
  }
  if (!any) return {};
  return d;
}

TimeMicros WallNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace inzage
