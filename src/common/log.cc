#include "common/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace inzage {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

LogLevel LevelOfLine(std::string_view line) {
  constexpr std::string_view kPrefix = "level=";
  if (line.substr(0, kPrefix.size()) != kPrefix) return LogLevel::kInfo;
  line.remove_prefix(kPrefix.size());
  const std::string_view name = line.substr(0, line.find(' '));
  return ParseLogLevel(name).value_or(LogLevel::kInfo);
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void LogLine(std::string_view line) {
  if (!LogEnabled(LevelOfLine(line))) return;
  std::string out;
  out.reserve(line.size() + 1);
  for (char c : line) {
    if (c == '\n') {
      out += "\\n";  // one event, one line: journald and log shippers split on newlines
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\n');
  // One write per line: concurrent lines never interleave. A failed write to stderr has
  // nowhere else to go.
  (void)!::write(STDERR_FILENO, out.data(), out.size());
}

bool ThrottledLog::Log(const std::string& line, Clock::time_point now) {
  std::uint64_t left_out = 0;
  {
    std::lock_guard lock(mu_);
    if (last_ && now - *last_ < interval_) {
      ++left_out_;
      return false;
    }
    last_ = now;
    left_out = left_out_;
    left_out_ = 0;
  }
  LogLine(left_out == 0 ? line : line + " not_logged=" + std::to_string(left_out));
  return true;
}

}  // namespace inzage
