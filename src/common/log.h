// Logs: one logfmt line per event of interest on stderr (journald keeps stderr lines and their
// order), starting with level=debug|info|warn|error, then component=, msg="..." and key=value
// fields. Lines below the configured level (config `log_level`) are dropped. Nothing logged may
// hold a BSN, a token or a key: callers log pseudonyms, ids and counts only (the no-BSN tests
// grep every line).
// Thread safety: LogLine may be called from any thread; each line is one write(2), so lines of
// different threads do not interleave. SetLogLevel before threads start, or at any time (atomic).
#pragma once

#include <optional>
#include <string_view>

namespace inzage {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

std::optional<LogLevel> ParseLogLevel(std::string_view name);
void SetLogLevel(LogLevel level);
[[nodiscard]] bool LogEnabled(LogLevel level);

// Writes `line` (which starts with "level=<name> ") if its level is enabled; a line without a
// level prefix counts as info.
void LogLine(std::string_view line);

}  // namespace inzage
