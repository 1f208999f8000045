// Logs: one logfmt line per event of interest on stderr (journald keeps stderr lines and their
// order):
//   level=warn component=pipeline msg="offset commit to Kafka failed" error="Broker: ..."
// A call names its level, its component, a message and typed fields; the line is put together
// and escaped here (quotes, backslashes, newlines, control characters), so a value cannot break
// a line in two or forge a field. Lines below the configured level (config `log_level`) are
// dropped before they are formatted.
//
// Nothing logged may hold a BSN, a token or a key: callers log pseudonyms, ids and counts only
// (the no-BSN tests grep every line).
//
// Thread safety: Log may be called from any thread; each line is one write(2), so lines of
// different threads do not interleave. SetLogLevel at any time (atomic).
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"

namespace inzage {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::optional<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);
void SetLogLevel(LogLevel level);
[[nodiscard]] bool LogEnabled(LogLevel level);

// One key=value of a line. The value is formatted when the field is made; strings are quoted
// when they need it.
class LogField {
 public:
  LogField(std::string_view key, std::string_view value) : key_(key), value_(value) {}
  LogField(std::string_view key, const std::string& value) : key_(key), value_(value) {}
  LogField(std::string_view key, const char* value) : key_(key), value_(value) {}
  LogField(std::string_view key, bool value) : key_(key), value_(value ? "true" : "false") {}
  LogField(std::string_view key, int value) : key_(key), value_(std::to_string(value)) {}
  LogField(std::string_view key, long value) : key_(key), value_(std::to_string(value)) {}
  LogField(std::string_view key, long long value) : key_(key), value_(std::to_string(value)) {}
  LogField(std::string_view key, unsigned value) : key_(key), value_(std::to_string(value)) {}
  LogField(std::string_view key, unsigned long value) : key_(key), value_(std::to_string(value)) {}
  LogField(std::string_view key, unsigned long long value)
      : key_(key), value_(std::to_string(value)) {}
  LogField(std::string_view key, double value);

  [[nodiscard]] std::string_view key() const { return key_; }
  [[nodiscard]] const std::string& value() const { return value_; }

 private:
  std::string_view key_;
  std::string value_;
};

using LogFields = std::initializer_list<LogField>;

// Writes `level=… component=… msg="…" key=value…` when the level is enabled.
void Log(LogLevel level, std::string_view component, std::string_view message,
         LogFields fields = {});

// The line Log writes, without its newline (tests, and the throttled log's count).
std::string FormatLogLine(LogLevel level, std::string_view component, std::string_view message,
                          LogFields fields);

// For a problem that can repeat many times a second while it lasts (a broker that stays away):
// the first line is written at once, later ones at most once per interval, each with the field
// not_logged=N counting the lines left out since the last. Thread safety: any thread.
class ThrottledLog {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ThrottledLog(Clock::duration interval) : interval_(interval) {}

  // Logs unless a line was written less than the interval before `now`. True when written.
  bool Log(LogLevel level, std::string_view component, std::string_view message,
           LogFields fields = {}, Clock::time_point now = Clock::now());

 private:
  const Clock::duration interval_;
  Mutex mu_;
  std::optional<Clock::time_point> last_ GUARDED_BY(mu_);
  std::uint64_t left_out_ GUARDED_BY(mu_) = 0;
};

}  // namespace inzage
