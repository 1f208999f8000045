// Logs: one logfmt line per event of interest on stderr (journald keeps stderr lines and their
// order), starting with level=debug|info|warn|error, then component=, msg="..." and key=value
// fields. Lines below the configured level (config `log_level`) are dropped. Nothing logged may
// hold a BSN, a token or a key: callers log pseudonyms, ids and counts only (the no-BSN tests
// grep every line).
// Thread safety: LogLine may be called from any thread; each line is one write(2), so lines of
// different threads do not interleave. SetLogLevel before threads start, or at any time (atomic).
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace inzage {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::optional<LogLevel> ParseLogLevel(std::string_view name);
void SetLogLevel(LogLevel level);
[[nodiscard]] bool LogEnabled(LogLevel level);

// Writes `line` (which starts with "level=<name> ") if its level is enabled; a line without a
// level prefix counts as info.
void LogLine(std::string_view line);

// For a problem that can repeat many times a second while it lasts (a broker that stays away):
// the first line is written at once, later ones at most once per interval, each saying how many
// were left out since the last. Thread safety: any thread.
class ThrottledLog {
 public:
  using Clock = std::chrono::steady_clock;
  explicit ThrottledLog(Clock::duration interval) : interval_(interval) {}

  // Writes `line` (plus " not_logged=N" when N lines were left out) unless one was written
  // less than the interval before `now`. True when written.
  bool Log(const std::string& line, Clock::time_point now = Clock::now());

 private:
  const Clock::duration interval_;
  std::mutex mu_;
  std::optional<Clock::time_point> last_;  // guarded by mu_
  std::uint64_t left_out_ = 0;             // guarded by mu_
};

}  // namespace inzage
